"""Bluesky rich-text facets: links and hashtags as UTF-8 byte ranges.

A Bluesky post's text is plain; links and tags are clickable only through
``facets`` whose ``index`` counts UTF-8 bytes (AT Protocol
``app.bsky.richtext.facet``). The detection follows the Bluesky app's own
rules: a link starts with http(s):// after a space, a line start or ``(``,
and loses trailing punctuation; a tag is ``#`` after a space or line start,
holds at least one character that is not a digit or punctuation, loses
trailing punctuation and is at most 64 characters.
"""

from __future__ import annotations

from typing import Any

import regex

LINK = "app.bsky.richtext.facet#link"
TAG = "app.bsky.richtext.facet#tag"
MAX_TAG_LENGTH = 64

_INVISIBLE = "\u00ad\u2060\u200a\u200b\u200c\u200d\u20e2"
_URL = regex.compile(r"(?:^|(?<=[\s(]))(https?://\S+)", regex.IGNORECASE)
_TAG = regex.compile(
    rf"(?:^|(?<=\s))[#＃]((?!\ufe0f)[^\s{_INVISIBLE}]*[^\d\s\p{{P}}{_INVISIBLE}]+[^\s{_INVISIBLE}]*)"
)
_TRAILING_URL_PUNCT = regex.compile(r"[.,;:!?]+$")
_TRAILING_PUNCT = regex.compile(r"\p{P}+$")


def _byte_index(text: str, start: int, end: int) -> dict[str, int]:
    byte_start = len(text[:start].encode("utf-8"))
    return {"byteStart": byte_start, "byteEnd": byte_start + len(text[start:end].encode("utf-8"))}


def detect(text: str) -> list[dict[str, Any]]:
    """Facets for every link and hashtag in ``text``, in text order."""
    found: list[tuple[int, dict[str, Any]]] = []
    for match in _URL.finditer(text):
        uri = _TRAILING_URL_PUNCT.sub("", match.group(1))
        if uri.endswith(")") and "(" not in uri:
            uri = uri[:-1]
        start = match.start(1)
        found.append(
            (
                start,
                {
                    "index": _byte_index(text, start, start + len(uri)),
                    "features": [{"$type": LINK, "uri": uri}],
                },
            )
        )
    for match in _TAG.finditer(text):
        tag = _TRAILING_PUNCT.sub("", match.group(1))
        if not tag or len(tag) > MAX_TAG_LENGTH:
            continue
        start = match.start(1) - 1  # the facet covers the '#'
        found.append(
            (
                start,
                {
                    "index": _byte_index(text, start, match.start(1) + len(tag)),
                    "features": [{"$type": TAG, "tag": tag}],
                },
            )
        )
    found.sort(key=lambda item: item[0])
    return [facet for _, facet in found]
