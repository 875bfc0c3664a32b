"""The poster's options: a marshmallow schema (``/exporters`` publishes it as JSON Schema)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from sidcontent.exporters import fallback
from sidcontent.exporters.poster.pages import ORIENTATIONS, PAGE_SIZES

LAYOUTS = ("headline", "tips")


class PosterOptionsSchema(Schema):
    size = fields.String(
        load_default="A4",
        validate=validate.OneOf(tuple(PAGE_SIZES)),
        metadata={"description": "Sheet size: A4, A3, A2, letter (US Letter) or tabloid."},
    )
    orientation = fields.String(load_default="portrait", validate=validate.OneOf(ORIENTATIONS))
    bleed = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Add bleed (3 mm; 0.125 in for letter and tabloid), crop marks, "
            "and a BleedBox larger than the TrimBox, as print shops ask."
        },
    )
    crop_marks = fields.Boolean(
        load_default=True, metadata={"description": "Draw crop marks when bleed is on."}
    )
    layout = fields.String(
        load_default="headline",
        validate=validate.OneOf(LAYOUTS),
        metadata={
            "description": "headline: one message, large. tips: several messages for one "
            "audience, numbered."
        },
    )
    message = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={"description": "Message id for the headline layout (default: a key message)."},
    )
    messages = fields.List(
        fields.Integer(validate=validate.Range(min=1)),
        load_default=None,
        validate=validate.Length(min=1, max=8),
        metadata={"description": "Message ids for the tips layout, in order."},
    )
    audience = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "Audience whose messages to use (e.g. parents-carers)."},
    )
    max_tips = fields.Integer(load_default=5, validate=validate.Range(min=1, max=8))
    resource = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1),
        metadata={
            "description": "Resource id the QR code points to (default: the message's "
            "link, a resource for the audience, or the campaign URL)."
        },
    )
    partner = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=80),
        metadata={"description": 'Co-branding: prints "Supported by <partner>".'},
    )
    fallback = fallback.option_field()
    print_standard = fields.String(
        load_default=None,
        validate=validate.OneOf(("none", "pdf/x-4", "pdf/x-1a")),
        metadata={
            "description": "none (screen, RGB), pdf/x-4 or pdf/x-1a (print shops: CMYK with "
            "an output intent and embedded ICC profile). Default: pdf/x-4 with bleed, "
            "none without."
        },
    )
    preview_width = fields.Integer(
        load_default=1000,
        validate=validate.Range(min=100, max=4000),
        metadata={"description": "Width in pixels of the image/png preview (trim area)."},
    )

    @validates_schema
    def _one_way_to_choose(self, data: Mapping[str, Any], **_: Any) -> None:
        if data.get("layout") == "headline" and data.get("messages"):
            raise ValidationError("use message (one id) with the headline layout", "messages")
        if data.get("layout") == "tips" and data.get("message"):
            raise ValidationError("use messages (a list of ids) with the tips layout", "message")


@dataclass(frozen=True)
class PosterOptions:
    size: str = "A4"
    orientation: str = "portrait"
    bleed: bool = False
    crop_marks: bool = True
    layout: str = "headline"
    message: int | None = None
    messages: tuple[int, ...] | None = None
    audience: str | None = None
    max_tips: int = 5
    resource: int | None = None
    partner: str | None = None
    print_standard: str | None = None
    preview_width: int = 1000
    fallback: str = fallback.DEFAULT

    @property
    def standard(self) -> str:
        """The print standard in force: the one asked for, else PDF/X-4 with bleed."""
        if self.print_standard:
            return self.print_standard
        return "pdf/x-4" if self.bleed else "none"

    @classmethod
    def from_mapping(cls, options: Mapping[str, Any]) -> PosterOptions:
        """Options as the schema loaded them; missing keys take the schema's defaults."""
        loaded = PosterOptionsSchema().load({k: v for k, v in options.items() if v is not None})
        messages = loaded.get("messages")
        return cls(**{**loaded, "messages": tuple(messages) if messages else None})
