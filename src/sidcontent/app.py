"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface

from sidcontent import config, logs
from sidcontent.api import context, errors
from sidcontent.api import init_app as init_api
from sidcontent.api.caching import ResponseCache
from sidcontent.api.cors import init_app as init_cors
from sidcontent.api.limits import init_app as init_limits
from sidcontent.api.security import init_app as init_security
from sidcontent.content.events import Event, EventNotifier
from sidcontent.db import Database
from sidcontent.exporting import BundleLoader, ContentBundle
from sidcontent.exports.service import ExportRejected, Exports
from sidcontent.exports.store import open_store
from sidcontent.plugins import PluginHost
from sidcontent.studio import init_app as init_studio
from sidcontent.webhooks.dispatcher import init_app as init_webhooks


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build an app: settings, database, API, plugins and error handling.

    Everything lives on the app (``app.config`` and ``app.extensions``), so
    two apps in one process, as in tests, share nothing.
    """
    instance_path = (overrides or {}).get("INSTANCE_PATH") or os.environ.get(
        "SIDCONTENT_INSTANCE_PATH"
    )
    # Default: Flask's instance folder for the installed package (src/instance
    # in a checkout, <venv>/var/sidcontent-instance for a regular install), so
    # the CLI and the server find one database from any working directory.
    app = App("sidcontent", instance_path=os.path.abspath(instance_path) if instance_path else None)
    settings = config.from_environ()
    settings.update(overrides or {})
    app.config.update(settings)
    if not app.config.get("DATABASE_URL"):
        _make_instance_folder(app.instance_path, explicit=bool(instance_path))
        app.config["DATABASE_URL"] = config.sqlite_url(app.instance_path)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.instance_secret(app.instance_path)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    # An API with bearer tokens has no use for cookie sessions; skipping
    # them saves work on every request.
    app.session_interface = _NoSessions()

    database = Database(
        app.config["DATABASE_URL"], watch_generation=bool(app.config["GENERATION_NOTIFY"])
    )
    app.extensions["sidcontent.db"] = database
    # Subscribers hear of each content event once its write has committed.
    notifier = EventNotifier()
    notifier.attach(database.sessions)
    app.extensions["sidcontent.events"] = notifier
    app.extensions["sidcontent.response_cache"] = ResponseCache(
        int(app.config["RESPONSE_CACHE_SIZE"])
    )
    app.teardown_appcontext(context.close_session)

    # Plugins load before the API so a start-up conflict stops the app early.
    host = PluginHost.from_config(app.config)
    app.extensions["sidcontent.plugins"] = host
    artifact_dir = app.config.get("ARTIFACT_DIR") or os.path.join(app.instance_path, "artifacts")
    exports = Exports(
        host,
        database,
        open_store(str(app.config["ARTIFACT_STORE"]), database, artifact_dir),
        timeout=float(app.config["EXPORT_TIMEOUT"]),
        max_bytes=int(app.config["MAX_ARTIFACT_BYTES"]),
        queue_deadline=float(app.config["EXPORT_QUEUE_DEADLINE"]),
    )
    app.extensions["sidcontent.exports"] = exports
    if app.config.get("BROKER_URL"):
        # Exports go to Celery workers (sidcontent worker); without a broker
        # they run inline, in the request.
        from sidcontent.exports.queue import Queue
        from sidcontent.worker import celery_app

        celery = celery_app(app, exports)
        app.extensions["sidcontent.celery"] = celery
        exports.queue = Queue(celery)

    # Plugins hear of each committed change through the content_changed hook.
    bundles = _published_bundles(app)

    def tell_plugins(event: Event) -> None:
        host.content_changed(event, bundles)

    notifier.subscribe(tell_plugins)

    init_api(app)
    init_limits(app)
    init_webhooks(app)
    init_cors(app)
    init_security(app)
    init_studio(app)
    app.register_error_handler(Exception, _unhandled)
    logs.configure(str(app.config["LOG_FORMAT"]), logging.DEBUG if app.debug else logging.INFO)
    return app


class App(Flask):
    """Flask, remembering which hooks and views are plain functions.

    Flask asks ``inspect.iscoroutinefunction`` of every hook and the view on
    every request (``ensure_sync``); with eight hooks that was a twelfth of
    a cached read. The answer never changes for a function, so it is asked
    once. Coroutine functions still go through Flask's own handling.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plain_functions: set[Callable[..., Any]] = set()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        try:
            if func in self._plain_functions:
                return func
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)
        wrapped = super().ensure_sync(func)
        if wrapped is func:
            self._plain_functions.add(func)
        return wrapped


def _make_instance_folder(path: str, explicit: bool) -> None:
    """The default folder is made with its parents; a chosen one only if its parent exists."""
    try:
        Path(path).mkdir(parents=not explicit, exist_ok=True)
    except FileNotFoundError:
        raise ValueError(
            f"SIDCONTENT_INSTANCE_PATH: the folder {os.path.dirname(path)!r} does not exist"
        ) from None


def _published_bundles(app: Flask) -> BundleLoader:
    """What ``ContentEvent.bundle()`` reads: a campaign's published content, or None."""
    exports: Exports = app.extensions["sidcontent.exports"]

    def load(campaign: str, locale: str | None) -> ContentBundle | None:
        try:
            return exports.bundle(campaign, locale)
        except ExportRejected:
            return None

    return load


class _NoSessions(SessionInterface):
    def open_session(self, app: Flask, request: Request) -> None:
        return None

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        return None


def _unhandled(exc: Exception) -> Response:
    return errors.internal_error(exc)
