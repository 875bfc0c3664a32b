"""/api/v1/plugins: what is loaded, from where, and what failed.

The shape is a public contract plugin test suites assert on (like
datasette's ``/-/plugins.json``): add fields, never rename them.
"""

from __future__ import annotations

from flask import current_app
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from marshmallow import Schema, fields

from sidcontent.api.blueprint import Blueprint
from sidcontent.api.static import json_response
from sidcontent.plugins import PluginHost

blp = Blueprint("plugins", __name__, url_prefix="/plugins", description="Installed plugins.")


class PluginSettingSchema(Schema):
    """A setting a plugin declares; its value is never shown."""

    key = fields.String(metadata={"example": "feed_dir"})
    env = fields.String(
        metadata={
            "description": "The environment variable that sets it.",
            "example": "SIDCONTENT_PLUGIN_SIDCONTENT_CALENDAR_FEED_DIR",
        }
    )
    type = fields.String(
        metadata={"description": "str, int, float, bool, list or path", "example": "path"}
    )
    required = fields.Boolean(metadata={"description": "The plugin fails to load without it."})
    description = fields.String()


class PluginSchema(Schema):
    name = fields.String(metadata={"example": "sidcontent-calendar"})
    version = fields.String(allow_none=True, metadata={"example": "0.1.0"})
    source = fields.String(
        metadata={
            "description": "builtin, entry-point (installed with pip) or plugins-dir",
            "example": "entry-point",
        }
    )
    status = fields.String(
        metadata={"description": "loaded, disabled or failed", "example": "loaded"}
    )
    error = fields.String(
        allow_none=True, metadata={"description": "Why a failed plugin failed (no traceback)."}
    )
    hooks = fields.List(fields.String(), metadata={"example": ["register_exporters"]})
    exporters = fields.List(fields.String(), metadata={"example": ["calendar"]})
    social_platforms = fields.List(fields.String())
    settings = fields.List(
        fields.Nested(PluginSettingSchema),
        metadata={"description": "Settings the plugin declares (names and types, never values)."},
    )


PluginListSchema = Schema.from_dict(
    {"data": fields.List(fields.Nested(PluginSchema))}, name="PluginListSchema"
)


@blp.route("")
class Plugins(MethodView):
    @blp.response(200, PluginListSchema)
    def get(self) -> ResponseReturnValue:
        """Every plugin found: loaded, disabled by configuration, or failed."""
        host: PluginHost = current_app.extensions["sidcontent.plugins"]
        return json_response({"data": [i.payload() for i in host.plugins.values()]})
