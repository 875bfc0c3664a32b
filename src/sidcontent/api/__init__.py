"""The HTTP layer: flask-smorest Api, blueprints, errors, caching."""

from __future__ import annotations

import http
from typing import Any

import flask_smorest
from flask import Flask
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from sidcontent import __version__
from sidcontent.api import caching, errors

API_PREFIX = "/api/v1"


class Api(flask_smorest.Api):  # type: ignore[misc]
    """flask-smorest's Api with RFC 9457 problem responses everywhere."""

    def handle_http_exception(self, error: HTTPException) -> Any:
        return errors.from_http_exception(error)

    ERROR_SCHEMA = errors.ProblemSchema

    def _register_responses(self) -> None:
        # flask-smorest documents errors as application/json in its own shape;
        # ours leave as application/problem+json (RFC 9457).
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, errors.PROBLEM_MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Error (RFC 9457 problem details)", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, errors.PROBLEM_MEDIA_TYPE)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)


def spec_settings() -> dict[str, Any]:
    return {
        "API_TITLE": "sidcontent",
        "API_VERSION": __version__,
        "OPENAPI_VERSION": "3.0.3",
        "API_SPEC_OPTIONS": {
            "info": {
                "description": (
                    "Headless content API for awareness campaigns such as Safer Internet "
                    "Day: campaigns, themes, messages and resources as JSON, with "
                    "localisation, keyset pagination and conditional requests."
                ),
                "license": {"name": "MIT"},
            },
            "servers": [{"url": "/"}],
        },
    }


def init_app(app: Flask) -> Api:
    from sidcontent.api import (
        auth,
        campaigns,
        editing,
        exporters,
        exports,
        messages,
        meta,
        plugins,
        resources,
        sync,
        themes,
        translations,
        webhooks,
        whoami,
    )

    for key, value in spec_settings().items():
        app.config.setdefault(key, value)
    api = Api(app, spec_kwargs={"title": "sidcontent", "version": __version__})
    auth.init_api(api)
    editing.init_api(api)
    editing.init_blueprints()
    for module in (
        campaigns,
        themes,
        messages,
        resources,
        sync,
        whoami,
        exporters,
        exports,
        plugins,
        translations,
        webhooks,
    ):
        api.register_blueprint(module.blp, url_prefix=API_PREFIX + module.blp.url_prefix)
    meta.init_app(app, api)
    app.before_request(caching.serve_from_cache)
    app.extensions["sidcontent.api"] = api
    return api
