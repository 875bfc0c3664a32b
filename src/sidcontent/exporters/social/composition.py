"""Turning one message into a post for one platform: compose, then fit.

Layout of a post, blocks separated by a blank line::

    headline
    body
    call to action
    link              (Instagram: a "link in bio" line instead)
    #hashtags

When the text is over the platform's limit:

- ``mode="thread"`` splits it into numbered parts (``1/3``), cutting at the
  last paragraph end that fills at least half a part, else at the last line
  or sentence end that does, otherwise at the last word (or, in Chinese and
  Japanese, ideograph) boundary. No cut falls inside a word, URL, hashtag
  or grapheme cluster, no part is empty, and no part is only hashtags,
  mentions and the counter (see :func:`thread`). Platforms without threads
  (LinkedIn, Instagram, Facebook) are
  shortened instead.
- ``mode="shorten"`` drops optional parts until the post fits, in this
  order: appended hashtags from the last to the second; the call to action;
  the body's sentences from the last to the first; the first hashtag. The
  headline and the link are never dropped: if they alone do not fit, the
  export fails and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import regex

from . import text as textmod
from .platforms import Rules

NUMBERING_WIDTHS = (1, 2, 3, 4)


class TooLong(Exception):
    """A piece of text that fits in no part of its own."""

    def __init__(self, piece: str, length: int, limit: int) -> None:
        super().__init__(piece)
        self.piece = piece
        self.length = length
        self.limit = limit


@dataclass(frozen=True)
class Draft:
    """A message's parts for one platform, cleaned, before fitting."""

    headline: str
    body: str
    call_to_action: str
    link_line: str  # the URL, a "link in bio" line, or ""
    hashtags: tuple[str, ...]  # appended after the text, without '#'

    def text(self) -> str:
        action = "\n".join(p for p in (self.call_to_action, self.link_line) if p)
        tags = " ".join(f"#{tag}" for tag in self.hashtags)
        return "\n\n".join(p for p in (self.headline, self.body, action, tags) if p)


@dataclass
class Fitted:
    parts: list[str]
    mode: str
    dropped: list[str] = field(default_factory=list)


def fit(draft: Draft, rules: Rules, mode: str) -> Fitted:
    """Fit a draft to a platform, in ``mode`` ("thread" or "shorten")."""
    full = draft.text()
    if rules.fits(full):
        return Fitted([full], "single")
    if mode == "thread" and rules.supports_threads:
        return thread(draft, rules)
    return shorten(draft, rules)


def thread(draft: Draft, rules: Rules) -> Fitted:
    """Split into a thread whose every part has words of the message.

    A part of only hashtags, mentions and the counter (``#SID2017 2/2``) is
    not worth a post: :func:`split` merges it or moves words into it; when
    neither fits, the appended hashtags are dropped from the last until the
    split works (each listed in ``dropped``).
    """
    dropped: list[str] = []
    current = draft
    while True:
        try:
            return Fitted(split(current.text(), rules), "thread", dropped)
        except NoWords:
            if not current.hashtags:
                break
            dropped.append(f"hashtag #{current.hashtags[-1]}")
            current = replace(current, hashtags=current.hashtags[:-1])
    # Hashtags written in the text itself, in a run longer than a part: the
    # best that can be done is the plain split.
    return Fitted(split(current.text(), rules, require_words=False), "thread", dropped)


def shorten(draft: Draft, rules: Rules) -> Fitted:
    """Drop optional parts, in the documented order, until the post fits."""
    dropped: list[str] = []
    current = draft

    def attempt(extra: list[str]) -> Fitted | None:
        text = current.text()
        if rules.fits(text):
            return Fitted([text], "shorten", dropped + extra)
        return None

    for tag in reversed(draft.hashtags[1:]):
        current = replace(current, hashtags=current.hashtags[:-1])
        dropped.append(f"hashtag #{tag}")
        if fitted := attempt([]):
            return fitted
    if current.call_to_action:
        current = replace(current, call_to_action="")
        dropped.append("call to action")
        if fitted := attempt([]):
            return fitted
    body = textmod.units(current.body)
    starts = [k for k, unit in enumerate(body) if unit.strength >= textmod.SENTENCE]
    for gone, start in enumerate(reversed(starts), 1):
        current = replace(current, body=textmod.join(body[:start]))
        if fitted := attempt([f"{gone} of {len(starts)} body sentences"]):
            return fitted
    if starts:
        dropped.append(f"{len(starts)} of {len(starts)} body sentences")
    if current.hashtags:
        dropped.append(f"hashtag #{current.hashtags[0]}")
        current = replace(current, hashtags=())
        if fitted := attempt([]):
            return fitted
    text = current.text()
    raise TooLong(text, rules.count(text), rules.limit)


def split(text: str, rules: Rules, *, require_words: bool = True) -> list[str]:
    """Split ``text`` into numbered parts that each fit ``rules``.

    With ``require_words``, every part has at least one word (not only
    hashtags, mentions, links and the counter), or :class:`NoWords`.
    """
    units = textmod.units(text)
    for width in NUMBERING_WIDTHS:
        widest = "9" * width
        suffix = f" {widest}/{widest}"
        spans = _split(units, rules, suffix)
        if require_words:
            spans = _worth_reading(units, spans, rules, suffix)
        total = len(spans)
        if len(str(total)) > width:
            continue
        numbered = [f"{textmod.join(units[i:k])} {n}/{total}" for n, (i, k) in enumerate(spans, 1)]
        for part in numbered:
            if not rules.fits(part):
                raise TooLong(part, rules.count(part), rules.limit)
        return numbered
    raise TooLong(text, rules.count(text), rules.limit)


class NoWords(Exception):
    """A thread part would hold no word of the message, however it is cut."""


def is_word(token: str) -> bool:
    """A word of the message: letters or digits, not a hashtag, mention or link."""
    if token[:1] in "#＃@" or textmod.INLINE_HASHTAG.fullmatch(token):
        return False
    if token.lower().startswith(("http://", "https://")):
        return False
    return bool(_LETTER_OR_DIGIT.search(token))


_LETTER_OR_DIGIT = regex.compile(r"[\p{L}\p{N}]")


def _has_word(units: list[textmod.Unit], i: int, k: int) -> bool:
    return any(is_word(u.text) for u in units[i:k])


def _worth_reading(
    units: list[textmod.Unit], spans: list[tuple[int, int]], rules: Rules, suffix: str
) -> list[tuple[int, int]]:
    """Give every part a word: merge a wordless part into a neighbour, or move
    the previous part's last sentences into it (cutting at the strongest
    boundary that fits); :class:`NoWords` when neither is possible."""

    def fits(i: int, k: int) -> bool:
        return rules.fits(textmod.join(units[i:k]) + suffix)

    spans = list(spans)
    n = 0
    while n < len(spans):
        i, k = spans[n]
        if _has_word(units, i, k):
            n += 1
            continue
        if n > 0 and fits(spans[n - 1][0], k):
            spans[n - 1] = (spans[n - 1][0], k)
            del spans[n]
            continue
        if n + 1 < len(spans) and fits(i, spans[n + 1][1]):
            spans[n] = (i, spans[n + 1][1])
            del spans[n + 1]
            continue
        if n == 0:
            raise NoWords()
        start = spans[n - 1][0]
        cuts = []
        for m in range(i - 1, start, -1):
            if not fits(m, k):
                break
            # Only at a sentence end or stronger: a sentence cut in two to
            # carry hashtags reads worse than a post without them.
            strong = units[m].strength >= textmod.SENTENCE
            if strong and _has_word(units, m, k) and _has_word(units, start, m):
                cuts.append(m)
        if not cuts:
            raise NoWords()
        m = max(cuts, key=lambda c: (units[c].strength, c))
        spans[n - 1], spans[n] = (start, m), (m, k)
        n += 1
    return spans


def _cost(rules: Rules, piece: str) -> tuple[int, int]:
    return rules.count(piece), len(piece.encode("utf-8")) if rules.max_bytes else 0


def _split(units: list[textmod.Unit], rules: Rules, suffix: str) -> list[tuple[int, int]]:
    """Greedy split: estimate each part by adding up unit costs, cut at the
    best boundary, then check the part exactly and back off if needed (a
    platform's count need not add up exactly across units)."""
    limit, max_bytes = rules.limit, rules.max_bytes or 0
    parts: list[tuple[int, int]] = []
    i, n = 0, len(units)
    suffix_count, suffix_bytes = _cost(rules, suffix)
    while i < n:
        count, size = _cost(rules, units[i].text)
        count, size = count + suffix_count, size + suffix_bytes
        fill = [count]  # estimated cost of units[i:k] for k = i + 1 ...
        j = i + 1
        while j < n:
            sep_count, sep_size = _cost(rules, units[j].sep)
            unit_count, unit_size = _cost(rules, units[j].text)
            count, size = count + sep_count + unit_count, size + sep_size + unit_size
            if count > limit or (max_bytes and size > max_bytes):
                break
            fill.append(count)
            j += 1
        k = j if j == n else _best_break(units, i, j, fill)
        while True:
            candidate = textmod.join(units[i:k])
            if rules.fits(candidate + suffix):
                break
            if k == i + 1:
                raise TooLong(candidate, rules.count(candidate + suffix), limit)
            k -= 1
        parts.append((i, k))
        i = k
    return parts


def _best_break(units: list[textmod.Unit], i: int, j: int, fill: list[int]) -> int:
    """Where to end the part units[i:j] (exclusive): the last paragraph end
    that keeps at least half the room used, else the last line or sentence
    end that does, else ``j`` (a word boundary)."""
    best = fill[-1]
    for strength in (textmod.PARAGRAPH, textmod.SENTENCE):
        for k in range(j, i, -1):
            if units[k].strength >= strength and fill[k - i - 1] * 2 >= best:
                return k
    return j
