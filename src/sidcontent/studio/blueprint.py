"""The studio's one blueprint, at /studio; the page modules add its routes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import Blueprint

F = TypeVar("F", bound=Callable[..., Any])

bp = Blueprint(
    "studio",
    __name__,
    url_prefix="/studio",
    template_folder="templates",
    static_folder="static",
)


def per_kind(
    rule: str, kinds: tuple[str, ...], methods: list[str], **fixed: tuple[str, ...]
) -> Callable[[F], F]:
    """Register ``view`` once per content type (and per value of each ``fixed``).

    ``rule`` names them as ``{kind}`` (and ``{name}``): plain paths such as
    /studio/messages/<key>/edit, one rule each, with the type passed to the
    view as a default, rather than one rule with an ``any()`` converter.
    """

    def decorator(view: F) -> F:
        combos: list[dict[str, str]] = [{"kind": kind} for kind in kinds]
        for name, values in fixed.items():
            combos = [{**combo, name: value} for combo in combos for value in values]
        for combo in combos:
            bp.add_url_rule(
                rule.format(**combo),
                endpoint=view.__name__,
                view_func=view,
                methods=methods,
                defaults=combo,
            )
        return view

    return decorator
