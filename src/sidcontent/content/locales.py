"""BCP 47 language tags: validation, normalisation and fallback.

Fallback uses CLDR's language matching (through ``langcodes``): the
nearest available translation in the reader's language and script
(``zh-TW`` -> ``zh-Hant``, ``no`` -> ``nb``, ``fr-BE`` -> ``fr`` -> ``fr-CA``),
then the owner's default locale, then whatever exists, so a reader always
gets text and is told which locale it is in. Another script of the same
language (``sr-Latn`` / ``sr-Cyrl``) is never served as a match.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from functools import lru_cache

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
    if not _TAG_RE.match(tag):
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


# CLDR's language matching (langcodes' distances): 0-1 is the same language
# (``zh-TW`` ~ ``zh-Hant``, ``no`` ~ ``nb``), 4-5 a regional variant
# (``pt-BR`` ~ ``pt-PT``, ``fr-BE`` ~ ``fr``), 9 and more a different
# language that readers of the first may follow (``hr`` ~ ``sr-Latn``,
# ``da`` ~ ``nb``). We serve the first two, never a different language: a
# reader who asked for Danish gets the campaign's default locale and is told
# so, rather than Norwegian presented as Danish.
SAME_LANGUAGE_DISTANCE = 5


@lru_cache(maxsize=4096)
def _script(tag: str) -> str | None:
    try:
        return langcodes.Language.get(tag).maximize().script
    except (ValueError, LookupError):
        return None


@lru_cache(maxsize=16384)
def distance(requested: str, served: str) -> int:
    """How far ``served`` is from what a reader of ``requested`` wants (0: same).

    CLDR's distance, except that another script of the same language is as
    far as another language: ``sr-Latn`` readers are never given ``sr-Cyrl``
    (CLDR rates that 5, like a regional variant), nor ``zh-TW`` readers ``zh``.
    """
    if requested.lower() == served.lower():
        return 0
    try:
        value = int(langcodes.tag_distance(requested, served))
    except (ValueError, LookupError):
        return 1000
    if _script(requested) != _script(served):
        return max(value, 1000)
    return value


def is_translation(served: str, requested: str) -> bool:
    """True when text in ``served`` is in the language (and script) asked for."""
    return distance(requested, served) <= SAME_LANGUAGE_DISTANCE


def closest(requested: Sequence[str], available: Collection[str]) -> str | None:
    """The available locale nearest to the first requested tag that has one.

    Ties go to the tag's own truncations (``fr-BE`` -> ``fr`` before
    ``fr-CA``), then to the alphabetically first, so the answer is stable.
    """
    if not available:
        return None
    for wanted in requested:
        chain = [t.lower() for t in truncations(wanted)]
        best: tuple[int, int, str] | None = None
        for tag in available:
            d = distance(wanted, tag)
            if d > SAME_LANGUAGE_DISTANCE:
                continue
            rank = chain.index(tag.lower()) if tag.lower() in chain else len(chain)
            key = (d, rank, tag)
            if best is None or key < best:
                best = key
        if best is not None:
            return best[2]
    return None


def choose(available: Collection[str], requested: Sequence[str], default: str | None) -> str | None:
    """Pick the best of ``available`` for a reader asking for ``requested``.

    The closest match in the reader's language (see :func:`closest`), else
    the owner's ``default``, else the alphabetically first translation.
    """
    if not available:
        return None
    hit = closest(requested, available)
    if hit is not None:
        return hit
    lowered = {tag.lower(): tag for tag in available}
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
