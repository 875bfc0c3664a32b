"""BCP 47 language tags: validation, normalisation and fallback.

Fallback follows the tag's own structure (``fr-BE`` -> ``fr``), then any
available translation in the same language (``fr`` -> ``fr-CA``), then the
owner's default locale, then whatever exists, so a reader always gets text
and is told which locale it is in.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

import langcodes

MAX_TAG_LENGTH = 35  # RFC 5646 section 4.4.1 suggests 35 as a practical limit

# The "langtag" production of RFC 5646 (language, script, region, variants,
# extensions), without private-use-only and grandfathered tags, which no
# campaign translation uses. Published in the OpenAPI document as-is.
TAG_PATTERN = (
    r"^[A-Za-z]{2,3}(-[A-Za-z]{4})?(-(?:[A-Za-z]{2}|[0-9]{3}))?"
    r"(-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*"
    r"(-[0-9A-WY-Za-wy-z](-[A-Za-z0-9]{2,8})+)*$"
)
_TAG_RE = re.compile(TAG_PATTERN)


class LocaleError(ValueError):
    """A string that is not a usable BCP 47 language tag."""


def normalize(tag: str) -> str:
    """Return the canonical form of ``tag`` (``fr-be`` -> ``fr-BE``) or raise."""
    if not isinstance(tag, str) or not tag:
        raise LocaleError("a language tag is required")
    if len(tag) > MAX_TAG_LENGTH:
        raise LocaleError(f"a language tag has at most {MAX_TAG_LENGTH} characters")
    if not _TAG_RE.fullmatch(tag):
        raise LocaleError(f"{tag!r} is not a BCP 47 language tag (e.g. fr or fr-BE)")
    try:
        return str(langcodes.standardize_tag(tag))
    except (ValueError, LookupError):
        # Syntactically fine but unknown to langcodes' registry copy: keep
        # the tag, with the case conventions of RFC 5646 section 2.1.1.
        return _conventional_case(tag)


def _conventional_case(tag: str) -> str:
    parts = tag.split("-")
    out = [parts[0].lower()]
    for part in parts[1:]:
        if len(part) == 4 and part.isalpha():
            out.append(part.title())
        elif len(part) == 2 and part.isalpha():
            out.append(part.upper())
        else:
            out.append(part.lower())
    return "-".join(out)


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
