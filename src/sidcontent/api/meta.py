"""Service endpoints: health, readiness, the OpenAPI document and /docs."""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

import orjson
import yaml
from flask import Flask, Response
from flask_swagger_ui import get_swaggerui_blueprint

from sidcontent.api import context
from sidcontent.api.errors import PROBLEM_MEDIA_TYPE, problem
from sidcontent.exporting import base_media_type
from sidcontent.plugins import PluginHost

if TYPE_CHECKING:
    from sidcontent.api import Api


METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ARTIFACT_PATH = "/api/v1/exports/{export_id}/artifact"
# Answers any operation may give besides its own: the database down (503),
# and 429 to a token from an address over the failed-authentication limit.
_SHARED = {
    "429": "Too many requests (Retry-After and RateLimit-* say when to retry).",
    "503": "The database is unavailable (Retry-After says when to retry).",
}
_NO_DATABASE = {"/healthz", "/api/v1/openapi.json", "/api/v1/openapi.yaml"}


def operation_id(method: str, path: str) -> str:
    """``get``, ``/api/v1/messages/{message_id}/revisions`` -> getMessagesByMessageIdRevisions."""
    words = []
    for segment in path.removeprefix("/api/v1").strip("/").split("/"):
        if segment.startswith("{"):
            words.append("By")
            segment = segment.strip("{}")
        words.extend(part.capitalize() for part in segment.replace("-", "_").split("_"))
    return method + "".join(words)


def _problem_response(description: str) -> dict[str, Any]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}}}


def _finish(spec: dict[str, Any], media_types: list[str]) -> None:
    """What the schemas cannot say: ids, security and shared answers per operation."""
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation.setdefault("operationId", operation_id(method, path))
            operation.setdefault("security", [])  # public: no token needed
            responses = operation.setdefault("responses", {})
            for status, description in _SHARED.items():
                if status == "503" and path in _NO_DATABASE:
                    continue
                responses.setdefault(status, _problem_response(description))
    artifact = spec.get("paths", {}).get(ARTIFACT_PATH, {}).get("get")
    if artifact is not None and media_types:
        ok = artifact["responses"]["200"]
        binary = {"schema": {"type": "string", "format": "binary"}}
        ok["content"] = {media_type: dict(binary) for media_type in media_types}
    # flask-smorest registers its pagination schema; our lists page by cursor.
    spec.get("components", {}).get("schemas", {}).pop("PaginationMetadata", None)


def artifact_media_types(host: PluginHost) -> list[str]:
    """Every media type a loaded exporter declares, parameters dropped."""
    found = {
        base_media_type(media_type)
        for registered in host.exporters.values()
        for media_type in registered.item.media_types
    }
    return sorted(found)


def openapi_document(api: Api) -> dict[str, Any]:
    spec: dict[str, Any] = copy.deepcopy(api.spec.to_dict())
    host: PluginHost = api._app.extensions["sidcontent.plugins"]
    _finish(spec, artifact_media_types(host))
    # Readers expect the version and info first, as in every published spec.
    first = ("openapi", "info", "servers", "tags", "paths")
    return {**{k: spec[k] for k in first if k in spec}, **spec}


def openapi_yaml(api: Api) -> str:
    text: str = yaml.safe_dump(
        openapi_document(api), sort_keys=False, allow_unicode=True, width=100
    )
    return text


def init_app(app: Flask, api: Api) -> None:
    from sidcontent.api import API_PREFIX

    @app.get("/healthz")
    def healthz() -> Response:
        """Liveness: the process answers."""
        return Response(
            b'{"status":"ok"}', mimetype="application/json", headers={"Cache-Control": "no-store"}
        )

    @app.get("/readyz")
    def readyz() -> Response:
        """Readiness: the database answers and is migrated."""
        db = context.database()
        try:
            db.ping()
            current, head = db.current_revision(), db.head_revision()
        except Exception as exc:  # any driver error means "not ready"
            app.logger.warning("readiness check failed: %s", exc)
            return problem(503, "The database is not reachable.")
        if current != head:
            return problem(
                503,
                f"The database is at migration {current}, not {head}; run `sidcontent db upgrade`.",
            )
        body = {"status": "ready", "database": db.engine.dialect.name, "migration": current}
        return Response(
            orjson.dumps(body), mimetype="application/json", headers={"Cache-Control": "no-store"}
        )

    @app.get(f"{API_PREFIX}/openapi.json")
    def openapi_json() -> Response:
        return Response(orjson.dumps(openapi_document(api)), mimetype="application/json")

    @app.get(f"{API_PREFIX}/openapi.yaml")
    def openapi_yaml_route() -> Response:
        return Response(openapi_yaml(api), mimetype="application/yaml")

    # Swagger UI with its assets served from the installed package: no CDN,
    # so /docs works offline and under a strict CSP.
    app.register_blueprint(
        get_swaggerui_blueprint(
            "/docs", f"{API_PREFIX}/openapi.json", config={"app_name": "sidcontent API"}
        )
    )
