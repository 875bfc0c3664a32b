"""Fitting text to a box: the largest size whose word-wrapped lines fit, or none."""

from __future__ import annotations

from dataclasses import dataclass

from sidcontent.exporters.poster.fonts import Face, width

SIZE_STEP = 0.5  # points; finer steps change nothing visible and cost time


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[str, ...]
    leading: float  # baseline to baseline, in points

    def height(self, face: Face) -> float:
        """From the top of the tallest glyph on the first line to the lowest on the last."""
        return block_height(len(self.lines), face, self.size, self.leading)


def block_height(lines: int, face: Face, size: float, leading: float) -> float:
    return face.ascent * size + (lines - 1) * leading + face.descent * size


def wrap(text: str, face: Face, size: float, max_width: float) -> list[str] | None:
    """Greedy wrap at spaces; ``None`` when one word alone is wider than the box
    (words are never cut: a poster that splits a word mid-way reads as a mistake)."""
    space = width(" ", face, size)
    lines: list[str] = []
    line: list[str] = []
    line_width = 0.0
    for word in text.split(" "):
        word_width = width(word, face, size)
        if word_width > max_width:
            return None
        if line and line_width + space + word_width > max_width:
            lines.append(" ".join(line))
            line, line_width = [word], word_width
        elif line:
            line.append(word)
            line_width += space + word_width
        else:
            line, line_width = [word], word_width
    if line:
        lines.append(" ".join(line))
    return lines


def fit(
    text: str,
    face: Face,
    max_width: float,
    max_height: float,
    max_size: float,
    min_size: float,
    leading: float = 1.1,
    max_lines: int | None = None,
) -> Fitted | None:
    """The largest size in [min_size, max_size] at which ``text`` fits, or ``None``.

    Binary search over sizes in SIZE_STEP steps: wrapped height grows with size
    (almost always monotonically), and the answer is checked, so a rare
    non-monotonic wrap can only cost a half point, never an overflow.
    """

    def attempt(size: float) -> Fitted | None:
        lines = wrap(text, face, size, max_width)
        if lines is None or (max_lines is not None and len(lines) > max_lines):
            return None
        fitted = Fitted(size, tuple(lines), size * leading)
        return fitted if fitted.height(face) <= max_height + 1e-6 else None

    steps = int((max_size - min_size) / SIZE_STEP)
    low, high, best = 0, steps, None
    while low <= high:
        mid = (low + high) // 2
        found = attempt(min_size + mid * SIZE_STEP)
        if found:
            best, low = found, mid + 1
        else:
            high = mid - 1
    return best
