"""Measures of text length, each the way one kind of network counts.

Platforms pick one of these for ``count``. Where a network does not publish
its rule, we use UTF-16 code units: the largest of the usual measures
(UTF-16 units >= code points >= grapheme clusters), so a post that fits by
our count also fits by theirs.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

from .twitter import twitter_text

_GRAPHEME = regex.compile(r"\X")

# Mastodon counts a remote mention ``@user@domain`` as ``@user`` (the same
# rule as app/validators/status_length_validator.rb).
_MASTODON_MENTION = regex.compile(r"(?<![\w/])@(\w+)@[\w.-]+\w", regex.UNICODE)
MASTODON_URL_LENGTH = 23


def preload() -> None:
    """Load twitter-text now rather than at the first X or Mastodon count."""
    twitter_text()


def graphemes(text: str) -> list[str]:
    """The extended grapheme clusters of ``text`` (UAX #29, current Unicode)."""
    return _GRAPHEME.findall(text)


def grapheme_count(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, as JavaScript's ``String.length``."""
    return len(text.encode("utf-16-le")) // 2


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


@lru_cache(maxsize=65536)
def x_weighted_length(text: str) -> int:
    """X's weighted length: twitter-text v3 (NFC; light ranges 1, others 2,
    an emoji 2, every URL 23). Cached: threads and shortening ask for the
    same words and parts again and again, and the parser is slow."""
    return int(twitter_text().parse_tweet(text).weightedLength)


@lru_cache(maxsize=65536)
def mastodon_length(text: str) -> int:
    """Mastodon's count: grapheme clusters after NFC, with every URL that
    has a scheme counted as 23 and a remote mention as its local part."""
    text = unicodedata.normalize("NFC", text)
    pieces: list[str] = []
    at = 0
    for entity in twitter_text().extract_urls_with_indices(text, False):
        start, end = entity["indices"]
        pieces.append(text[at:start])
        pieces.append("x" * MASTODON_URL_LENGTH)
        at = end
    pieces.append(text[at:])
    countable = _MASTODON_MENTION.sub(r"@\1", "".join(pieces))
    return grapheme_count(countable)
