"""The newsletter's colours: the theme's palette, adjusted to reach WCAG AA.

A theme's palette is chosen for posters and social cards, not for body text
on a white email: an orange accent makes a fine button but unreadable text.
So every foreground colour is checked against the background it sits on and
moved towards black or white, in small steps, until it reaches the contrast
ratio WCAG 2.x asks for (4.5:1 for normal text). The palette itself is
content, so it is validated here too: only ``#rgb`` / ``#rrggbb`` reaches the
stylesheet, never a string that could close a CSS rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sidcontent.exporters.colours import AA_TEXT, contrast, luminance, rgb
from sidcontent.exporting import ExportError, Palette

_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")

# Used when a bundle has no theme: a neutral blue scheme.
DEFAULT_PALETTE = Palette(
    primary="#1F5FA8",
    secondary="#12A3A3",
    accent="#F28C28",
    background="#FFFFFF",
    text="#1A1A2E",
)
_WHITE = "#ffffff"
_BLACK = "#000000"
_DARK_FALLBACK = "#121212"


def parse_hex(value: str, field: str = "colour") -> tuple[int, int, int]:
    """``#rgb`` or ``#rrggbb`` as an (r, g, b) tuple; anything else is an ExportError."""
    if not isinstance(value, str) or not _HEX.fullmatch(value):
        raise ExportError(f"{value!r} is not a #rrggbb colour", field=field)
    return rgb(value)


def to_hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{max(0, min(255, round(c))):02x}" for c in rgb)


def mix(a: str, b: str, amount: float) -> str:
    """``a`` moved ``amount`` (0-1) of the way towards ``b``."""
    ra, rb = parse_hex(a), parse_hex(b)
    return to_hex(tuple(x + (y - x) * amount for x, y in zip(ra, rb, strict=True)))  # type: ignore[arg-type]


def readable(foreground: str, background: str, minimum: float = AA_TEXT) -> str:
    """``foreground`` itself if it reaches ``minimum`` on ``background``, else the
    closest shade of it (towards black on light backgrounds, white on dark) that does."""
    if contrast(foreground, background) >= minimum:
        return foreground.lower()
    target = _BLACK if luminance(background) > 0.18 else _WHITE
    for step in range(1, 21):
        candidate = mix(foreground, target, step / 20)
        if contrast(candidate, background) >= minimum:
            return candidate
    # Unreachable for AA: black or white always reaches 4.58:1 on any colour.
    return max((_BLACK, _WHITE), key=lambda c: contrast(c, background))


def on(background: str, candidates: tuple[str, ...], minimum: float = AA_TEXT) -> str:
    """The candidate with the best contrast on ``background``, made readable."""
    best = max(candidates, key=lambda c: contrast(c, background))
    return readable(best, background, minimum)


@dataclass(frozen=True)
class Scheme:
    """Colours for one colour scheme (light or dark); every text pair reaches AA."""

    background: str  # around the card (the page)
    surface: str  # the card
    text: str
    muted: str
    heading: str
    link: str
    rule: str
    band: str  # the header band's background
    band_text: str
    button: str
    button_text: str


@dataclass(frozen=True)
class Colours:
    light: Scheme
    dark: Scheme


def colours_for(palette: Palette | None) -> Colours:
    """Light and dark schemes derived from the theme's palette."""
    p = palette or DEFAULT_PALETTE
    for name in ("primary", "secondary", "accent", "background", "text"):
        parse_hex(getattr(p, name), field=f"theme.palette.{name}")
    return Colours(light=_light(p), dark=_dark(p))


def _light(p: Palette) -> Scheme:
    surface = p.background.lower()
    if luminance(surface) < 0.5:
        # A dark "background" in a palette is a poster colour, not an email body.
        surface = _WHITE
    page = mix(surface, p.primary, 0.06)
    text = readable(p.text, surface)
    band = p.primary.lower()
    button = p.accent.lower()
    return Scheme(
        background=page,
        surface=surface,
        text=text,
        muted=readable(mix(text, surface, 0.35), surface),
        heading=readable(p.primary, surface),
        link=readable(p.primary, surface),
        rule=mix(surface, p.secondary, 0.35),
        band=band,
        band_text=on(band, (_WHITE, p.text, _BLACK)),
        button=button,
        button_text=on(button, (_WHITE, p.text, _BLACK)),
    )


def _dark(p: Palette) -> Scheme:
    text_luminance = luminance(p.text)
    surface = p.text.lower() if text_luminance < 0.03 else _DARK_FALLBACK
    page = mix(surface, _BLACK, 0.3)
    light_text = p.background if luminance(p.background) > 0.7 else _WHITE
    text = readable(mix(light_text, surface, 0.08), surface, 7.0)
    band = p.primary.lower()
    button = p.accent.lower()
    return Scheme(
        background=page,
        surface=surface,
        text=text,
        muted=readable(mix(text, surface, 0.3), surface),
        heading=readable(mix(p.primary, _WHITE, 0.45), surface),
        link=readable(mix(p.primary, _WHITE, 0.45), surface),
        rule=mix(surface, p.secondary, 0.4),
        band=band,
        band_text=on(band, (_WHITE, p.text, _BLACK)),
        button=button,
        button_text=on(button, (_WHITE, p.text, _BLACK)),
    )
