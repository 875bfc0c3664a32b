"""WCAG 2 colour contrast, for any exporter that puts text on theme colours.

Shared by the built-in exporters and available to third-party plugins, so
"readable on this background" means the same thing in every export.
"""

from __future__ import annotations

import re

RGB = tuple[int, int, int]

AA_TEXT = 4.5  # WCAG 2 AA, normal text
AA_LARGE_TEXT = 3.0  # WCAG 2 AA, large text and UI components

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


def rgb(colour: str | RGB) -> RGB:
    """``#rgb`` or ``#rrggbb`` as an (r, g, b) tuple of 0-255; tuples pass through."""
    if not isinstance(colour, str):
        return colour
    if not _HEX.fullmatch(colour):
        raise ValueError(f"{colour!r} is not a #rrggbb colour")
    digits = colour[1:]
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str | RGB) -> float:
    """WCAG 2 relative luminance, 0 (black) to 1 (white)."""
    r, g, b = rgb(colour)
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast(a: str | RGB, b: str | RGB) -> float:
    """WCAG 2 contrast ratio between two colours, 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
