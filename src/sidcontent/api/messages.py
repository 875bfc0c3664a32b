"""/api/v1/messages: campaign messages per audience."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView

from sidcontent.api.blueprint import Blueprint
from sidcontent.api.listing import detail_response, item_envelope, list_envelope, list_response
from sidcontent.api.params import DetailArgs, MessageListArgs
from sidcontent.content import rendering
from sidcontent.content.schemas import MessageSchema

blp = Blueprint("messages", __name__, url_prefix="/messages", description="Campaign messages.")


@blp.route("")
class Messages(MethodView):
    @blp.arguments(MessageListArgs(), location="query", as_kwargs=False)
    @blp.response(200, list_envelope(MessageSchema))
    @blp.problems(400, 401)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """List published messages, filtered and paged."""
        return list_response(args, rendering.MESSAGE)


@blp.route("/<int(min=1, max=2147483647):message_id>")
class MessageItem(MethodView):
    @blp.arguments(DetailArgs(), location="query", as_kwargs=False)
    @blp.response(200, item_envelope(MessageSchema))
    @blp.problems(400, 401, 404)
    def get(self, args: dict[str, Any], message_id: int) -> ResponseReturnValue:
        """One message in the best available locale."""
        return detail_response(
            args, rendering.MESSAGE, message_id, not_found=f"No message with id {message_id}."
        )
