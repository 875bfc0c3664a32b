"""sidcontent: a headless content API for awareness campaigns."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Plugins write ``from sidcontent import hookimpl``.
from sidcontent.hookspecs import hookimpl  # noqa: E402

if TYPE_CHECKING:
    from flask import Flask


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the WSGI app; ``overrides`` replace settings (used by tests)."""
    from sidcontent.app import create_app as _create_app

    return _create_app(overrides)


__all__ = ["__version__", "create_app", "hookimpl"]
