"""/api/v1/webhooks: endpoints, their delivery log and redelivery (admin)."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask.views import MethodView
from marshmallow import RAISE, Schema, fields, validate

from sidcontent.api import context
from sidcontent.api.auth import require_role
from sidcontent.api.blueprint import Blueprint
from sidcontent.api.errors import ApiError
from sidcontent.api.listing import MetaSchema, cursor_position, next_link, next_page
from sidcontent.api.params import PageArgs
from sidcontent.api.static import json_response
from sidcontent.content.events import EVENT_TYPES
from sidcontent.content.models import utcnow
from sidcontent.content.tokens import Role
from sidcontent.webhooks import endpoints
from sidcontent.webhooks.models import WebhookEndpoint

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/webhooks",
    description="Standard Webhooks endpoints: signed, retried event deliveries (admin).",
)
ID = "<endpoint_id>"


class WebhookSchema(Schema):
    id = fields.String(metadata={"example": "wh_3f2a9c0d1e4b5a6978c1"})
    url = fields.String()
    description = fields.String()
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENT_TYPES)),
        metadata={"description": "Event types sent to it; empty: every type."},
    )
    enabled = fields.Boolean()
    disabled_reason = fields.String(
        allow_none=True, metadata={"description": "Why it was switched off (410 Gone...)."}
    )
    created_at = fields.AwareDateTime()
    updated_at = fields.AwareDateTime()


class WebhookWithSecretSchema(WebhookSchema):
    secret = fields.String(
        metadata={
            "description": "The signing secret (whsec_...). Shown only in this answer.",
            "example": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        }
    )


class WebhookWriteSchema(Schema):
    class Meta:
        unknown = RAISE

    url = fields.String(required=True, validate=validate.Length(min=1, max=2048))
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)), load_default=list)
    description = fields.String(load_default="", validate=validate.Length(max=200))
    enabled = fields.Boolean(load_default=True)


class WebhookPatchSchema(Schema):
    class Meta:
        unknown = RAISE

    url = fields.String(validate=validate.Length(min=1, max=2048))
    events = fields.List(fields.String(validate=validate.OneOf(EVENT_TYPES)))
    description = fields.String(validate=validate.Length(max=200))
    enabled = fields.Boolean()


class AttemptSchema(Schema):
    at = fields.AwareDateTime()
    status_code = fields.Integer(allow_none=True)
    latency_ms = fields.Float()
    response_excerpt = fields.String(allow_none=True)
    error = fields.String(allow_none=True)


class DeliverySchema(Schema):
    id = fields.Integer()
    event_id = fields.String(metadata={"description": "Sent as webhook-id on every attempt."})
    event_type = fields.String()
    status = fields.String(metadata={"description": "pending, succeeded or failed (gave up)."})
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)
    log = fields.List(fields.Nested(AttemptSchema))


def _one(schema: type[Schema], name: str) -> type[Schema]:
    return Schema.from_dict({"data": fields.Nested(schema)}, name=name)


WebhookItem = _one(WebhookSchema, "WebhookItemSchema")
WebhookSecretItem = _one(WebhookWithSecretSchema, "WebhookSecretItemSchema")
WebhookList = Schema.from_dict(
    {"data": fields.List(fields.Nested(WebhookSchema))}, name="WebhookListSchema"
)
DeliveryList = Schema.from_dict(
    {"data": fields.List(fields.Nested(DeliverySchema)), "meta": fields.Nested(MetaSchema)},
    name="DeliveryListSchema",
)


def _found(endpoint_id: str) -> WebhookEndpoint:
    endpoint = endpoints.get(context.session(), endpoint_id)
    if endpoint is None:
        raise ApiError(404, f"No webhook {endpoint_id!r}.")
    return endpoint


def _invalid(exc: endpoints.EndpointError) -> ApiError:
    context.session().rollback()
    return ApiError(422, str(exc), errors=dict(exc.errors))


def _nudge() -> None:
    current_app.extensions["sidcontent.webhooks"].nudge()


def _private(payload: Any, status: int = 200) -> Response:
    response = json_response(payload, status=status, private=True)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("")
class Webhooks(MethodView):
    @require_role(Role.admin)
    @blp.response(200, WebhookList)
    @blp.problems(401, 403)
    def get(self) -> Response:
        """Every endpoint (never their secrets). Needs admin."""
        rows = endpoints.listing(context.session())
        return _private(WebhookList().dump({"data": [endpoints.describe(e) for e in rows]}))

    @require_role(Role.admin)
    @blp.arguments(WebhookWriteSchema, location="json", as_kwargs=False)
    @blp.response(201, WebhookSecretItem)
    @blp.problems(400, 401, 403, 415, 422)
    def post(self, body: dict[str, Any]) -> Response:
        """Add an endpoint; the answer holds its secret, shown only this once. Needs admin."""
        session = context.session()
        try:
            endpoint = endpoints.create(
                session, body["url"], body["events"], body["description"], body["enabled"], utcnow()
            )
        except endpoints.EndpointError as exc:
            raise _invalid(exc) from None
        payload = WebhookSecretItem().dump({"data": endpoints.describe(endpoint, secret=True)})
        session.commit()
        _nudge()
        return _private(payload, 201)


@blp.route(f"/{ID}")
class WebhookItemView(MethodView):
    @require_role(Role.admin)
    @blp.response(200, WebhookItem)
    @blp.problems(401, 403, 404)
    def get(self, endpoint_id: str) -> Response:
        """One endpoint. Needs admin."""
        return _private(WebhookItem().dump({"data": endpoints.describe(_found(endpoint_id))}))

    @require_role(Role.admin)
    @blp.arguments(WebhookPatchSchema, location="json", as_kwargs=False)
    @blp.response(200, WebhookItem)
    @blp.problems(400, 401, 403, 404, 415, 422)
    def patch(self, body: dict[str, Any], endpoint_id: str) -> Response:
        """Change url, events, description or enabled. Needs admin."""
        endpoint = _found(endpoint_id)
        try:
            endpoints.change(context.session(), endpoint, body, utcnow())
        except endpoints.EndpointError as exc:
            raise _invalid(exc) from None
        payload = WebhookItem().dump({"data": endpoints.describe(endpoint)})
        context.session().commit()
        _nudge()
        return _private(payload)

    @require_role(Role.admin)
    @blp.response(204)
    @blp.problems(401, 403, 404)
    def delete(self, endpoint_id: str) -> Response:
        """Delete an endpoint and its delivery log. Needs admin."""
        session = context.session()
        session.delete(_found(endpoint_id))
        session.commit()
        return Response(status=204, headers={"Cache-Control": "no-store"})


@blp.route(f"/{ID}/rotate")
class Rotate(MethodView):
    @require_role(Role.admin)
    @blp.response(200, WebhookSecretItem)
    @blp.problems(401, 403, 404)
    def post(self, endpoint_id: str) -> Response:
        """A new secret, shown once; the old one keeps signing beside it for 24 hours."""
        session = context.session()
        endpoint = _found(endpoint_id)
        endpoints.rotate(session, endpoint, utcnow())
        payload = WebhookSecretItem().dump({"data": endpoints.describe(endpoint, secret=True)})
        session.commit()
        return _private(payload)


@blp.route(f"/{ID}/deliveries")
class Deliveries(MethodView):
    @require_role(Role.admin)
    @blp.arguments(PageArgs(), location="query", as_kwargs=False)
    @blp.response(200, DeliveryList)
    @blp.problems(400, 401, 403, 404)
    def get(self, args: dict[str, Any], endpoint_id: str) -> Response:
        """The delivery log, newest first: each attempt's status, latency, response."""
        endpoint = _found(endpoint_id)
        limit = args["limit"]
        before = cursor_position(args.get("cursor"), "id", {"endpoint": endpoint_id})
        rows = endpoints.deliveries(context.session(), endpoint, before, limit + 1)
        page, more = rows[:limit], len(rows) > limit
        cursor = next_page(page[-1].id, "id", {"endpoint": endpoint_id}) if more else None
        payload = DeliveryList().dump(
            {
                "data": [endpoints.describe_delivery(r) for r in page],
                "meta": {"limit": limit, "next_cursor": cursor},
            }
        )
        response = _private(payload)
        if cursor:
            response.headers["Link"] = next_link(cursor)
        return response


@blp.route(f"/{ID}/deliveries/<int(min=1, max=2147483647):delivery_id>/redeliver")
class Redeliver(MethodView):
    @require_role(Role.admin)
    @blp.response(202)
    @blp.problems(401, 403, 404)
    def post(self, endpoint_id: str, delivery_id: int) -> Response:
        """Send a delivery again now (same webhook-id). Needs admin."""
        session = context.session()
        if not endpoints.redeliver(session, _found(endpoint_id), delivery_id, utcnow()):
            raise ApiError(404, f"No delivery {delivery_id} for webhook {endpoint_id!r}.")
        session.commit()
        _nudge()
        return Response(status=202, headers={"Cache-Control": "no-store"})
