"""RFC 9457 problem details: the only way an error leaves the app."""

from __future__ import annotations

import logging
from typing import Any

import orjson
from flask import Response
from marshmallow import Schema, fields
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, InternalServerError

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://sidcontent.dev/problems/"

log = logging.getLogger("sidcontent")


class ProblemSchema(Schema):
    type = fields.String(metadata={"example": TYPE_BASE + "bad-request"})
    title = fields.String(metadata={"example": "Bad Request"})
    status = fields.Integer(metadata={"example": 400})
    detail = fields.String(metadata={"example": "limit: Must be between 1 and 100."})
    instance = fields.String()
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Messages per field (for 400 and 422)."},
    )

    def __deepcopy__(self, memo: dict[int, object]) -> ProblemSchema:
        # flask-smorest deep-copies a view's docs at each of its decorators,
        # and the decorator chain keeps every copy: with a problem response
        # documented per status per route that was 12 MB of identical
        # ProblemSchemas per worker. It is never changed once made, so one
        # instance serves every copy (openapi.yaml comes out the same).
        return self


# The one instance every documented problem response names: passing the class
# had flask-smorest make a ProblemSchema per status per route (1.5 MB a worker).
PROBLEM_SCHEMA = ProblemSchema()


def _slug(title: str) -> str:
    return "-".join(title.lower().replace("'", "").split())


def problem(
    status: int,
    detail: str | None = None,
    *,
    title: str | None = None,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
    type: str | None = None,
    **extra: Any,
) -> Response:
    """Build an ``application/problem+json`` response."""
    title = title or _title(status)
    body: dict[str, Any] = {
        "type": type or TYPE_BASE + _slug(title),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    body.update(extra)
    # Validation errors of list items are keyed by index (int): allow non-str keys.
    response = Response(
        orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS),
        status=status,
        mimetype=PROBLEM_MEDIA_TYPE,
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    response.headers["Cache-Control"] = "no-store"
    return response


def _title(status: int) -> str:
    from werkzeug.http import HTTP_STATUS_CODES

    return HTTP_STATUS_CODES.get(status, "Error")


class ApiError(HTTPException):
    """Raise from anywhere below a view to answer with a problem."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        errors: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        title: str | None = None,
    ) -> None:
        super().__init__(detail)
        self.code = status
        self.detail = detail
        self.errors = errors
        self.extra_headers = headers or {}
        self.title = title


def from_http_exception(exc: HTTPException) -> Response:
    """Turn any werkzeug/Flask/webargs HTTP error into a problem response."""
    status = exc.code or 500
    if isinstance(exc, ApiError):
        return problem(
            status, exc.detail, errors=exc.errors, headers=exc.extra_headers, title=exc.title
        )
    ready = getattr(exc, "response", None)  # e.g. the rate limiter's 429 problem
    if isinstance(ready, Response) and ready.mimetype == PROBLEM_MEDIA_TYPE:
        return ready
    # Keep the headers werkzeug computed (Allow on 405, WWW-Authenticate on 401).
    original = exc.get_response()
    headers = {
        k: v
        for k, v in original.headers.items()
        if k.lower() not in {"content-type", "content-length"}
    }
    errors = None
    detail = exc.description if status < 500 else None
    data = getattr(exc, "data", None)  # flask-smorest / webargs validation details
    if isinstance(data, dict) and "messages" in data:
        errors = _flatten_locations(data["messages"])
        detail = _summary(errors) or detail
    if status >= 500:
        detail = "The server could not complete the request. It has been logged."
    return problem(status, detail, errors=errors, headers=headers)


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    # webargs nests messages by location ({"query": {"limit": [...]}}); callers
    # care about the field, and the location is already clear from the method.
    flat: dict[str, Any] = {}
    for location, fields_ in messages.items():
        if isinstance(fields_, dict):
            flat.update(fields_)
        else:
            flat[location] = fields_
    return flat


def _summary(errors: dict[str, Any]) -> str:
    parts = []
    for field, messages in errors.items():
        text = messages
        while isinstance(text, (list, dict)) and text:
            text = text[0] if isinstance(text, list) else next(iter(text.values()))
        parts.append(f"{field}: {text}")
    return "; ".join(parts)


DATABASE_RETRY_AFTER = 5  # seconds: the pool reconnects as soon as the database is back


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached (down, restarting, pool exhausted, locked)."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError | sa_exc.TimeoutError)


def internal_error(exc: Exception) -> Response:
    if database_unavailable(exc):
        # The driver's message only: SQLAlchemy's own names the statement.
        original = getattr(exc, "orig", None) or exc
        log.error("database unavailable: %s", type(original).__name__)
        return problem(
            503,
            "The database is unavailable; try again shortly.",
            title="Service Unavailable",
            headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
        )
    log.exception("unhandled error", exc_info=exc)
    return from_http_exception(InternalServerError())
