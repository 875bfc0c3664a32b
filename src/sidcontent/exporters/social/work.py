"""The social exporter's work: every selected message, for every selected platform.

Imported only when an export runs (see :mod:`.exporter`): it pulls in the
share image's PDF and font libraries, which a process serving reads never needs.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sidcontent.exporters import fallback
from sidcontent.exporting import (
    Artifact,
    ContentBundle,
    ExportContext,
    ExportError,
    Message,
    SocialPlatform,
)

from . import drafting, output, schedule, schedulers
from . import options as optionsmod
from . import text as textmod
from .composition import TooLong, fit
from .exporter import CSV, JSON, MEDIA_TYPES, PNG, ZIP
from .platforms import Rules, rules_for


def export(bundle: ContentBundle, options: Mapping[str, Any], context: ExportContext) -> Artifact:
    """What ``SocialExporter.export`` does, in the export's process."""
    opts = optionsmod.load(options)
    media_type = context.media_type.split(";", 1)[0].strip().lower()
    if media_type not in MEDIA_TYPES:
        raise ExportError(f"social cannot write {context.media_type}", field="media_type")
    bundle = fallback.select(bundle, opts["fallback"], resources=False)
    messages = _select_messages(bundle, opts["messages"])
    fallback_warnings, locales = fallback.report(bundle, opts["fallback"], messages)
    stem = f"{bundle.campaign.slug}-{fallback.requested(bundle)}-social"
    if media_type == PNG:
        from . import cards  # the image libraries: only exports that draw load them

        png = cards.png(bundle, messages, opts, stem)
        return replace(
            png,
            metadata={**png.metadata, **locales},
            warnings=fallback_warnings + png.warnings,
        )

    rules = _select_platforms(context.social_platforms, opts)
    if opts["scheduler"]:
        return _scheduler_files(
            bundle, messages, rules, opts, media_type, stem, fallback_warnings, locales
        )
    posts, warnings = _posts(bundle, messages, rules, opts)
    warnings = fallback_warnings + warnings
    document = output.document(bundle, rules, posts, opts)
    metadata = {
        "messages": len(messages),
        "platforms": [r.name for r in rules],
        "posts": len(posts),
        "parts": sum(len(p.parts) for p in posts),
        **locales,
    }
    if media_type == JSON:
        return Artifact(f"{stem}.json", JSON, output.to_json(document), metadata, warnings)
    csv_bytes, csv_warnings = output.to_csv(posts)
    if media_type == CSV:
        return Artifact(f"{stem}.csv", CSV, csv_bytes, metadata, warnings + tuple(csv_warnings))
    return _zip(bundle, messages, opts, stem, document, csv_bytes, metadata, warnings)


# --- bulk schedulers ---------------------------------------------------------------


def _scheduler_files(
    bundle: ContentBundle,
    messages: Sequence[Message],
    rules: Sequence[Rules],
    opts: Mapping[str, Any],
    media_type: str,
    stem: str,
    fallback_warnings: tuple[str, ...],
    locales: Mapping[str, Any],
) -> Artifact:
    name = opts["scheduler"]
    if media_type not in (CSV, ZIP):
        raise ExportError(
            f"scheduler {name!r} writes text/csv (one file) or application/zip", field="scheduler"
        )
    start = (
        datetime.fromisoformat(opts["start"].replace(" ", "T"))
        if opts["start"]
        else schedulers.default_start(bundle.campaign.day)
    )
    # None of the three bulk formats carries threads: one shortened post each.
    posts, warnings = _posts(bundle, messages, rules, {**opts, "mode": "shorten"})
    made, file_warnings = schedulers.files(
        name,
        posts,
        start=start,
        date_format=opts["date_format"],
        stem=stem,
        clickable={r.name: r.links_clickable for r in rules},
    )
    all_warnings = fallback_warnings + warnings + tuple(file_warnings)
    if start < datetime.now(UTC).replace(tzinfo=None) - timedelta(hours=14):
        all_warnings += (
            f"start {start:%Y-%m-%d %H:%M} is in the past: schedulers refuse past times "
            "(pass the start option)",
        )
    metadata = {
        "scheduler": name,
        "start": start.strftime("%Y-%m-%dT%H:%M"),
        "files": [{"name": f.name, "platform": f.platform, "rows": f.rows} for f in made],
        "messages": len(messages),
        "platforms": [r.name for r in rules],
        **locales,
    }
    if media_type == CSV:
        if len(made) != 1:
            raise ExportError(
                f"{schedulers.FORMATS[name].title} takes one file per network and at most "
                f"{schedulers.FORMATS[name].max_rows or 'any number of'} rows a file: this "
                f"export is {len(made)} files; ask for application/zip or one platform",
                field="scheduler",
            )
        return Artifact(made[0].name, CSV, made[0].content, metadata, all_warnings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for made_file in made:
            archive.writestr(made_file.name, made_file.content)
    return Artifact(f"{stem}-{name}.zip", ZIP, buffer.getvalue(), metadata, all_warnings)


# --- selection ------------------------------------------------------------------


def _select_messages(bundle: ContentBundle, wanted: Sequence[int] | None) -> list[Message]:
    if wanted is None:
        if not bundle.messages:
            raise ExportError("the campaign has no messages to post", field="messages")
        return list(bundle.messages)
    by_id = {m.id: m for m in bundle.messages}
    unknown = [i for i in wanted if i not in by_id]
    if unknown:
        raise ExportError(
            f"no message with id {', '.join(map(str, unknown))} in campaign "
            f"{bundle.campaign.slug!r}",
            field="messages",
        )
    chosen = set(wanted)
    return [m for m in bundle.messages if m.id in chosen]


def _select_platforms(
    registered: Mapping[str, SocialPlatform], opts: Mapping[str, Any]
) -> list[Rules]:
    names = opts["platforms"] or list(registered)
    if not names:
        raise ExportError("no social platforms are registered", field="platforms")
    unknown = [n for n in names if n not in registered]
    if unknown:
        raise ExportError(
            f"unknown platform {', '.join(map(repr, unknown))}; "
            f"registered: {', '.join(registered)}",
            field="platforms",
        )
    limits = opts["limits"]
    unknown = [n for n in limits if n not in registered]
    if unknown:
        raise ExportError(f"limits for unknown platform {unknown[0]!r}", field="limits")
    rules = []
    for name in dict.fromkeys(names):
        platform = registered[name]
        limit = limits.get(name)
        if limit is not None and limit > platform.limit and not platform.limit_configurable:
            raise ExportError(
                f"{platform.title}'s limit is {platform.limit}; it can be lowered, not raised",
                field="limits",
            )
        rules.append(rules_for(platform, limit))
    return rules


# --- posts -----------------------------------------------------------------------


def _alt_text(bundle: ContentBundle, headline: str) -> str:
    """What the share image shows, in reading order."""
    end = "" if headline[-1:] in ".!?…。！？" else "."
    return f"{headline}{end} {textmod.clean(bundle.campaign.name, one_line=True).text}".strip()


def _fit_alt_text(alt: str, rules: Rules) -> tuple[str, list[str]]:
    limit = rules.platform.alt_text_limit
    if limit is None or rules.count_alt_text(alt) <= limit:
        return alt, []
    units = textmod.units(alt)
    while units and rules.count_alt_text(textmod.join(units) + "…") > limit:
        units.pop()
    return textmod.join(units) + "…", [f"alt text shortened to {limit} for {rules.name}"]


def _posts(
    bundle: ContentBundle,
    messages: Sequence[Message],
    rules: Sequence[Rules],
    opts: Mapping[str, Any],
) -> tuple[list[output.Post], tuple[str, ...]]:
    warnings: list[str] = []
    posts: list[output.Post] = []
    times = schedule.suggested_times(bundle.campaign.day, len(messages))
    link_in_bio = textmod.clean(opts["link_in_bio"], one_line=True).text or None
    for message, when in zip(messages, times, strict=True):
        prepared = drafting.prepare(message, bundle.campaign, opts["hashtags"])
        warnings += prepared.warnings
        alt = _alt_text(bundle, prepared.headline)
        for rule in rules:
            planned = drafting.for_platform(
                prepared,
                rule,
                campaign_slug=bundle.campaign.slug,
                utm=opts["utm"],
                link_in_bio=link_in_bio,
            )
            warnings += planned.warnings
            try:
                fitted = fit(planned.draft, rule, opts["mode"])
            except TooLong as exc:
                raise _too_long(message, rule, exc, opts["mode"]) from None
            alt_text, alt_warnings = _fit_alt_text(alt, rule)
            warnings += [f"message {message.id}: {w}" for w in alt_warnings]
            joined = "\n".join(fitted.parts)
            posts.append(
                output.Post(
                    platform=rule.name,
                    message_id=message.id,
                    audience=message.audience,
                    kind=message.kind,
                    locale=message.locale,
                    mode=fitted.mode,
                    parts=tuple(
                        output.Part(
                            text=part,
                            length=rule.count(part),
                            limit=rule.limit,
                            facets=rule.facets(part) if rule.has_facets else None,
                        )
                        for part in fitted.parts
                    ),
                    link=planned.link,
                    hashtags=tuple(drafting.dedupe_hashtags([textmod.inline_hashtags(joined)])),
                    alt_text=alt_text,
                    alt_text_length=rule.count_alt_text(alt_text),
                    alt_text_limit=rule.platform.alt_text_limit,
                    suggested_time=when,
                    dropped=tuple(planned.dropped + fitted.dropped),
                    # Facets mean an AT Protocol post, whose record also carries langs.
                    langs=(message.locale,) if rule.has_facets else None,
                )
            )
    return posts, tuple(warnings)


def _too_long(message: Message, rule: Rules, exc: TooLong, mode: str) -> ExportError:
    piece = exc.piece if len(exc.piece) <= 60 else exc.piece[:57] + "..."
    token = (exc.piece.split() or [""])[0]
    field = next(
        (
            name
            for name in ("headline", "body", "call_to_action", "link")
            if token and token in (getattr(message, name) or "")
        ),
        None,
    )
    if mode == "thread" and rule.supports_threads:
        why = "cannot be split without cutting a word"
    else:
        why = "does not fit even after dropping every optional part"
    return ExportError(
        f"message {message.id} on {rule.name}: {piece!r} is {exc.length} long "
        f"against a limit of {exc.limit} and {why}; shorten it",
        field=field,
    )


def _zip(
    bundle: ContentBundle,
    messages: Sequence[Message],
    opts: Mapping[str, Any],
    stem: str,
    document: dict[str, Any],
    csv_bytes: bytes,
    metadata: dict[str, Any],
    warnings: tuple[str, ...],
) -> Artifact:
    """posts.json, posts.csv and images/<message>-<size>.png in one file."""
    from . import cards, images  # the image libraries: only exports that draw load them

    sizes = opts["image_sizes"] or list(optionsmod.IMAGE_SIZES)
    extra: list[str] = []
    rendered: dict[int, list[str]] = {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for message in messages:
            for size in sizes:
                try:
                    png, _, image_warnings = cards.render(bundle, message, size)
                except images.ImageTextError as exc:
                    extra.append(f"message {message.id}: no {size} image: {exc}")
                    continue
                extra += image_warnings
                name = f"images/{message.id}-{size}.png"
                archive.writestr(name, png, compress_type=zipfile.ZIP_STORED)
                rendered.setdefault(message.id, []).append(name)
        for post in document["posts"]:
            post["images"] = rendered.get(post["message_id"], [])
        archive.writestr("posts.json", output.to_json(document))
        archive.writestr("posts.csv", csv_bytes)
    metadata = {**metadata, "images": sum(len(v) for v in rendered.values())}
    all_warnings = tuple(dict.fromkeys(warnings + tuple(extra)))
    return Artifact(f"{stem}.zip", ZIP, buffer.getvalue(), metadata, all_warnings)
