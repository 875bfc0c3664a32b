"""The newsletter exporter's options (published as JSON Schema by ``/exporters``)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from sidcontent.exporters import fallback

LAYOUTS = ("digest", "spotlight")
MERGE_TAGS = ("none", "mailchimp", "django")
# Gmail clips a message whose HTML is over about 102 KB; counted in bytes of
# UTF-8 and rounded down, so the warning comes slightly early, never late.
CLIP_LIMIT_BYTES = 102_000

_TOKEN = validate.Regexp(
    r"^[A-Za-z0-9._-]{1,64}$", error="Use 1-64 letters, digits, '.', '_' or '-'."
)
# A merge field is pasted into a template language: letters, digits, '_' and '.' only.
_MERGE_FIELD = validate.Regexp(
    r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$",
    error="Use a name like FNAME or subscriber.metadata.first_name.",
)


# The audiences content is written for, in the order a digest lists them (the
# content model's values: exporters do not import the ORM). Here rather than in
# .strings, so the options load without Babel in processes that only serve reads.
AUDIENCES: tuple[str, ...] = (
    "general",
    "parents-carers",
    "educators",
    "ages-3-7",
    "ages-7-11",
    "ages-11-14",
    "ages-14-18",
)


class NewsletterOptions(Schema):
    layout = fields.String(
        load_default="digest",
        validate=validate.OneOf(LAYOUTS),
        metadata={
            "description": "digest: messages and resources grouped by audience; "
            "spotlight: one message with its resources."
        },
    )
    audiences = fields.List(
        fields.String(validate=validate.OneOf(AUDIENCES)),
        load_default=list,
        validate=validate.Length(max=len(AUDIENCES)),
        metadata={
            "description": "Only these audiences, in this order (e.g. "
            "['parents-carers'] for a parents' edition). Default: all."
        },
    )
    include_general = fields.Boolean(
        load_default=True,
        metadata={"description": "Add the campaign-wide ('general') content to an edition."},
    )
    message = fields.Integer(
        load_default=None,
        allow_none=True,
        strict=True,
        metadata={"description": "Spotlight: the message id. Default: the first key message."},
    )
    max_messages = fields.Integer(
        load_default=3,
        strict=True,
        validate=validate.Range(1, 50),
        metadata={"description": "Messages per audience section."},
    )
    max_resources = fields.Integer(
        load_default=3,
        strict=True,
        validate=validate.Range(0, 50),
        metadata={"description": "Resources per audience section (spotlight: in all)."},
    )
    subject = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    preheader = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 200))
    greeting = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 80),
        metadata={
            "description": "The greeting's word, e.g. 'Liebe Eltern'. Default: 'Hello' "
            "in the content's language."
        },
    )
    merge_tags = fields.String(
        load_default="none",
        validate=validate.OneOf(MERGE_TAGS),
        metadata={
            "description": "Personalise the greeting: mailchimp *|FNAME|*, django "
            "{{ subscriber.metadata.first_name }} (Buttondown and the like), or none."
        },
    )
    merge_field = fields.String(
        load_default=None,
        allow_none=True,
        validate=_MERGE_FIELD,
        metadata={
            "description": "The merge field's name. Default: FNAME (mailchimp), "
            "subscriber.metadata.first_name (django)."
        },
    )
    tracking = fields.Boolean(
        load_default=True, metadata={"description": "Add utm_* parameters to every link."}
    )
    utm_source = fields.String(load_default="sidcontent", validate=_TOKEN)
    utm_campaign = fields.String(
        load_default=None,
        allow_none=True,
        validate=_TOKEN,
        metadata={"description": "Default: the campaign's slug."},
    )
    image_url = fields.Url(
        load_default=None,
        allow_none=True,
        schemes={"http", "https"},
        metadata={"description": "A header image, at most 600 px wide; needs image_alt."},
    )
    image_alt = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 300))
    fallback = fallback.option_field()
    fail_if_clipped = fields.Boolean(
        load_default=False,
        metadata={
            "description": f"Fail instead of warning when the HTML is over "
            f"{CLIP_LIMIT_BYTES} bytes, where Gmail clips it."
        },
    )
    from_name = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(1, 100),
        metadata={"description": "message/rfc822: the sender's name. Default: the campaign."},
    )
    from_address = fields.Email(load_default="newsletter@example.org")
    to_address = fields.Email(load_default="preview@example.org")

    @validates_schema
    def _image_needs_alt(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data.get("image_url") and not (data.get("image_alt") or "").strip():
            raise ValidationError("An image needs alt text.", field_name="image_alt")
        if data.get("message") is not None and data.get("layout") != "spotlight":
            raise ValidationError("Only the spotlight layout takes a message.", "message")
