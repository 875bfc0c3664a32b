"""Page sizes and print geometry: media, bleed, trim and safe boxes in PDF points.

All boxes use PDF coordinates (points, origin at the bottom left of the
media box). Without bleed the media box is the trim box. With bleed the
background runs 3 mm past the trim (0.125 in for the US sizes, the usual
figure there) and the media box grows further by a slug that holds the crop
marks, so the marks never touch the printed area.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4
INCH = 72.0

# (width, height) in portrait, in points.
PAGE_SIZES: dict[str, tuple[float, float]] = {
    "A4": (210 * MM, 297 * MM),
    "A3": (297 * MM, 420 * MM),
    "A2": (420 * MM, 594 * MM),
    "letter": (8.5 * INCH, 11 * INCH),
    "tabloid": (11 * INCH, 17 * INCH),
}
US_SIZES = frozenset({"letter", "tabloid"})
ORIENTATIONS = ("portrait", "landscape")

BLEED_METRIC = 3 * MM
BLEED_US = 0.125 * INCH
MARK_LENGTH = 5 * MM
# Crop marks stop this far outside the bleed, and the slug ends this far past the marks.
MARK_GAP = 0.0
SLUG_PAD = 1 * MM
# Print shops ask for text at least 3-5 mm inside the trim; posters look better with a
# margin that grows with the sheet, so take the larger of 5 mm and 4% of the short side.
MIN_SAFE_MARGIN = 5 * MM
SAFE_MARGIN_RATIO = 0.04


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def inset(self, d: float) -> Box:
        return Box(self.x0 + d, self.y0 + d, self.x1 - d, self.y1 - d)

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)


@dataclass(frozen=True)
class Geometry:
    size: str
    orientation: str
    media: Box
    bleed: Box
    trim: Box
    safe: Box
    bleed_width: float
    crop_marks: bool

    @property
    def unit(self) -> float:
        """One hundredth of the trim's short side: type sizes scale with the sheet."""
        return min(self.trim.width, self.trim.height) / 100


def geometry(size: str, orientation: str, bleed: bool, crop_marks: bool = True) -> Geometry:
    """The boxes of one poster sheet."""
    width, height = PAGE_SIZES[size]
    if orientation == "landscape":
        width, height = height, width
    elif orientation != "portrait":
        raise ValueError(f"unknown orientation {orientation!r}")
    bleed_width = (BLEED_US if size in US_SIZES else BLEED_METRIC) if bleed else 0.0
    marks = bleed and crop_marks
    slug = bleed_width + (MARK_GAP + MARK_LENGTH + SLUG_PAD if marks else 0.0)
    media = Box(0.0, 0.0, width + 2 * slug, height + 2 * slug)
    trim = Box(slug, slug, slug + width, slug + height)
    margin = max(MIN_SAFE_MARGIN, SAFE_MARGIN_RATIO * min(width, height))
    return Geometry(
        size=size,
        orientation=orientation,
        media=media,
        bleed=trim.inset(-bleed_width),
        trim=trim,
        safe=trim.inset(margin),
        bleed_width=bleed_width,
        crop_marks=marks,
    )


def crop_mark_lines(g: Geometry) -> list[tuple[float, float, float, float]]:
    """Eight short lines in the slug, in line with the trim edges, outside the bleed."""
    if not g.crop_marks:
        return []
    t, start = g.trim, g.bleed_width + MARK_GAP
    end = start + MARK_LENGTH
    lines = []
    for x in (t.x0, t.x1):
        lines.append((x, t.y0 - start, x, t.y0 - end))
        lines.append((x, t.y1 + start, x, t.y1 + end))
    for y in (t.y0, t.y1):
        lines.append((t.x0 - start, y, t.x0 - end, y))
        lines.append((t.x1 + start, y, t.x1 + end, y))
    return lines
