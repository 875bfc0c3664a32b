"""The baseline: a bare Flask route returning constant JSON.

Served by its own gunicorn with exactly the same settings as the API (see
``servers.gunicorn_argv``), so a ratio against it measures what sidcontent
adds on top of Flask + gunicorn, and nothing else.
"""

from __future__ import annotations

from flask import Flask

PATH = "/bare"


def create_app() -> Flask:
    app = Flask("bare")

    @app.get(PATH)
    def bare() -> dict[str, object]:
        return {"data": [], "meta": {"limit": 20, "next_cursor": None}}

    return app
