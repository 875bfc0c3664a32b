"""Honest fallback: which items an export serves in another locale, and the
``fallback`` option every built-in exporter takes.

The API falls back item by item (a German reader gets the English text of a
message nobody translated), which is right for an app and wrong for a German
newsletter that silently turns half English. So exporters say what they did:

- ``allow``: fall back silently (each item's locale is still recorded);
- ``warn`` (the default): fall back, and name every such item in the
  export's ``warnings``;
- ``deny``: leave untranslated messages and resources out; when none is left,
  the export fails (422) naming the missing ones.

Exporters call :func:`select` on the bundle before choosing content, then
:func:`report` with the items they used. Shared with third-party plugins,
like :mod:`sidcontent.exporters.links`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from marshmallow import fields, validate

from sidcontent.exporting import ContentBundle, ExportError, Message, Resource, is_translation

MODES = ("allow", "warn", "deny")
DEFAULT = "warn"


def option_field() -> fields.String:
    """The ``fallback`` option, for an exporter's options schema."""
    return fields.String(
        validate=validate.OneOf(MODES),
        load_default=DEFAULT,
        metadata={
            "description": "Items not translated into the requested locale: 'allow' uses "
            "their fallback text silently; 'warn' uses it and names each such item in the "
            "export's warnings; 'deny' leaves them out (the export fails, naming them, when "
            "nothing translated is left).",
            "example": "deny",
        },
    )


def requested(bundle: ContentBundle) -> str:
    """The locale the export was asked for (before any fallback)."""
    return bundle.requested_locale or bundle.locale


def _untranslated(items: Iterable[Message | Resource], wanted: str) -> list[Message | Resource]:
    return [item for item in items if not is_translation(item.locale, wanted)]


def _name(item: Message | Resource) -> str:
    kind = "message" if isinstance(item, Message) else "resource"
    text = item.headline if isinstance(item, Message) else item.title
    text = " ".join(text.split())
    if len(text) > 50:
        text = text[:49] + "…"
    return f"{kind} {item.id} ({text!r})"


def select(
    bundle: ContentBundle, mode: str, *, messages: bool = True, resources: bool = True
) -> ContentBundle:
    """The bundle the exporter should work from: unchanged, or with ``deny``,
    only the items translated into the requested locale.

    ``messages`` / ``resources``: which kinds the exporter uses (a social post
    uses no resource text). Raises :class:`ExportError` (``field="fallback"``)
    when ``deny`` leaves nothing of them.
    """
    if mode != "deny":
        return bundle
    wanted = requested(bundle)
    kept_messages = tuple(m for m in bundle.messages if is_translation(m.locale, wanted))
    kept_resources = tuple(r for r in bundle.resources if is_translation(r.locale, wanted))
    used = (kept_messages if messages else ()) + (kept_resources if resources else ())
    if not used:
        missing = _untranslated(
            (bundle.messages if messages else ()) + (bundle.resources if resources else ()),
            wanted,
        )
        listed = ", ".join(f"{_name(item)} in {item.locale}" for item in missing[:20])
        more = f" and {len(missing) - 20} more" if len(missing) > 20 else ""
        raise ExportError(
            f"fallback=deny: nothing in campaign {bundle.campaign.slug!r} is translated into "
            f"{wanted}; missing: {listed or 'no content at all'}{more}",
            field="fallback",
        )
    return replace(bundle, messages=kept_messages, resources=kept_resources)


def report(
    bundle: ContentBundle,
    mode: str,
    used_messages: Sequence[Message] = (),
    used_resources: Sequence[Resource] = (),
) -> tuple[tuple[str, ...], dict[str, Any]]:
    """Warnings naming each used item served in another locale (``warn`` and
    ``deny``), and the artifact metadata recording every used item's locale."""
    wanted = requested(bundle)
    warnings: list[str] = []
    if mode != "allow":
        campaign = bundle.campaign
        if not is_translation(campaign.locale, wanted):
            warnings.append(
                f"campaign {campaign.slug!r}: its name and texts are in {campaign.locale}, "
                f"not {wanted}"
            )
        for item in _untranslated((*used_messages, *used_resources), wanted):
            warnings.append(f"{_name(item)}: served in {item.locale}, not {wanted}")
    fallback_messages = [m.id for m in _untranslated(used_messages, wanted)]
    fallback_resources = [r.id for r in _untranslated(used_resources, wanted)]
    metadata = {
        "locales": {
            "requested": wanted,
            "campaign": bundle.campaign.locale,
            "messages": {str(m.id): m.locale for m in used_messages},
            "resources": {str(r.id): r.locale for r in used_resources},
        },
        "fallback": {"messages": fallback_messages, "resources": fallback_resources},
    }
    return tuple(warnings), metadata
