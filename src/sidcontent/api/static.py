"""JSON responses built per request, with a strong ETag and conditional GET."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson
from flask import Response, request

from sidcontent.api.caching import VARY


def json_response(
    payload: Any, *, status: int = 200, private: bool = False, headers: dict[str, str] | None = None
) -> Response:
    """``payload`` as JSON with ``ETag``; ``If-None-Match`` gives 304."""
    body = orjson.dumps(payload)
    response = Response(body, status=status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    if status == 200:
        response.set_etag(hashlib.sha256(body).hexdigest()[:32])
        response.headers["Cache-Control"] = f"{'private' if private else 'public'}, no-cache"
        response.headers["Vary"] = VARY
        response.make_conditional(request)
    else:
        response.headers["Cache-Control"] = "no-store"
    return response
