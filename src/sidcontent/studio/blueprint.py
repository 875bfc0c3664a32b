"""The studio's one blueprint, at /studio; the page modules add its routes."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint(
    "studio",
    __name__,
    url_prefix="/studio",
    template_folder="templates",
    static_folder="static",
)
