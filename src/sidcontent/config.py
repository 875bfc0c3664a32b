"""Settings read from ``SIDCONTENT_*`` environment variables.

Every setting has a default that works on a fresh clone, so ``make run`` needs
no configuration. Tests and embedders pass overrides to ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

PREFIX = "SIDCONTENT_"

_INT = int


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"expected 1/0, true/false, yes/no or on/off, not {value!r}")


def _positive_float(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(f"must be a positive number of seconds, not {value!r}")
    return number


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise ValueError(f"must be a positive integer, not {value!r}")
    return number


DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "SECRET_KEY": None,  # None: generated per instance folder and kept there
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "CORS_ORIGINS": [],
    "RESPONSE_CACHE_SIZE": 4096,
    "FRAGMENT_CACHE_SIZE": 8192,  # rendered items kept per process (~1 KB each); 0: none
    "GENERATION_NOTIFY": True,  # PostgreSQL: hear of writes by LISTEN, not a query per read
    "CACHE_MAX_AGE": 0,  # seconds shared caches may reuse a response unrevalidated
    "DEFAULT_LOCALE": "en",
    "PLUGINS_DIR": None,  # a folder of drop-in plugin modules (*.py)
    "DISABLE_PLUGINS": [],  # plugin names not to load
    "STRICT_PLUGINS": False,  # a plugin that fails to load stops start-up
    "EXPORT_TIMEOUT": 30.0,  # seconds an export may run before it is stopped
    "MAX_ARTIFACT_BYTES": 20 * 1024 * 1024,
    "ARTIFACT_DIR": None,  # None: "artifacts" in the instance folder
    "REDIS_URL": None,  # shared state (rate-limit counters); None: in this process
    # Reverse proxies (IPs or networks) whose X-Forwarded-* and X-Request-Id
    # are believed: by the rate limits (client address) and by gunicorn.
    "TRUSTED_PROXIES": [],
    "RATE_LIMITS_ENABLED": True,
    "RATE_LIMIT_AUTH_FAILURES": "20/minute",  # refused tokens, per client address
    "RATE_LIMIT_WRITES": "120/minute",  # content writes, per token
    "RATE_LIMIT_EXPORTS": "20/minute",  # POST /exports, per token
    "HSTS_MAX_AGE": 0,  # seconds; above 0 sends Strict-Transport-Security (HTTPS only)
    "LOG_FORMAT": "text",  # or "json": one object per line
    "STUDIO_SECURE_COOKIES": False,  # True behind HTTPS: studio cookies get Secure
    "STUDIO_IDLE_MINUTES": 60,  # a studio session ends after this long without a request
    "STUDIO_SESSION_HOURS": 12,  # ...and this long after sign-in, however busy
    "ARTIFACT_STORE": "files",  # files (ARTIFACT_DIR) or database (rows every host reads)
    "EXPORT_RETENTION_DAYS": None,  # None: keep; else `exports prune` default age
    "BROKER_URL": None,  # None: exports run inline; redis://... queues them on Celery
    "EXPORT_QUEUE_DEADLINE": 900.0,  # seconds queued before it is queued again; twice: failed
    # `sidcontent serve` (gunicorn gthread workers; docs/deploy.md)
    "WEB_WORKERS": 2,  # processes
    "WEB_THREADS": 8,  # threads per process: requests (or trickling clients) served at once
    "WEB_READ_TIMEOUT": 10.0,  # seconds a client may go quiet mid-request before it is dropped
    "WEB_KEEPALIVE": 5,  # seconds an idle keep-alive connection stays open
    "WEB_TIMEOUT": None,  # seconds a silent worker lives; None: EXPORT_TIMEOUT + 15, at least 30
    "SYNC_RETENTION_DAYS": 90.0,  # how long sync tombstones are kept (older tokens: 410)
    "WEBHOOK_ALLOW_PRIVATE": False,  # let webhooks call private/loopback/link-local addresses
    "WEBHOOK_TIMEOUT": 15.0,  # seconds a receiver has to answer one delivery
}

_PARSERS: dict[str, Callable[[str], Any]] = {
    "MAX_CONTENT_LENGTH": _INT,
    "CORS_ORIGINS": _list,
    "RESPONSE_CACHE_SIZE": _INT,
    "FRAGMENT_CACHE_SIZE": _INT,
    "GENERATION_NOTIFY": _bool,
    "CACHE_MAX_AGE": _INT,
    "DISABLE_PLUGINS": _list,
    "STRICT_PLUGINS": _bool,
    "EXPORT_TIMEOUT": _positive_float,
    "MAX_ARTIFACT_BYTES": _positive_int,
    "TRUSTED_PROXIES": _list,
    "RATE_LIMITS_ENABLED": _bool,
    "HSTS_MAX_AGE": _INT,
    "STUDIO_SECURE_COOKIES": _bool,
    "STUDIO_IDLE_MINUTES": _positive_float,
    "STUDIO_SESSION_HOURS": _positive_float,
    "EXPORT_RETENTION_DAYS": _positive_int,
    "EXPORT_QUEUE_DEADLINE": _positive_float,
    "WEB_WORKERS": _positive_int,
    "WEB_THREADS": _positive_int,
    "WEB_READ_TIMEOUT": _positive_float,
    "WEB_KEEPALIVE": _positive_int,
    "WEB_TIMEOUT": _positive_int,
    "SYNC_RETENTION_DAYS": _positive_float,
    "WEBHOOK_ALLOW_PRIVATE": _bool,
    "WEBHOOK_TIMEOUT": _positive_float,
}


def from_environ(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Return the settings, defaults overlaid with ``SIDCONTENT_*`` variables."""
    environ = dict(os.environ if environ is None else environ)
    settings = dict(DEFAULTS)
    for name in DEFAULTS:
        raw = environ.get(PREFIX + name)
        if raw is None or raw == "":
            continue
        parser = _PARSERS.get(name, str)
        try:
            settings[name] = parser(raw)
        except ValueError as exc:
            raise ValueError(f"{PREFIX}{name}: {exc}") from None
    return settings


def sqlite_url(instance_path: str) -> str:
    return f"sqlite:///{Path(instance_path) / 'sidcontent.sqlite3'}"


def instance_secret(instance_path: str) -> str:
    """A per-instance secret, created once, so cursors survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(32)
    path.write_text(secret)
    path.chmod(0o600)
    return secret
