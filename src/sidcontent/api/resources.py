"""/api/v1/resources: resources linked from campaigns."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView

from sidcontent.api.blueprint import Blueprint
from sidcontent.api.listing import detail_response, item_envelope, list_envelope, list_response
from sidcontent.api.params import DetailArgs, ResourceListArgs
from sidcontent.content import rendering
from sidcontent.content.schemas import ResourceSchema

blp = Blueprint("resources", __name__, url_prefix="/resources", description="Campaign resources.")


@blp.route("")
class Resources(MethodView):
    @blp.arguments(ResourceListArgs(), location="query", as_kwargs=False)
    @blp.response(200, list_envelope(ResourceSchema))
    @blp.problems(400, 401)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """List published resources, filtered and paged."""
        return list_response(args, rendering.RESOURCE)


@blp.route("/<int(min=1, max=2147483647):resource_id>")
class ResourceItem(MethodView):
    @blp.arguments(DetailArgs(), location="query", as_kwargs=False)
    @blp.response(200, item_envelope(ResourceSchema))
    @blp.problems(400, 401, 404)
    def get(self, args: dict[str, Any], resource_id: int) -> ResponseReturnValue:
        """One resource in the best available locale."""
        return detail_response(
            args, rendering.RESOURCE, resource_id, not_found=f"No resource with id {resource_id}."
        )
