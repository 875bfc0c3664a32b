"""/api/v1/campaigns: campaigns and their one-call bundle."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask.typing import ResponseReturnValue
from flask.views import MethodView

from sidcontent.api import caching
from sidcontent.api.blueprint import Blueprint
from sidcontent.api.errors import ApiError
from sidcontent.api.listing import (
    cache_key,
    detail_response,
    item_envelope,
    list_envelope,
    list_response,
    locale_header,
    visibility,
)
from sidcontent.api.negotiation import requested_locales
from sidcontent.api.params import CampaignListArgs, DetailArgs
from sidcontent.content import rendering, representation
from sidcontent.content.schemas import SLUG_RE, BundleSchema, CampaignSchema

blp = Blueprint("campaigns", __name__, url_prefix="/campaigns", description="Campaigns.")


@blp.route("")
class Campaigns(MethodView):
    @blp.arguments(CampaignListArgs(), location="query", as_kwargs=False)
    @blp.response(200, list_envelope(CampaignSchema))
    @blp.problems(400, 401)
    def get(self, args: dict[str, Any]) -> ResponseReturnValue:
        """List published campaigns."""
        return list_response(args, rendering.CAMPAIGN)


@blp.route("/<slug>")
class CampaignItem(MethodView):
    @blp.arguments(DetailArgs(), location="query", as_kwargs=False)
    @blp.response(200, item_envelope(CampaignSchema))
    @blp.problems(400, 401, 404)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """One campaign in the best available locale."""
        return detail_response(
            args,
            rendering.CAMPAIGN,
            slug if SLUG_RE.fullmatch(slug) else None,
            not_found=f"No campaign with slug {slug[:80]!r}.",
        )


# Moved to content so exporting can build bundles without the HTTP layer.
bundle_payload = representation.bundle


@blp.route("/<slug>/bundle")
class CampaignBundle(MethodView):
    @blp.arguments(DetailArgs(), location="query", as_kwargs=False)
    @blp.response(200, item_envelope(BundleSchema))
    @blp.problems(400, 401, 404)
    def get(self, args: dict[str, Any], slug: str) -> ResponseReturnValue:
        """A campaign with its theme, messages and resources, in one call."""
        args = dict(args)
        preview, private = visibility(args)
        requested = requested_locales(args.get("locale"))

        def build(now: datetime) -> caching.Rendered:
            renderer = caching.renderer(requested, now)
            found = SLUG_RE.fullmatch(slug)
            bundle = rendering.render_bundle(renderer, slug, preview) if found else None
            if bundle is None:
                raise ApiError(404, f"No campaign with slug {slug[:80]!r}.")
            return caching.Rendered(
                None,
                bundle.last_modified,
                locale_header([bundle.locale]),
                body=b'{"data":' + bundle.body + b"}",
            )

        return caching.respond(cache_key(requested, preview), build, private=private)
