"""From a message to a platform's draft: cleaned text, link, hashtags."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex

from sidcontent.exporters import links
from sidcontent.exporting import Campaign, ExportError, Message

from . import text as textmod
from .composition import Draft
from .platforms import Rules

#: The line that replaces a link where links are not clickable, by language.
LINK_IN_BIO = {
    "en": "Link in bio",
    "fr": "Lien dans la bio",
    "de": "Link in der Bio",
    "es": "Enlace en la bio",
    "it": "Link nella bio",
    "nl": "Link in bio",
    "pt": "Link na bio",
    "cy": "Dolen yn y bio",
}


@dataclass(frozen=True)
class Prepared:
    """A message cleaned once, shared by every platform."""

    message: Message
    headline: str
    body: str
    call_to_action: str
    link: str | None  # normalised, not yet tracked
    hashtags: tuple[str, ...]  # campaign's, message's, extra; de-duplicated
    warnings: tuple[str, ...] = ()


@dataclass
class PlatformDraft:
    draft: Draft
    link: str | None  # tracked
    dropped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def dedupe_hashtags(groups: Iterable[Iterable[str]]) -> tuple[str, ...]:
    """Hashtags in order, without '#', the first spelling of each kept
    (compared case-insensitively)."""
    seen: set[str] = set()
    result: list[str] = []
    for group in groups:
        for raw in group:
            tag = textmod.bare_hashtag(raw)
            if tag.casefold() not in seen:
                seen.add(tag.casefold())
                result.append(tag)
    return tuple(result)


def prepare(message: Message, campaign: Campaign, extra_hashtags: Sequence[str]) -> Prepared:
    """Clean a message's text and check its link and hashtags."""
    where = f"message {message.id}"
    fields = {}
    removed = 0
    for name, one_line in (("headline", True), ("body", False), ("call_to_action", True)):
        cleaned = textmod.clean(getattr(message, name), one_line=one_line)
        fields[name] = cleaned.text
        removed += cleaned.removed
    if not fields["headline"]:
        raise ExportError(f"{where} has no headline to post", field="headline")
    warnings = []
    if removed:
        warnings.append(f"{where}: removed {removed} invisible or invalid character(s)")

    link = None
    if message.link:
        try:
            link = links.normalize(message.link)
        except links.LinkError as exc:
            raise ExportError(f"{where}: {exc}", field="link") from None

    for tag in (*campaign.hashtags, *message.hashtags):
        if not textmod.valid_hashtag(textmod.bare_hashtag(tag)):
            raise ExportError(
                f"{where}: {tag!r} is not a hashtag the networks link "
                "(letters, digits and _, with at least one letter)",
                field="hashtags",
            )
    hashtags = dedupe_hashtags((campaign.hashtags, message.hashtags, extra_hashtags))
    return Prepared(
        message=message,
        headline=fields["headline"],
        body=fields["body"],
        call_to_action=fields["call_to_action"],
        link=link,
        hashtags=hashtags,
        warnings=tuple(warnings),
    )


def _detag_after(texts: list[str], keep: int) -> tuple[list[str], int]:
    """Turn inline hashtags after the first ``keep`` into plain words."""
    seen = 0
    removed = 0

    def replace(match: regex.Match[str]) -> str:
        nonlocal seen, removed
        seen += 1
        if seen <= keep:
            return match.group(0)
        removed += 1
        return match.group(1)

    return [textmod.INLINE_HASHTAG.sub(replace, t) for t in texts], removed


def for_platform(
    prepared: Prepared,
    rules: Rules,
    *,
    campaign_slug: str,
    utm: bool,
    link_in_bio: str | None,
) -> PlatformDraft:
    """The draft of one message for one platform."""
    where = f"message {prepared.message.id} on {rules.name}"
    texts = [prepared.headline, prepared.body, prepared.call_to_action]
    warnings: list[str] = []
    dropped: list[str] = []

    inline = [t for text in texts for t in textmod.inline_hashtags(text)]
    inline_folded = {t.casefold() for t in inline}
    candidates = [t for t in prepared.hashtags if t.casefold() not in inline_folded]
    if rules.max_hashtag_length is not None:
        too_long = [t for t in candidates if len(t) > rules.max_hashtag_length]
        dropped += [
            f"hashtag #{t} (longer than {rules.max_hashtag_length} on {rules.name})"
            for t in too_long
        ]
        candidates = [t for t in candidates if t not in too_long]
    if rules.max_hashtags is not None:
        if len(inline) > rules.max_hashtags:
            texts, removed = _detag_after(texts, rules.max_hashtags)
            warnings.append(
                f"{where}: {rules.name} allows {rules.max_hashtags} hashtag(s); "
                f"{removed} in the text became plain words"
            )
        room = max(0, rules.max_hashtags - len(inline))
        dropped += [
            f"hashtag #{t} ({rules.name} allows {rules.max_hashtags})" for t in candidates[room:]
        ]
        candidates = candidates[:room]

    link = prepared.link
    if link and utm:
        link = links.track(link, source=rules.name, campaign=campaign_slug)
    if link and not rules.links_clickable:
        language = prepared.message.locale.split("-")[0].lower()
        link_line = link_in_bio or LINK_IN_BIO.get(language, LINK_IN_BIO["en"])
    else:
        link_line = link or ""

    draft = Draft(
        headline=texts[0],
        body=texts[1],
        call_to_action=texts[2],
        link_line=link_line,
        hashtags=tuple(candidates),
    )
    return PlatformDraft(draft=draft, link=link, dropped=dropped, warnings=warnings)
