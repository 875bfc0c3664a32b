"""Settings read from ``SIDCONTENT_*`` environment variables.

Every setting has a default that works on a fresh clone, so ``make run`` needs
no configuration. Tests and embedders pass overrides to ``create_app``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

PREFIX = "SIDCONTENT_"

_INT = int


def _list(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": None,  # None: SQLite in the instance folder
    "SECRET_KEY": None,  # None: generated per instance folder and kept there
    "MAX_CONTENT_LENGTH": 1024 * 1024,
    "CORS_ORIGINS": [],
    "RESPONSE_CACHE_SIZE": 4096,
    "CACHE_MAX_AGE": 0,  # seconds shared caches may reuse a response unrevalidated
    "DEFAULT_LOCALE": "en",
}

_PARSERS = {
    "MAX_CONTENT_LENGTH": _INT,
    "CORS_ORIGINS": _list,
    "RESPONSE_CACHE_SIZE": _INT,
    "CACHE_MAX_AGE": _INT,
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
