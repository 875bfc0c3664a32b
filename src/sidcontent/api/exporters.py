"""/api/v1/exporters: what can be exported, in which formats, with which options."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.typing import ResponseReturnValue
from flask.views import MethodView
from marshmallow import Schema, fields

from sidcontent.api.blueprint import Blueprint
from sidcontent.api.params import StrictArgs as NoArgs
from sidcontent.api.static import json_response
from sidcontent.exporting import options_json_schema
from sidcontent.plugins import PluginHost, Registered

blp = Blueprint(
    "exporters", __name__, url_prefix="/exporters", description="Exporters and their options."
)


class ExporterSchema(Schema):
    name = fields.String(metadata={"example": "calendar"})
    title = fields.String(metadata={"example": "Calendar (iCalendar)"})
    description = fields.String()
    media_types = fields.List(
        fields.String(),
        metadata={"description": "The first is the default.", "example": ["text/calendar"]},
    )
    plugin = fields.String(metadata={"example": "sidcontent-calendar"})
    plugin_version = fields.String(allow_none=True)
    options = fields.Dict(
        metadata={"description": "The options as JSON Schema (2020-12); send them as `options`."}
    )


ExporterListSchema = Schema.from_dict(
    {"data": fields.List(fields.Nested(ExporterSchema))}, name="ExporterListSchema"
)


def exporter_payload(registered: Registered) -> dict[str, Any]:
    item = registered.item
    return {
        "name": item.name,
        "title": item.title,
        "description": item.description,
        "media_types": list(item.media_types),
        "plugin": registered.plugin,
        "plugin_version": registered.plugin_version,
        "options": options_json_schema(item.options_schema),
    }


@blp.route("")
class Exporters(MethodView):
    @blp.arguments(NoArgs, location="query", as_kwargs=True)
    @blp.response(200, ExporterListSchema)
    @blp.problems(400)
    def get(self) -> ResponseReturnValue:
        """Every exporter, the plugin that provides it, and its options' JSON Schema."""
        host: PluginHost = current_app.extensions["sidcontent.plugins"]
        exporters = sorted(host.exporters.values(), key=lambda r: r.item.name)
        return json_response({"data": [exporter_payload(r) for r in exporters]})
