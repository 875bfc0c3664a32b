"""Plain-text handling: cleaning, hashtags, and the units a post is cut into.

A post is only ever cut between *units*. A unit is a run of grapheme
clusters without white space (a word, a URL, a hashtag, an emoji sequence),
except that text written without spaces (Chinese, Japanese) may be broken
between ideographs or kana, as those languages' line breaking allows. So no
cut falls inside a word, URL, hashtag or grapheme cluster.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import regex

from .counting import graphemes

# Controls (C0 but tab and line feed, DEL, C1), lone surrogates, and the
# characters X refuses outright (BOM and the U+FFFE/U+FFFF noncharacters).
_UNWANTED = regex.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ufeff\ufffe\uffff\p{Cs}]")
_NEWLINES = regex.compile(r"\r\n?|[\u2028\u2029\x85]")
# No-break spaces join what they separate (French "Internet : ...", "10 000").
NO_BREAK_SPACES = "\u00a0\u2007\u202f"
_BREAKING_SPACE_RUN = regex.compile(rf"[^\S{NO_BREAK_SPACES}]+")

#: A hashtag's name: letters, marks, digits and _, with at least one letter.
HASHTAG_NAME = regex.compile(r"^[\p{L}\p{M}\p{N}_]*\p{L}[\p{L}\p{M}\p{N}_]*$")
#: An inline hashtag in running text.
INLINE_HASHTAG = regex.compile(r"(?<![\p{L}\p{M}\p{N}_&/#＃])[#＃]([\p{L}\p{M}\p{N}_]+)")
_URL_IN_WORD = regex.compile(r"https?://", regex.IGNORECASE)

_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\u3000-\u303f\uff00-\uffef]")
# Kinsoku: never start a line with closing punctuation, never end one with
# opening punctuation.
_NO_LINE_START = regex.compile(r"^[\p{Pe}\p{Pf}\p{Po}ー々ゝゞヽヾ]")
_NO_LINE_END = regex.compile(r"[\p{Ps}\p{Pi}]$")
_SENTENCE_END = regex.compile(r"[.!?…。！？‼⁇⁈⁉؟۔।][\"'”’»)\]」』）]*$")

PARAGRAPH, LINE, SENTENCE, WORD, IDEOGRAPH = 4, 3, 2, 1, 0


@dataclass(frozen=True)
class Cleaned:
    text: str
    removed: int  # characters removed as invisible or invalid


def clean(value: str | None, *, one_line: bool = False) -> Cleaned:
    """NFC, Unix newlines, no controls or characters X refuses, trimmed.

    ``one_line`` folds line breaks into spaces (headlines, calls to action).
    """
    if not value:
        return Cleaned("", 0)
    text = _NEWLINES.sub("\n", value)
    text, removed = _UNWANTED.subn("", text)
    text = unicodedata.normalize("NFC", text).replace("\t", " ")
    if one_line:
        text = _BREAKING_SPACE_RUN.sub(" ", text)
    return Cleaned(text.strip(), removed)


def valid_hashtag(name: str) -> bool:
    return bool(HASHTAG_NAME.match(name))


def bare_hashtag(name: str) -> str:
    """A hashtag without its leading '#', NFC."""
    return unicodedata.normalize("NFC", name.strip()).lstrip("#＃")


def inline_hashtags(text: str) -> list[str]:
    return INLINE_HASHTAG.findall(text)


@dataclass(frozen=True)
class Unit:
    """One piece a post may be cut before: ``sep`` is the white space before
    it (dropped when a part starts here), ``strength`` how good a place to
    cut that is (paragraph > line > sentence > word > ideograph)."""

    sep: str
    text: str
    strength: int


def _is_space(cluster: str) -> bool:
    """A place to break: white space, but not a no-break space."""
    return cluster.isspace() and not any(ch in NO_BREAK_SPACES for ch in cluster)


def _ideograph_pieces(word: str) -> list[str]:
    """Split a word between grapheme clusters where CJK line breaking allows."""
    if not _CJK.search(word) or _URL_IN_WORD.search(word) or word[0] in "#＃@":
        return [word]
    clusters = graphemes(word)
    pieces = [clusters[0]]
    for prev, cluster in zip(clusters, clusters[1:], strict=False):
        breakable = (
            (_CJK.match(prev) or _CJK.match(cluster))
            and not _NO_LINE_START.match(cluster)
            and not _NO_LINE_END.search(pieces[-1])
        )
        if breakable:
            pieces.append(cluster)
        else:
            pieces[-1] += cluster
    return pieces


def units(text: str) -> list[Unit]:
    """Cut ``text`` into units. ``"".join(u.sep + u.text ...)`` is ``text``
    minus leading and trailing white space."""
    words: list[tuple[str, str]] = []  # (separator before, word)
    sep, word = "", ""
    for cluster in graphemes(text):
        if _is_space(cluster):
            if word:
                words.append((sep, word))
                sep, word = "", ""
            sep += cluster
        else:
            word += cluster
    if word:
        words.append((sep, word))

    result: list[Unit] = []
    for index, (sep, word) in enumerate(words):
        if index == 0:
            strength, sep = PARAGRAPH, ""
        elif "\n\n" in sep:
            strength = PARAGRAPH
        elif "\n" in sep:
            strength = LINE
        elif _SENTENCE_END.search(words[index - 1][1]):
            strength = SENTENCE
        else:
            strength = WORD
        for n, piece in enumerate(_ideograph_pieces(word)):
            if n == 0:
                result.append(Unit(sep, piece, strength))
            else:
                after_sentence = _SENTENCE_END.search(result[-1].text)
                result.append(Unit("", piece, SENTENCE if after_sentence else IDEOGRAPH))
    return result


def join(pieces: list[Unit]) -> str:
    """The text of consecutive units, without the first one's separator."""
    if not pieces:
        return ""
    return pieces[0].text + "".join(u.sep + u.text for u in pieces[1:])
