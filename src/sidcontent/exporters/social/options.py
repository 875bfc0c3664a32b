"""The social exporter's options, as a marshmallow schema.

``/exporters`` publishes this schema as JSON Schema, so the descriptions
here are the options' documentation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate

from sidcontent.exporters import fallback
from sidcontent.exporting import ExportError

from .schedulers import DATE_FORMATS, SCHEDULERS
from .text import HASHTAG_NAME

MODES = ("thread", "shorten")
IMAGE_SIZES = {"card": (1200, 630), "square": (1080, 1080)}
_NAME = r"^[a-z0-9][a-z0-9_-]{0,39}$"


class SocialOptionsSchema(Schema):
    platforms = fields.List(
        fields.String(validate=validate.Regexp(_NAME, error="Not a platform name.")),
        validate=validate.Length(min=1, max=50),
        load_default=None,
        metadata={
            "description": "Platforms to write posts for, by name (see the platform list in "
            "the JSON output). Default: every registered platform.",
            "example": ["x", "mastodon", "bluesky"],
        },
    )
    messages = fields.List(
        fields.Integer(strict=True, validate=validate.Range(min=1)),
        validate=validate.Length(min=1, max=1000),
        load_default=None,
        metadata={
            "description": "Message ids to export, in the bundle's order. Default: all. "
            "image/png renders exactly one message."
        },
    )
    mode = fields.String(
        validate=validate.OneOf(MODES),
        load_default="thread",
        metadata={
            "description": "What to do with a text over the limit: 'thread' splits it into "
            "numbered parts at sentence, then word boundaries; 'shorten' drops "
            "hashtags (last first), the call to action, then body sentences (last "
            "first), then the first hashtag. Platforms without threads always shorten."
        },
    )
    utm = fields.Boolean(
        load_default=True,
        metadata={
            "description": "Add utm_source=<platform>, utm_medium=social and "
            "utm_campaign=<campaign slug> to the message's link."
        },
    )
    hashtags = fields.List(
        fields.String(
            validate=[
                validate.Length(min=1, max=100),
                validate.Regexp(
                    # A `regex` pattern (for \p{L}); Regexp only calls its .match().
                    HASHTAG_NAME,  # type: ignore[arg-type]
                    error="A hashtag is letters, digits and _, with a letter, no '#'.",
                ),
            ]
        ),
        validate=validate.Length(max=30),
        load_default=list,
        metadata={
            "description": "Extra hashtags (without '#'), after the campaign's and the "
            "message's; duplicates are dropped case-insensitively."
        },
    )
    image_sizes = fields.List(
        fields.String(validate=validate.OneOf(tuple(IMAGE_SIZES))),
        validate=validate.Length(min=1, max=len(IMAGE_SIZES)),
        load_default=None,
        metadata={
            "description": "Share images: 'card' is 1200x630 (link cards), 'square' "
            "1080x1080. image/png renders one size (default 'card'); application/zip "
            "adds every listed size for every message (default both)."
        },
    )
    limits = fields.Dict(
        keys=fields.String(validate=validate.Regexp(_NAME, error="Not a platform name.")),
        values=fields.Integer(strict=True, validate=validate.Range(min=1, max=1_000_000)),
        load_default=dict,
        metadata={
            "description": "Per-platform character limits. Any limit may be lowered; only "
            "a platform whose limit differs per server (Mastodon) may be raised.",
            "example": {"mastodon": 1000},
        },
    )
    fallback = fallback.option_field()
    scheduler = fields.String(
        validate=validate.OneOf(SCHEDULERS),
        load_default=None,
        metadata={
            "description": "Write the bulk-upload file of a scheduler instead of the generic "
            "CSV: 'hootsuite' (no header; date, message, link), 'buffer' (Text, Image URL, "
            "Tags, Posting Time) or 'sprout' (date, time_24hr, message_text, link). One file "
            "per network and at most 350 rows a file: text/csv when that is one file, else "
            "ask for application/zip. Texts are shortened to one post (no threads).",
        },
    )
    start = fields.String(
        validate=validate.Regexp(
            r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}$", error="Use YYYY-MM-DDTHH:MM (local time)."
        ),
        load_default=None,
        metadata={
            "description": "Scheduler files: the first post's time, local to the scheduling "
            "account (YYYY-MM-DDTHH:MM). Default: the campaign day at 08:00. Posts follow at "
            "least 10 minutes apart, on 5-minute marks.",
            "example": "2027-02-09T08:00",
        },
    )
    date_format = fields.String(
        validate=validate.OneOf(tuple(DATE_FORMATS)),
        load_default="day-first",
        metadata={
            "description": "Hootsuite and Sprout dates: 'day-first' (dd/mm/yyyy) or "
            "'month-first' (mm/dd/yyyy), as chosen in the scheduler's upload settings."
        },
    )
    link_in_bio = fields.String(
        validate=validate.Length(min=1, max=100),
        load_default=None,
        metadata={
            "description": "The line that replaces the link where links are not clickable "
            "(Instagram). Default: 'Link in bio' in the message's language."
        },
    )


def load(options: Mapping[str, Any]) -> dict[str, Any]:
    """Validate options (idempotent: validated options load to themselves)."""
    try:
        loaded: dict[str, Any] = SocialOptionsSchema().load(dict(options))
        return loaded
    except ValidationError as exc:
        # A schema's errors are always keyed by field (what normalized_messages
        # would give), and .messages is typed.
        messages = exc.messages
        name = next(iter(messages), None) if isinstance(messages, dict) else None
        raise ExportError(f"invalid options: {messages}", field=name) from None
