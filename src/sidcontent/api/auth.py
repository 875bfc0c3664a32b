"""Bearer tokens over HTTP: who is calling, and may they do this.

The API other modules use:

- ``current_principal()``: the caller's ``Principal`` (token name and role),
  or ``None`` for an anonymous caller. A request without an
  ``Authorization`` header never touches the database. A header that is
  not a valid, live bearer token raises a 401 problem (with
  ``WWW-Authenticate: Bearer``), wherever it is asked.
- ``require_role("editor")``: a view decorator. Anonymous or bad token: 401;
  a good token below the role: 403. It also documents the security
  requirement in the OpenAPI operation.
- ``check_role(role)``: the same check inline, returning the principal.

Roles include the ones before them: marketer < editor < publisher < admin.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from typing import Any, TypeVar, cast

from flask import g, request
from flask_smorest.utils import deepupdate

from sidcontent.api import context
from sidcontent.api.errors import ApiError
from sidcontent.content import tokens
from sidcontent.content.models import utcnow
from sidcontent.content.tokens import Principal, Role

F = TypeVar("F", bound=Callable[..., Any])

SCHEME = "bearerAuth"
REALM = "sidcontent"
_UNSET = object()


def init_api(api: Any) -> None:
    """Document the bearer scheme in the OpenAPI components."""
    api.spec.components.security_scheme(
        SCHEME,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "sid_ token",
            "description": (
                "A token made with `sidcontent tokens create --name NAME --role ROLE`. "
                "Roles, each including the previous: marketer (preview drafts, run "
                "exports), editor (write drafts, restore revisions), publisher (publish, "
                "schedule, unpublish, archive), admin (delete)."
            ),
        },
    )


def _challenge(error: str | None = None, description: str | None = None) -> dict[str, str]:
    value = f'Bearer realm="{REALM}"'
    if error:
        value += f', error="{error}"'
    if description:
        value += f', error_description="{description}"'
    return {"WWW-Authenticate": value}


def unauthorized(detail: str, *, invalid: bool = True) -> ApiError:
    headers = _challenge("invalid_token", detail) if invalid else _challenge()
    return ApiError(401, detail, headers=headers)


def current_principal() -> Principal | None:
    """The caller, or ``None`` if anonymous; 401 for a bad token."""
    cached = g.get("sid_principal", _UNSET)
    if cached is not _UNSET:
        return cast("Principal | None", cached)
    header = request.headers.get("Authorization")
    if header is None:
        g.sid_principal = None
        return None
    scheme, _, secret = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise unauthorized("Use 'Authorization: Bearer <token>'.")
    try:
        principal = tokens.authenticate(context.session(), secret.strip(), utcnow())
    except tokens.Unauthenticated as exc:
        raise unauthorized(exc.reason) from None
    g.sid_principal = principal
    return principal


def check_role(role: Role | str) -> Principal:
    """The caller if they hold ``role``; 401 if anonymous, 403 if below it."""
    needed = role if isinstance(role, Role) else Role.parse(role)
    principal = current_principal()
    if principal is None:
        raise unauthorized(f"This needs a token with the {needed.name} role.", invalid=False)
    if not principal.can(needed):
        raise ApiError(
            403,
            f"The token {principal.name!r} is a {principal.role.name}; "
            f"this needs {needed.name} or above.",
        )
    return principal


def require_role(role: Role | str) -> Callable[[F], F]:
    """Decorate a view: only callers holding ``role`` (or above) get in."""
    needed = role if isinstance(role, Role) else Role.parse(role)

    def decorator(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            check_role(needed)
            return func(*args, **kwargs)

        # The same bookkeeping flask-smorest's Blueprint.doc does, so the
        # requirement shows in openapi.yaml next to the operation.
        apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))
        apidoc["manual_doc"] = deepupdate(
            deepcopy(apidoc.get("manual_doc", {})), {"security": [{SCHEME: []}]}
        )
        wrapper._apidoc = apidoc  # type: ignore[attr-defined]
        wrapper._sid_role = needed  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
