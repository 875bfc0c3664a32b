"""Composing a poster: which content goes where, as a plan the renderer draws.

Sizes are in units of one hundredth of the trim's short side (``g.unit``), so a
layout reads the same on A4 and A2. Every text block is placed inside the safe
area, at the largest size that fits; content that cannot fit even at the
smallest size is refused with an :class:`ExportError` naming the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from urllib.parse import urlsplit

from sidcontent.exporters.colours import AA_TEXT, contrast
from sidcontent.exporters.poster import fonts, labels, qr
from sidcontent.exporters.poster.fitting import block_height, fit, wrap
from sidcontent.exporters.poster.fonts import Face
from sidcontent.exporters.poster.options import PosterOptions
from sidcontent.exporters.poster.pages import MM, Box, Geometry, geometry
from sidcontent.exporters.typesetting.text import Line, is_rtl
from sidcontent.exporting import ContentBundle, ExportError, Message, Palette

MIN_QR_SYMBOL = 25 * MM  # the symbol itself, quiet zone not counted
_HEX = re.compile(r"#[0-9A-Fa-f]{6}")
DEFAULT_PALETTE = Palette("#1F5FA8", "#12A3A3", "#F28C28", "#FFFFFF", "#1A1A2E")


@dataclass(frozen=True)
class TextBlock:
    role: str
    lines: tuple[Line, ...]
    face: Face
    size: float
    leading: float
    x: float  # left edge of the box
    top: float  # top of the box: the first line's tallest glyph reaches it, no further
    width: float
    color: str
    ascent: float  # in em, of the fonts the text is set in
    descent: float
    align: str = "left"  # "right" for right-to-left text (and mirrored layouts)

    @property
    def height(self) -> float:
        return block_height(len(self.lines), self.ascent, self.descent, self.size, self.leading)

    def baselines(self) -> list[float]:
        first = self.top - self.ascent * self.size
        return [first - i * self.leading for i in range(len(self.lines))]

    @property
    def ink_top(self) -> float:
        """The highest ink of the first line (the em box has room above the capitals)."""
        if not self.lines:
            return self.top
        return self.baselines()[0] + self.lines[0].ink_top * self.size

    @property
    def ink_bottom(self) -> float:
        if not self.lines:
            return self.top - self.height
        return self.baselines()[-1] + self.lines[-1].ink_bottom * self.size

    def line_x(self, line: Line) -> float:
        """Where a line's left edge goes: flush with the box's start side."""
        if self.align == "right":
            return self.x + self.width - line.width * self.size
        return self.x

    @property
    def text(self) -> str:
        return " ".join(line.text for line in self.lines)


@dataclass(frozen=True)
class Fill:
    box: Box
    color: str


@dataclass(frozen=True)
class QRPlacement:
    code: qr.QRCode
    box: Box  # the square including the quiet zone

    @property
    def module(self) -> float:
        return self.box.width / self.code.modules

    @property
    def symbol_width(self) -> float:
        return self.module * (self.code.modules - 2 * qr.QUIET_ZONE)


@dataclass(frozen=True)
class Metadata:
    title: str
    subject: str
    author: str
    keywords: str
    language: str


@dataclass(frozen=True)
class Plan:
    geometry: Geometry
    fills: tuple[Fill, ...]
    texts: tuple[TextBlock, ...]
    qr: QRPlacement
    metadata: Metadata
    warnings: tuple[str, ...] = ()
    messages: tuple[Message, ...] = ()  # the messages printed, for per-item locales


@dataclass
class _Builder:
    """Collects blocks and the warnings from cleaning their text."""

    g: Geometry
    locale: str = "en"
    fills: list[Fill] = field(default_factory=list)
    texts: list[TextBlock] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def clean(self, text: str, field_name: str) -> str:
        prepared = fonts.prepare(text, field_name, self.locale)
        if prepared.removed:
            codes = ", ".join(f"U+{ord(c):04X}" for c in dict.fromkeys(prepared.removed))
            self.warnings.append(f"{field_name}: removed invisible control characters ({codes})")
        return prepared.text

    def place(
        self,
        role: str,
        text: str,
        face: Face,
        box: Box,
        max_size: float,
        min_size: float,
        color: str,
        leading: float = 1.1,
        max_lines: int | None = None,
        field_name: str | None = None,
    ) -> TextBlock:
        """Fit ``text`` into ``box`` from its top; refuse naming the field if it cannot."""
        if not text:
            name = field_name or role
            raise ExportError(f"{name} is empty: there is nothing to print", field=name)
        fitted = fit(text, face, box.width, box.height, max_size, min_size, leading, max_lines)
        if fitted is None:
            name = field_name or role
            # Type scales with the sheet, so a larger size would not help; portrait might.
            hint = " or use portrait" if self.g.orientation == "landscape" else ""
            raise ExportError(
                f"{name} does not fit on a {self.g.size} {self.g.orientation} poster even at "
                f"{min_size:.0f} pt ({len(text)} characters); shorten it{hint}",
                field=name,
            )
        block = TextBlock(
            role,
            fitted.lines,
            face,
            fitted.size,
            fitted.leading,
            box.x0,
            box.y1,
            box.width,
            color,
            fitted.ascent,
            fitted.descent,
        )
        self.texts.append(block)
        return block


@dataclass(frozen=True)
class _Style:
    face: dict[str, Face]
    on_band: str  # text on the primary colour
    ink: str  # text on the background
    strong: str  # emphasis on the background
    accent: str


# Band heights (share of the trim) tried in turn: the layout whose largest empty band
# between blocks is smallest wins (issue 16: none taller than 12% of the trim).
BAND_RATIOS = {
    ("headline", "portrait"): (0.56, 0.46, 0.38, 0.64),
    ("headline", "landscape"): (0.52, 0.44, 0.60),
    ("tips", "portrait"): (0.30, 0.26, 0.36),
    ("tips", "landscape"): (0.34, 0.30, 0.40),
    ("bare", "portrait"): (0.72, 0.64, 0.80),  # a headline with no body nor call to action
    ("bare", "landscape"): (0.70, 0.62, 0.78),
}
GOOD_ENOUGH = 0.10  # of the trim height: stop trying once the largest gap is this small


def plan(bundle: ContentBundle, options: PosterOptions) -> Plan:
    """The best-filled layout among the band heights tried for this content."""
    kind = options.layout
    if kind == "headline":
        message = _headline_message(bundle, options)
        if not (message.body or "").strip() and not (message.call_to_action or "").strip():
            kind = "bare"
    best: tuple[float, Plan] | None = None
    first_error: ExportError | None = None
    for ratio in BAND_RATIOS[(kind, options.orientation)]:
        try:
            candidate = _compose(bundle, options, ratio)
        except ExportError as error:
            first_error = first_error or error
            continue
        gap = largest_empty_band(candidate) / candidate.geometry.trim.height
        if best is None or gap < best[0]:
            best = (gap, candidate)
        if gap <= GOOD_ENOUGH:
            break
    if best is None:
        assert first_error is not None
        raise first_error
    return best[1]


def largest_empty_band(p: Plan) -> float:
    """The tallest strip between two blocks (text ink or the QR code) with nothing in
    it, in points."""
    spans = sorted([(t.ink_bottom, t.ink_top) for t in p.texts] + [(p.qr.box.y0, p.qr.box.y1)])
    gap, reach = 0.0, spans[0][1]
    for low, high in spans[1:]:
        gap = max(gap, low - reach)
        reach = max(reach, high)
    return gap


def _compose(bundle: ContentBundle, options: PosterOptions, band_ratio: float) -> Plan:
    g = geometry(options.size, options.orientation, options.bleed, options.crop_marks)
    locale = bundle.campaign.locale
    b = _Builder(g, locale)
    palette = bundle.theme.palette if bundle.theme else DEFAULT_PALETTE
    for name, value in vars(palette).items():
        if not _HEX.fullmatch(value or ""):
            raise ExportError(
                f"theme colour {name} must be #RRGGBB, not {value!r}", field=f"theme.palette.{name}"
            )
    ink = _readable(palette.background, (palette.text, "#000000", "#FFFFFF"))
    style = _Style(
        face=fonts.faces(locale),
        on_band=_readable(palette.primary, ("#FFFFFF", palette.text, "#000000")),
        ink=ink,
        strong=palette.primary if contrast(palette.primary, palette.background) >= 3 else ink,
        accent=palette.accent,
    )
    u, s, t = g.unit, g.safe, g.trim

    if options.layout == "tips":
        chosen = _tips(bundle, options, _tips_title(bundle))
    else:
        chosen = (_headline_message(bundle, options),)
    band_bottom = t.y1 - t.height * band_ratio
    stripe = 1.2 * u
    b.fills += [
        Fill(g.bleed, palette.background),
        Fill(Box(g.bleed.x0, band_bottom, g.bleed.x1, g.bleed.y1), palette.primary),
        Fill(Box(g.bleed.x0, band_bottom - stripe, g.bleed.x1, band_bottom), palette.accent),
    ]

    headline, language = _place_band(b, bundle, options, chosen, style, band_bottom)
    code, qr_box, footer_top = _place_footer(b, bundle, options, chosen, style)

    # The middle: the message's body and call to action, or the numbered tips. In
    # landscape it keeps to the left of the QR code, so lines stay a readable length.
    if options.orientation == "landscape":
        middle = Box(s.x0, footer_top + 3 * u, qr_box.x0 - 3 * u, band_bottom - stripe - 3.5 * u)
    else:
        middle = Box(s.x0, qr_box.y1 + 3 * u, s.x1, band_bottom - stripe - 3.5 * u)
    if options.layout == "tips":
        _place_tips(b, chosen, middle, style)
    else:
        _place_message(b, chosen[0], middle, style)
    band_bottom = _justify(b, headline, qr_box, band_bottom, stripe)
    b.fills[1:] = [
        Fill(Box(g.bleed.x0, band_bottom, g.bleed.x1, g.bleed.y1), palette.primary),
        Fill(Box(g.bleed.x0, band_bottom - stripe, g.bleed.x1, band_bottom), palette.accent),
    ]

    texts = tuple(b.texts)
    if is_rtl(locale):
        # Right to left: the whole layout is mirrored, text flush right, QR code at left.
        texts = tuple(_mirrored(block, t) for block in texts)
        qr_box = Box(t.x0 + t.x1 - qr_box.x1, qr_box.y0, t.x0 + t.x1 - qr_box.x0, qr_box.y1)
    campaign = bundle.campaign
    subject = campaign.tagline or (bundle.theme.description if bundle.theme else "") or ""
    return Plan(
        geometry=g,
        fills=tuple(b.fills),
        texts=texts,
        qr=QRPlacement(code, qr_box),
        metadata=Metadata(
            # Metadata needs no glyphs: any text may go there, only invisible characters go.
            title=fonts.printable(f"{headline.text} — {campaign.name}"),
            subject=fonts.printable(subject),
            author=fonts.printable(options.partner or campaign.name),
            keywords=" ".join(_hashtags(bundle, chosen)),
            language=language,
        ),
        warnings=tuple(b.warnings),
        messages=chosen,
    )


MIDDLE_ROLES = frozenset({"body", "call_to_action", "tip_number", "tip", "tip_body"})
FOOTER_ROLES = frozenset({"scan", "link", "hashtags", "partner"})


def _justify(
    b: _Builder, headline: TextBlock, qr_box: Box, band_bottom: float, stripe: float
) -> float:
    """Equal ink gaps from the campaign's name down to the footer (issue 16: a short
    headline or a short body must not leave a hole in the page). The headline and the
    middle's units (body, call to action, each numbered tip) move as wholes; the band's
    edge moves with them, into the middle of the gap under the headline. Returns the
    new band bottom (the old one when the content is too tight to move anything)."""
    texts = b.texts
    u = b.g.unit
    header = [t for t in texts if t.role in ("campaign", "date")]
    footer = [t for t in texts if t.role in FOOTER_ROLES]
    upper = min(t.ink_bottom for t in header)
    lower = max([qr_box.y1, *(t.ink_top for t in footer)])
    units: list[list[int]] = [[texts.index(headline)]]
    for i, t in enumerate(texts):
        if t.role not in MIDDLE_ROLES:
            continue
        if t.role in ("body", "call_to_action", "tip_number") or len(units) == 1:
            units.append([i])
        else:
            units[-1].append(i)
    head, rest = units[0], units[1:]
    rest.sort(key=lambda unit: -max(texts[i].ink_top for i in unit))  # top to bottom
    units = [head, *rest]
    extents = [
        (max(texts[i].ink_top for i in unit), min(texts[i].ink_bottom for i in unit))
        for unit in units
    ]
    used = sum(top - bottom for top, bottom in extents)
    gap = (upper - lower - used) / (len(units) + 1)
    if gap < stripe + 3 * u:
        return band_bottom  # tight already: the designed spacing stands
    cursor = upper - gap
    for unit, (top, bottom) in zip(units, extents, strict=True):
        shift = cursor - top
        for i in unit:
            texts[i] = replace(texts[i], top=texts[i].top + shift)
        cursor -= (top - bottom) + gap
    below_headline = min(texts[i].ink_bottom for i in units[0])
    next_top = max(texts[i].ink_top for i in units[1]) if len(units) > 1 else lower
    return (below_headline + next_top) / 2 + stripe / 2


def _mirrored(block: TextBlock, trim: Box) -> TextBlock:
    x = trim.x0 + trim.x1 - (block.x + block.width)
    return replace(block, x=x, align="right")


def _place_band(
    b: _Builder,
    bundle: ContentBundle,
    options: PosterOptions,
    chosen: tuple[Message, ...],
    style: _Style,
    band_bottom: float,
) -> tuple[TextBlock, str]:
    """Campaign name and day, then the headline (or the tips' title) at the largest size
    that fits what is left of the band. Returns the headline and the poster's language."""
    u, s, face = b.g.unit, b.g.safe, style.face
    campaign = bundle.campaign
    name = b.place(
        "campaign",
        b.clean(campaign.name, "campaign.name"),
        face["bold"],
        Box(s.x0, band_bottom, s.x1, s.y1),
        2.8 * u,
        1.6 * u,
        style.on_band,
        max_lines=2,
        field_name="campaign.name",
    )
    day = b.place(
        "date",
        b.clean(labels.long_date(campaign.day, campaign.locale), "campaign.day"),
        face["regular"],
        Box(s.x0, band_bottom, s.x1, name.top - name.height - 0.8 * u),
        2.4 * u,
        1.4 * u,
        style.on_band,
        max_lines=1,
    )
    box = Box(s.x0, band_bottom + 3 * u, s.x1, day.top - day.height - 3 * u)
    if options.layout == "tips":
        if campaign.tagline:
            field_name = "campaign.tagline"
        else:
            field_name = "theme.name" if bundle.theme else "campaign.name"
        title = b.clean(_tips_title(bundle), field_name)
        block = b.place(
            "headline",
            title,
            face["black"],
            box,
            8 * u,
            3.2 * u,
            style.on_band,
            leading=1.05,
            field_name=field_name,
        )
        return block, campaign.locale
    message = chosen[0]
    block = b.place(
        "headline",
        b.clean(message.headline, "headline"),
        face["black"],
        box,
        18 * u,
        4.0 * u,
        style.on_band,
        leading=1.02,
        field_name="headline",
    )
    return block, message.locale


def _place_footer(
    b: _Builder,
    bundle: ContentBundle,
    options: PosterOptions,
    chosen: tuple[Message, ...],
    style: _Style,
) -> tuple[qr.QRCode, Box, float]:
    """The QR code at the bottom right; a prompt to scan, the link to type, hashtags and
    the partner at its left. Returns the code, its square and the top of the text."""
    u, s, face = b.g.unit, b.g.safe, style.face
    locale = bundle.campaign.locale
    url = qr.tracked_url(_qr_target(bundle, options, chosen), bundle.campaign.slug)
    code = qr.make(url)
    symbol = code.modules - 2 * qr.QUIET_ZONE
    side = max(20 * u, MIN_QR_SYMBOL * code.modules / symbol)
    qr_box = Box(s.x1 - side, s.y0, s.x1, s.y0 + side)
    column = Box(s.x0, s.y0, qr_box.x0 - 3 * u, qr_box.y1)

    lines = [
        ("scan", labels.label(locale, "scan"), face["semibold"], 2.2 * u, style.strong, "label"),
        ("link", _display_url(url), face["regular"], 2.0 * u, style.ink, "url"),
    ]
    hashtags = " ".join(_hashtags(bundle, chosen))
    if hashtags:
        lines.append(("hashtags", hashtags, face["bold"], 2.2 * u, style.strong, "hashtags"))
    if options.partner:
        text = labels.label(locale, "supported_by", partner=options.partner)
        lines.append(("partner", text, face["semibold"], 2.2 * u, style.ink, "partner"))

    # Stacked from the bottom up, so the lines sit level with the QR code's foot.
    bottom = column.y0
    for role, text, f, size, color, field_name in reversed(lines):
        room = Box(column.x0, bottom, column.x1, column.y1)
        text = b.clean(text, field_name)
        if role in ("link", "hashtags"):
            text = _isolated(text)
        if role == "link" and fit(text, f, room.width, room.height, size, 1.2 * u) is None:
            text = text.split("/")[0]  # a long path is one unbreakable word: show the host
        fitted = fit(text, f, room.width, room.height, size, 1.2 * u)
        height = fitted.height(f) if fitted else room.height
        block = b.place(
            role,
            text,
            f,
            Box(room.x0, bottom, room.x1, bottom + height),
            size,
            1.2 * u,
            color,
            field_name=field_name,
        )
        bottom = block.top + 1.2 * u
    return code, qr_box, bottom - 1.2 * u


def _isolated(text: str) -> str:
    """Each word in its own bidi isolate (FSI ... PDI): in right-to-left text a hashtag
    or a URL keeps its "#" and "/" where its own script puts them."""
    return " ".join(f"\u2068{word}\u2069" for word in text.split(" "))


def _hashtags(bundle: ContentBundle, chosen: tuple[Message, ...]) -> list[str]:
    return [f"#{h.lstrip('#')}" for h in (chosen[0].hashtags or bundle.campaign.hashtags)]


def _place_message(b: _Builder, message: Message, middle: Box, style: _Style) -> None:
    u, face, ink, strong = b.g.unit, style.face, style.ink, style.strong
    bottom = middle.y0
    cta_text = b.clean(message.call_to_action or "", "call_to_action")
    if cta_text:
        # Fit within the lower part of the middle first, then sit it on the footer.
        trial = fit(cta_text, face["bold"], middle.width, middle.height * 0.35, 4.4 * u, 2.4 * u)
        if trial is None:
            raise ExportError(
                f"call_to_action does not fit on a {b.g.size} {b.g.orientation} poster; shorten it",
                field="call_to_action",
            )
        cta_top = middle.y0 + trial.height(face["bold"])
        b.place(
            "call_to_action",
            cta_text,
            face["bold"],
            Box(middle.x0, middle.y0, middle.x1, cta_top),
            trial.size,
            trial.size,
            strong,
        )
        bottom = cta_top + 2.5 * u
    body = b.clean(message.body or "", "body")
    if body:
        b.place(
            "body",
            body,
            face["regular"],
            Box(middle.x0, bottom, middle.x1, middle.y1),
            4.6 * u,
            1.9 * u,
            ink,
            leading=1.3,
            field_name="body",
        )


def _place_tips(b: _Builder, messages: tuple[Message, ...], middle: Box, style: _Style) -> None:
    """Numbered tips at one common scale: the largest at which all of them fit."""
    u, face, ink, strong, accent = b.g.unit, style.face, style.ink, style.strong, style.accent
    items = [
        (
            b.clean(m.headline, "headline"),
            b.clean(m.body or "", "body") or None,
        )
        for m in messages
    ]
    for m, (headline, _) in zip(messages, items, strict=True):
        if not headline:
            raise ExportError(f"message {m.id} has an empty headline", field="headline")
    indent = 6 * u
    width = middle.width - indent

    def layout(scale: float) -> list[TextBlock] | None:
        head, body, gap = 3.6 * u * scale, 2.5 * u * scale, 2.6 * u * scale
        number_face, number_size = face["black"], head * 1.25
        top, out = middle.y1, []
        for number, (headline, text) in enumerate(items, start=1):
            # The number sits on the tip's first baseline, a size larger: lower the tip
            # so that the number's top, not the tip's, meets the top of the space.
            baseline = top - number_face.ascent * number_size
            numeral = labels.number(number, b.locale)
            out.append(
                TextBlock(
                    "tip_number",
                    tuple(wrap(numeral, number_face, number_size, 1e9) or ()),
                    number_face,
                    number_size,
                    number_size,
                    middle.x0,
                    top,
                    indent,
                    accent,
                    number_face.ascent,
                    number_face.descent,
                )
            )
            top = baseline + face["bold"].ascent * head
            parts = [("tip", headline, face["bold"], head, strong, 1.1)]
            if text:
                parts.append(("tip_body", text, face["regular"], body, ink, 1.3))
            for role, words, f, size, color, leading in parts:
                fitted = fit(words, f, width, top - middle.y0, size, size, leading)
                if fitted is None:
                    return None
                block = TextBlock(
                    role,
                    fitted.lines,
                    f,
                    size,
                    fitted.leading,
                    middle.x0 + indent,
                    top,
                    width,
                    color,
                    fitted.ascent,
                    fitted.descent,
                )
                out.append(block)
                top -= block.height + 0.8 * u * scale
            top -= gap
        return out

    scale, step, best = 1.5, 0.025, None
    while scale >= 0.45 and best is None:
        best = layout(scale)
        scale -= step
    if best is None:
        raise ExportError(
            f"{len(items)} tips do not fit on a {b.g.size} {b.g.orientation} poster; choose "
            "fewer (max_tips or messages) or shorter ones",
            field="messages",
        )
    b.texts.extend(best)


def _headline_message(bundle: ContentBundle, options: PosterOptions) -> Message:
    if options.message is not None:
        for m in bundle.messages:
            if m.id == options.message:
                return m
        raise ExportError(
            f"message {options.message} is not in campaign {bundle.campaign.slug!r}",
            field="message",
        )
    pool = [m for m in bundle.messages if options.audience in (None, m.audience)]
    if not pool:
        raise ExportError(_no_messages(bundle, options), field="audience")
    return next((m for m in pool if m.kind == "key-message"), pool[0])


def _tips_title(bundle: ContentBundle) -> str:
    campaign = bundle.campaign
    return campaign.tagline or (bundle.theme.name if bundle.theme else campaign.name)


def _tips(bundle: ContentBundle, options: PosterOptions, title: str) -> tuple[Message, ...]:
    if options.messages:
        by_id = {m.id: m for m in bundle.messages}
        unknown = [i for i in options.messages if i not in by_id]
        if unknown:
            raise ExportError(
                f"messages {unknown} are not in campaign {bundle.campaign.slug!r}",
                field="messages",
            )
        return tuple(by_id[i] for i in options.messages)
    audience = options.audience or "general"
    pool = tuple(m for m in bundle.messages if m.audience == audience)
    # The key message that says the tagline again would only repeat the title.
    pool = tuple(m for m in pool if m.headline.casefold() != title.casefold()) or pool
    if not pool:
        raise ExportError(_no_messages(bundle, options, audience), field="audience")
    # Tips first: they are what the layout is for; then the rest in the bundle's order.
    ordered = sorted(pool, key=lambda m: m.kind != "tip")
    return tuple(ordered[: options.max_tips])


def _no_messages(bundle: ContentBundle, options: PosterOptions, audience: str | None = None) -> str:
    audience = audience or options.audience
    known = sorted({m.audience for m in bundle.messages})
    where = f" for audience {audience!r}" if audience else ""
    return f"campaign {bundle.campaign.slug!r} has no messages{where}; audiences: {known}"


def _qr_target(bundle: ContentBundle, options: PosterOptions, chosen: tuple[Message, ...]) -> str:
    if options.resource is not None:
        for r in bundle.resources:
            if r.id == options.resource:
                return r.url
        raise ExportError(
            f"resource {options.resource} is not in campaign {bundle.campaign.slug!r}",
            field="resource",
        )
    if options.layout == "headline" and chosen[0].link:
        return chosen[0].link
    audience = chosen[0].audience
    for r in bundle.resources:
        if audience in r.audiences:
            return r.url
    if bundle.campaign.url:
        return bundle.campaign.url
    raise ExportError(
        "nothing for the QR code to point to: the campaign has no URL and no resource "
        "matches; pass resource",
        field="resource",
    )


def _display_url(url: str) -> str:
    """What a reader types if they cannot scan: host and path, without tracking."""
    parts = urlsplit(url)
    host = parts.netloc.removeprefix("www.")
    return (host + parts.path).rstrip("/")


def _readable(background: str, candidates: tuple[str, ...]) -> str:
    """The first candidate with WCAG contrast >= 4.5 on ``background``, else the best."""
    for c in candidates:
        if contrast(c, background) >= AA_TEXT:
            return c
    return max(candidates, key=lambda c: contrast(c, background))
