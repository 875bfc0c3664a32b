"""/api/v1/themes: yearly themes with their brand palettes."""

from __future__ import annotations

from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView

from sidcontent.api.blueprint import Blueprint
from sidcontent.api.listing import detail_response, item_envelope, list_envelope, list_response
from sidcontent.api.params import DetailArgs, ThemeListArgs
from sidcontent.content import rendering
from sidcontent.content.schemas import SLUG_RE, ThemeSchema

blp = Blueprint("themes", __name__, url_prefix="/themes", description="Themes and palettes.")


@blp.route("")
class Themes(MethodView):
    @blp.arguments(ThemeListArgs(), location="query", as_kwargs=False)
    @blp.response(200, list_envelope(ThemeSchema))
    @blp.problems(400, 401)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """List published themes."""
        return list_response(args, rendering.THEME)


@blp.route("/<slug>")
class ThemeItem(MethodView):
    @blp.arguments(DetailArgs(), location="query", as_kwargs=False)
    @blp.response(200, item_envelope(ThemeSchema))
    @blp.problems(400, 401, 404)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """One theme in the best available locale."""
        return detail_response(
            args,
            rendering.THEME,
            slug if SLUG_RE.fullmatch(slug) else None,
            not_found=f"No theme with slug {slug[:80]!r}.",
        )
