"""The poster's QR code: a tracked URL, encoded by segno."""

from __future__ import annotations

import functools
from dataclasses import dataclass

import segno

from sidcontent.exporters import links
from sidcontent.exporting import ExportError

QUIET_ZONE = 4  # modules; ISO/IEC 18004 asks for 4 around the symbol
SOURCE, MEDIUM = "poster", "print"
ERROR_CORRECTION = "m"  # M restores ~15% damage; segno may raise it when it costs no size


def tracked_url(url: str, campaign: str) -> str:
    """``url`` made safe to encode and tagged for print analytics.

    The social exporter's link rules, shared rather than written twice: an absolute
    http(s) URL without credentials, IDNA host, percent-encoded; ``utm_source=poster``,
    ``utm_medium=print`` and ``utm_campaign=<slug>`` replace any earlier values, the
    rest of the query and the fragment are kept byte for byte.
    """
    try:
        return links.track(links.normalize(url), source=SOURCE, medium=MEDIUM, campaign=campaign)
    except links.LinkError as error:
        raise ExportError(f"the QR code cannot point to it: {error}", field="url") from None


@dataclass(frozen=True)
class QRCode:
    url: str
    matrix: tuple[tuple[bool, ...], ...]  # with the quiet zone
    error: str
    version: int

    @property
    def modules(self) -> int:
        """Modules across, quiet zone included."""
        return len(self.matrix)

    def runs(self) -> list[tuple[int, int, int]]:
        """Dark modules as horizontal runs (row, first column, length): fewer, seamless
        rectangles than one per module."""
        out = []
        for r, row in enumerate(self.matrix):
            c = 0
            while c < len(row):
                if row[c]:
                    start = c
                    while c < len(row) and row[c]:
                        c += 1
                    out.append((r, start, c - start))
                else:
                    c += 1
        return out


@functools.lru_cache(maxsize=256)
def make(url: str) -> QRCode:
    """Encode ``url``. Cached: choosing the best mask costs ~20 ms, and a campaign's
    posters share a handful of URLs."""
    code = segno.make(url, error=ERROR_CORRECTION, boost_error=True, micro=False)
    matrix = tuple(tuple(bool(v) for v in row) for row in code.matrix_iter(border=QUIET_ZONE))
    return QRCode(url=url, matrix=matrix, error=code.error, version=int(code.version))
