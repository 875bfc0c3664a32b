"""The poster's QR code: a tracked URL, encoded by segno."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import segno

from sidcontent.exporting import ExportError

QUIET_ZONE = 4  # modules; ISO/IEC 18004 asks for 4 around the symbol
ERROR_CORRECTION = "m"  # M restores ~15% damage; segno may raise it when it costs no size


def tracked_url(url: str, campaign: str) -> str:
    """``url`` with utm tracking for print: the medium is always ``print``; a source or
    campaign already on the link is kept, so partners' own tracking survives."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ExportError(f"the QR code needs an http(s) URL, not {url!r}", field="url")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "utm_medium"]
    names = {k for k, _ in query}
    if "utm_source" not in names:
        query.append(("utm_source", "sidcontent"))
    query.append(("utm_medium", "print"))
    if "utm_campaign" not in names:
        query.append(("utm_campaign", campaign))
    return urlunsplit(parts._replace(query=urlencode(query)))


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
