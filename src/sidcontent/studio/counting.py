"""Live counters: what the social export would post for the message being edited.

The editor sends the form's current texts. They take the stored message's
place in its campaign's bundle, and the social exporter the plugin host
registered exports that one message, through the ``prepare_bundle`` chain
and in the sandbox, as a real export runs. The counters are that export's
posts: composed from headline, body, call to action, link and hashtags,
counted by each platform (a plugin's too), threaded or shortened. They
count what the export makes because they are the export, not a copy of its
rules.

Exporters load their libraries lazily, so a web process that only serves
reads stays lean, and a forked export child imports them itself: about a
second per export. Counters run an export at every pause in typing, so the
first count in a process preloads the social exporter there (as ``sidcontent
worker`` does at start), and the children forked after it inherit it loaded.
A process no editor counts in never loads it.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import current_app, jsonify, request
from flask.typing import ResponseReturnValue
from marshmallow import Schema, ValidationError, fields, validate

from sidcontent.api import context
from sidcontent.api.auth import check_role
from sidcontent.api.errors import problem
from sidcontent.content import editing, queries, representation
from sidcontent.content.models import utcnow
from sidcontent.content.schemas import LocaleTag
from sidcontent.content.tokens import Role
from sidcontent.exporting import ContentBundle
from sidcontent.exports import sandbox
from sidcontent.exports.service import ExportRejected, Exports
from sidcontent.plugins import PluginHost
from sidcontent.studio.blueprint import bp
from sidcontent.studio.strings import t

SOCIAL = "social"
JSON = "application/json"
MAX_TEXT = 20_000
TEXTS = ("headline", "body", "call_to_action")  # a message's translated fields
# A counter that waits longer than this is no longer live: the export's own
# limit (SIDCONTENT_EXPORT_TIMEOUT) may be minutes.
MAX_SECONDS = 10.0


def _text() -> fields.String:
    return fields.String(load_default="", validate=validate.Length(max=MAX_TEXT))


class CountRequest(Schema):
    """The editor form's texts for one locale of one message."""

    message = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    locale = LocaleTag(required=True)
    headline = _text()
    body = _text()
    call_to_action = _text()
    link = fields.String(load_default="", validate=validate.Length(max=2048))
    hashtags = fields.List(
        fields.String(validate=validate.Length(max=200)),
        load_default=list,
        validate=validate.Length(max=100),
    )


def _bundle(wanted: dict[str, Any]) -> ContentBundle | None:
    """The message's campaign, drafts included, with only the form's message in it."""
    db = context.session()
    try:
        row = editing.load(db, editing.KINDS["messages"], wanted["message"])
    except editing.NotFound:
        return None
    now = utcnow()
    campaign = row.campaign
    # The campaign's other messages would only be left out again: not loaded.
    resources = queries.list_resources(
        db, {"campaign": campaign.slug}, None, 10_000, now, preview=True
    ).items
    locale = wanted["locale"]
    requested = (locale,)
    message = representation.message(row, requested, now)
    message.update(
        link=wanted["link"].strip() or None,
        hashtags=[tag.strip() for tag in wanted["hashtags"] if tag.strip()],
    )
    # Stripped, and empty as None, as a save stores them. A locale with no text
    # typed is one the save leaves untranslated: the export then falls back
    # (to another locale's text and its "link in bio" language), and so do we.
    texts = {name: wanted[name].strip() or None for name in TEXTS}
    if any(texts.values()):
        message.update(texts, headline=texts["headline"] or "", locale=locale)
    payload = representation.bundle(
        queries.BundleRows(campaign, campaign.theme, [], resources), requested, now
    )
    payload["messages"] = [message]
    payload["requested_locale"] = locale
    return ContentBundle.from_api(payload)


def _platform(post: dict[str, Any], title: str) -> dict[str, Any]:
    lengths = [int(part["length"]) for part in post["parts"]]
    limit = int(post["parts"][0]["limit"]) if post["parts"] else 0
    mode = str(post["mode"])
    counts = ", ".join(f"{n}/{limit}" for n in lengths)
    if mode == "thread":
        state, label = "thread", t("counter.thread", parts=len(lengths), counts=counts)
    elif mode == "shorten":
        dropped = "; ".join(post.get("dropped") or ())
        state, label = "shorten", t("counter.shorten", counts=counts, dropped=dropped)
    else:
        state, label = "ok", t("counter.ok", counts=counts)
    return {
        "platform": post["platform"],
        "title": title,
        "mode": mode,
        "limit": limit,
        "lengths": lengths,
        "parts": len(lengths),
        "state": state,
        "label": f"{title}: {label}",
    }


def _answer(platforms: list[dict[str, Any]], error: str | None = None) -> ResponseReturnValue:
    response = jsonify({"platforms": platforms, "error": error})
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/count")
def count() -> ResponseReturnValue:
    """Each platform's post of the message as the form has it: lengths, thread parts."""
    check_role(Role.editor)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, t("counter.bad_request"))
    try:
        wanted: dict[str, Any] = CountRequest().load(body)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        return problem(400, t("counter.bad_request"), errors=errors)
    host: PluginHost = current_app.extensions["sidcontent.plugins"]
    registered = host.exporters.get(SOCIAL)
    if registered is None:
        return _answer([], t("counter.no_social"))
    bundle = _bundle(wanted)
    if bundle is None:
        return problem(404, f"No message {wanted['message']}.")
    service: Exports = current_app.extensions["sidcontent.exports"]
    try:
        options = service.options(registered, {"messages": [wanted["message"]]})
    except ExportRejected as exc:
        return _answer([], exc.detail)
    job = sandbox.Job(
        exporter=SOCIAL,
        plugin=registered.plugin,
        bundle=bundle,
        options=options,
        media_type=JSON,
        max_bytes=service.max_bytes,
    )
    # Once a process, before counts fork: the social exporter's libraries.
    host.preload_exporters([SOCIAL])
    result = sandbox.run(job, host, min(service.timeout, MAX_SECONDS))
    if isinstance(result, sandbox.Failed):
        # The export would fail the same way (no headline, a link it refuses,
        # a word longer than a post): say so where the counts would be.
        return _answer([], result.message)
    doc = orjson.loads(result.artifact.content)
    titles = {p["name"]: p["title"] for p in doc.get("platforms") or []}
    return _answer([_platform(p, titles.get(p["platform"], p["platform"])) for p in doc["posts"]])
