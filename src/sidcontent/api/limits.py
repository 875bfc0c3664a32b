"""Rate limits (flask-limiter): abuse is throttled, apps reading are not.

Three limits, each a setting with a default (``config.py``):

- ``RATE_LIMIT_AUTH_FAILURES`` per client address: requests whose token is
  refused (401). Once over it, that address's requests *with* a token are
  429 until the window passes; anonymous reads are never counted or held.
- ``RATE_LIMIT_WRITES`` per token: POST, PUT, PATCH and DELETE on content.
- ``RATE_LIMIT_EXPORTS`` per token: ``POST /exports`` (an export costs a
  worker process for seconds).

Successful reads are never limited. Counters live in Redis when
``SIDCONTENT_REDIS_URL`` is set, so every process shares them (DESIGN:
nothing one process holds may be needed by another), else in memory.

The client address is the socket's, unless the socket is a proxy listed in
``SIDCONTENT_TRUSTED_PROXIES``: then it is the nearest address in
``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
import time
from collections.abc import Callable, Sequence
from typing import Any

from flask import Flask, Response, current_app, request
from flask_limiter import ApplicationLimit, Limiter, RequestLimit
from limits import parse_many

from sidcontent.api.errors import problem

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
EXPORTS_PATH = "/api/v1/exports"


def parse_networks(values: Sequence[str]) -> list[Network]:
    """``["10.0.0.0/8", "127.0.0.1"]`` -> networks; ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"not an IP address or network: {value!r}") from None
    return networks


def _trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def trusted_socket() -> bool:
    """Whether the connection comes from a proxy in SIDCONTENT_TRUSTED_PROXIES."""
    networks: list[Network] = current_app.extensions["sidcontent.trusted_proxies"]
    return bool(networks) and _trusted(request.remote_addr or "", networks)


def client_address() -> str:
    """The caller's address: the socket's, or what a trusted proxy says it saw."""
    remote = request.remote_addr or "unknown"  # no socket (a test request context)
    networks: list[Network] = current_app.extensions["sidcontent.trusted_proxies"]
    if not networks or not _trusted(remote, networks):
        return remote  # a client may write X-Forwarded-For; only a proxy is believed
    hops = [
        hop.strip()
        for header in request.headers.getlist("X-Forwarded-For")
        for hop in header.split(",")
        if hop.strip()
    ]
    # Each trusted proxy appends the address it saw; walk back from the
    # nearest and stop at the first address no trusted proxy owns.
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote  # garbage where an address should be: the proxy's own
    return hops[0] if hops else remote


def _token_key() -> str:
    """A key per bearer token that is neither the secret nor its stored hash."""
    secret = request.headers.get("Authorization", "").partition(" ")[2].strip()
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "token:" + hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()[:32]


def _has_token() -> bool:
    # The environ, not request.headers: asked three times on every request.
    return "HTTP_AUTHORIZATION" in request.environ


def _is_export() -> bool:
    return request.method == "POST" and request.path.rstrip("/") == EXPORTS_PATH


def _is_write() -> bool:
    return (
        request.method in WRITE_METHODS and request.path.startswith("/api/v1/") and not _is_export()
    )


def _breached(limit: RequestLimit) -> Response:
    """429 problem+json with Retry-After and the IETF RateLimit-* headers."""
    retry_after = max(1, int(limit.reset_at - time.time()))
    amount = limit.limit.amount
    return problem(
        429,
        f"Too many requests: at most {limit.limit} (rate-limit {limit.limit.namespace}). "
        f"Try again in {retry_after} s.",
        headers={
            "Retry-After": str(retry_after),
            "RateLimit-Limit": str(amount),
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(retry_after),
            "RateLimit-Policy": f"{amount};w={limit.limit.get_expiry()}",
        },
    )


def init_app(app: Flask) -> Limiter:
    """Attach the limiter; every limit string is checked now, not at first use."""
    app.extensions["sidcontent.trusted_proxies"] = parse_networks(app.config["TRUSTED_PROXIES"])
    settings = {
        name: str(app.config[name])
        for name in ("RATE_LIMIT_AUTH_FAILURES", "RATE_LIMIT_WRITES", "RATE_LIMIT_EXPORTS")
    }
    for name, value in settings.items():
        try:
            parse_many(value)
        except ValueError:
            raise ValueError(
                f"SIDCONTENT_{name}: {value!r} is not a rate limit (e.g. '20/minute')"
            ) from None

    def _auth_failed(response: Response) -> bool:
        return response.status_code == 401

    def _not_auth_failure(response: Response) -> bool:
        return response.status_code != 401  # counted by the auth-failures limit

    # Requests without a token are never limited: the request filter below
    # skips them before any of these is looked at.
    limits: list[Any] = [
        ApplicationLimit(
            limit_provider=settings["RATE_LIMIT_AUTH_FAILURES"],
            key_function=client_address,
            scope="auth-failures",
            deduct_when=_auth_failed,
        ),
        ApplicationLimit(
            limit_provider=settings["RATE_LIMIT_WRITES"],
            key_function=_token_key,
            scope="writes",
            exempt_when=lambda: not _is_write(),
            deduct_when=_not_auth_failure,
        ),
        ApplicationLimit(
            limit_provider=settings["RATE_LIMIT_EXPORTS"],
            key_function=_token_key,
            scope="exports",
            exempt_when=lambda: not _is_export(),
            deduct_when=_not_auth_failure,
        ),
    ]
    redis_url = app.config.get("REDIS_URL")
    before = _hooks(app)
    limiter = Limiter(
        key_func=client_address,
        app=app,
        application_limits=limits,
        storage_uri=redis_url or "memory://",
        strategy="moving-window",
        key_prefix="sidcontent",
        on_breach=_breached,
        # Storage down (Redis restarting): serve unthrottled and log, never 500.
        swallow_errors=True,
        enabled=bool(app.config["RATE_LIMITS_ENABLED"]),
    )
    _only_with_token(app, before)
    return limiter


HookLists = tuple[list[Any], list[Any], list[Any]]


def _hooks(app: Flask) -> HookLists:
    """The app-wide before, after and teardown request hooks, as copies."""
    return (
        list(app.before_request_funcs.get(None, [])),
        list(app.after_request_funcs.get(None, [])),
        list(app.teardown_request_funcs.get(None, [])),
    )


def _only_with_token(app: Flask, earlier: HookLists) -> None:
    """Run the limiter's request hooks only for requests that carry a token.

    Every limit is per token or counts refused tokens, so a request without
    one is never limited: that is said here, once, for all three limits.
    Skipping the limiter's hooks altogether (not just its checks, as
    ``request_filter`` would) matters because anonymous reads are most of the
    traffic: its three hooks were a tenth of a cached read. The hooks are the
    ones ``Limiter(app=...)`` added, found by comparing the lists, so no
    private name of flask-limiter's is used.
    """
    before, after, teardown = earlier
    app.before_request_funcs[None] = [
        hook if hook in before else _gated(hook, hands_on=False)
        for hook in app.before_request_funcs.get(None, [])
    ]
    app.after_request_funcs[None] = [
        hook if hook in after else _gated(hook, hands_on=True)
        for hook in app.after_request_funcs.get(None, [])
    ]
    app.teardown_request_funcs[None] = [
        hook if hook in teardown else _gated(hook, hands_on=False)
        for hook in app.teardown_request_funcs.get(None, [])
    ]


def _gated(hook: Callable[..., Any], *, hands_on: bool) -> Callable[..., Any]:
    """``hook`` for requests with a token; otherwise nothing (an after hook passes the response)."""

    @functools.wraps(hook)
    def gated(*args: Any) -> Any:
        if _has_token():
            return hook(*args)
        return args[0] if hands_on else None

    return gated
