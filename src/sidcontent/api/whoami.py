"""/api/v1/whoami: which token is calling, so a client can check its setup."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from sidcontent.api.auth import current_principal, require_role
from sidcontent.api.blueprint import Blueprint
from sidcontent.content.tokens import ROLES, Role

blp = Blueprint("whoami", __name__, url_prefix="/whoami", description="The calling token.")


class PrincipalSchema(Schema):
    name = fields.String(metadata={"example": "newsroom-editor"})
    role = fields.String(validate=validate.OneOf(ROLES))
    roles = fields.List(
        fields.String(validate=validate.OneOf(ROLES)),
        metadata={"description": "Every role this token holds (roles include lower ones)."},
    )


@blp.route("")
class WhoAmI(MethodView):
    @require_role(Role.marketer)
    @blp.response(200, Schema.from_dict({"data": fields.Nested(PrincipalSchema)}, name="WhoAmI"))
    @blp.problems(401)
    def get(self) -> Any:
        """The calling token's name and role (any valid token)."""
        principal = current_principal()
        assert principal is not None  # require_role let us in
        held = [role.name for role in Role if principal.can(role)]
        return (
            {"data": {"name": principal.name, "role": principal.role.name, "roles": held}},
            200,
            {"Cache-Control": "private, no-store"},
        )
