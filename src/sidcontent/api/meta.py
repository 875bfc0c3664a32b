"""Service endpoints: health, readiness, the OpenAPI document and /docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson
import yaml
from flask import Flask, Response
from flask_swagger_ui import get_swaggerui_blueprint

from sidcontent.api import context
from sidcontent.api.errors import problem

if TYPE_CHECKING:
    from sidcontent.api import Api


def openapi_document(api: Api) -> dict[str, Any]:
    spec: dict[str, Any] = api.spec.to_dict()
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
