"""Fitting text to a box: the largest size whose lines fit, or none."""

from __future__ import annotations

from dataclasses import dataclass

from sidcontent.exporters.poster.fonts import Face, paragraph
from sidcontent.exporters.typesetting.text import Line

SIZE_STEP = 0.5  # points; finer steps change nothing visible and cost time


@dataclass(frozen=True)
class Fitted:
    size: float
    lines: tuple[Line, ...]
    leading: float  # baseline to baseline, in points
    ascent: float  # in em: the tallest font the text uses
    descent: float

    def height(self, face: Face | None = None) -> float:
        """From the top of the tallest glyph on the first line to the lowest on the last."""
        return block_height(len(self.lines), self.ascent, self.descent, self.size, self.leading)


def block_height(lines: int, ascent: float, descent: float, size: float, leading: float) -> float:
    return ascent * size + (lines - 1) * leading + descent * size


def wrap(text: str, face: Face, size: float, max_width: float) -> list[Line] | None:
    """Lines broken at the script's break opportunities; ``None`` when one unbreakable
    piece alone is wider than the box (words are never cut)."""
    p = paragraph(text, face)
    ranges = p.wrap(max_width / size)
    if ranges is None:
        return None
    return [p.line(a, b) for a, b in ranges]


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
    p = paragraph(text, face)
    # Scripts whose fonts reach far above and below the baseline (Arabic's stacked marks)
    # need more room between lines than the Latin leading the layout asks for.
    leading = max(leading, 0.7 * (p.ascent + p.descent))

    def attempt(size: float) -> tuple[int, int] | None:
        ranges = p.wrap(max_width / size)
        if ranges is None or (max_lines is not None and len(ranges) > max_lines):
            return None
        height = block_height(len(ranges), p.ascent, p.descent, size, size * leading)
        return (len(ranges), 0) if height <= max_height + 1e-6 else None

    steps = int((max_size - min_size) / SIZE_STEP)
    low, high, best = 0, steps, None
    while low <= high:
        mid = (low + high) // 2
        size = min_size + mid * SIZE_STEP
        if attempt(size):
            best, low = size, mid + 1
        else:
            high = mid - 1
    if best is None:
        return None
    ranges = p.wrap(max_width / best) or []
    lines = tuple(p.line(a, b) for a, b in ranges)
    return Fitted(best, lines, best * leading, p.ascent, p.descent)
