"""CORS: anyone's browser may read published content; tokens only from
the origins in ``SIDCONTENT_CORS_ORIGINS``."""

from __future__ import annotations

from flask import Flask, Response, current_app, request

ALLOWED_METHODS = "GET, HEAD, POST, PATCH, PUT, DELETE, OPTIONS"
ALLOWED_HEADERS = "Accept, Accept-Language, Authorization, Content-Type, If-Match, If-None-Match"
EXPOSED_HEADERS = "ETag, Last-Modified, Link, Content-Language, Location"


def _trusted(origin: str) -> bool:
    return origin in current_app.config["CORS_ORIGINS"]


def _apply(response: Response) -> Response:
    origin = request.environ.get("HTTP_ORIGIN")  # the environ: this runs on every answer
    if not origin or not request.path.startswith("/api/"):
        return response
    if request.method == "OPTIONS":
        wants_auth = (
            "authorization" in request.headers.get("Access-Control-Request-Headers", "").lower()
        )
        wanted_method = request.headers.get("Access-Control-Request-Method", "GET").upper()
        anonymous_read = not wants_auth and wanted_method in {"GET", "HEAD"}
        if anonymous_read or _trusted(origin):
            response.headers["Access-Control-Allow-Origin"] = "*" if anonymous_read else origin
            response.headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    elif "Authorization" not in request.headers and request.method in {"GET", "HEAD"}:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    elif _trusted(origin):
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    response.vary.add("Origin")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_apply)
