"""BCP 47 language tags: validation, normalisation and fallback.

Fallback follows the tag's own structure (``fr-BE`` -> ``fr``), then any
available translation in the same language (``fr`` -> ``fr-CA``), then the
owner's default locale, then whatever exists, so a reader always gets text
and is told which locale it is in.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

import langcodes

MAX_TAG_LENGTH = 35  # RFC 5646 section 4.4.1 suggests 35 as a practical limit


class LocaleError(ValueError):
    """A string that is not a usable BCP 47 language tag."""


def normalize(tag: str) -> str:
    """Return the canonical form of ``tag`` (``fr-be`` -> ``fr-BE``) or raise."""
    if not isinstance(tag, str) or not tag:
        raise LocaleError("a language tag is required")
    if len(tag) > MAX_TAG_LENGTH:
        raise LocaleError(f"a language tag has at most {MAX_TAG_LENGTH} characters")
    if not tag.isascii() or "_" in tag:
        raise LocaleError(f"{tag!r} is not a BCP 47 language tag (use hyphens, e.g. fr-BE)")
    try:
        valid = langcodes.tag_is_valid(tag)
    except Exception:  # langcodes raises on some malformed input
        valid = False
    if not valid or tag.lower().startswith(("x-", "i-")) or tag.lower() == "und":
        raise LocaleError(f"{tag!r} is not a BCP 47 language tag")
    return str(langcodes.standardize_tag(tag))


def is_valid(tag: str) -> bool:
    try:
        normalize(tag)
    except LocaleError:
        return False
    return True


def truncations(tag: str) -> list[str]:
    """``zh-Hant-TW`` -> ``["zh-Hant-TW", "zh-Hant", "zh"]`` (RFC 4647 lookup)."""
    parts = tag.split("-")
    chain = []
    while parts:
        chain.append("-".join(parts))
        parts.pop()
        # A lone singleton (e.g. the "u" of "-u-...") is never a tag on its own.
        while parts and len(parts[-1]) == 1:
            parts.pop()
    return chain


def choose(available: Collection[str], requested: Sequence[str], default: str | None) -> str | None:
    """Pick the best of ``available`` for a reader asking for ``requested``."""
    if not available:
        return None
    lowered = {tag.lower(): tag for tag in available}
    for wanted in requested:
        for candidate in truncations(wanted):
            hit = lowered.get(candidate.lower())
            if hit is not None:
                return hit
        language = wanted.split("-")[0].lower()
        same_language = sorted(t for t in available if t.split("-")[0].lower() == language)
        if same_language:
            return same_language[0]
    if default is not None and default.lower() in lowered:
        return lowered[default.lower()]
    return sorted(available)[0]


def parse_requested(values: Iterable[str]) -> tuple[str, ...]:
    """Normalise requested tags in order, dropping invalid ones and ``*``."""
    seen: list[str] = []
    for value in values:
        if value == "*":
            continue
        try:
            tag = normalize(value)
        except LocaleError:
            continue
        if tag not in seen:
            seen.append(tag)
    return tuple(seen)
