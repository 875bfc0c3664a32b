"""Security headers and request ids, on every response.

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.
- ``Content-Security-Policy``: ``default-src 'none'`` for everything that is
  not HTML (JSON cannot run); for HTML (``/docs``) scripts, styles, images and
  fetches from this origin only, and inline scripts only by their SHA-256,
  computed from the page itself, never ``'unsafe-inline'``.
- ``Strict-Transport-Security`` when ``SIDCONTENT_HSTS_MAX_AGE`` is above 0
  (set it only when the API is served over HTTPS).
- ``X-Request-Id``: the one a trusted proxy sent (``SIDCONTENT_TRUSTED_PROXIES``)
  if it looks like an id, else a new one. Log lines carry it (``sidcontent.logs``).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from flask import Flask, Response, current_app, g, has_request_context, request

from sidcontent.api.limits import trusted_socket

REQUEST_ID_HEADER = "X-Request-Id"
_REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_INLINE_SCRIPT = re.compile(rb"<script>(.*?)</script>", re.DOTALL)
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
HTML_POLICY = (
    "default-src 'none'; script-src 'self'{scripts}; style-src 'self'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def request_id() -> str | None:
    """The current request's id (``None`` outside a request)."""
    if not has_request_context():
        return None
    value = g.get("sid_request_id")
    return value if isinstance(value, str) else None


def assign_request_id() -> None:
    sent = request.environ.get(_REQUEST_ID_ENVIRON, "")
    if sent and _REQUEST_ID_RE.fullmatch(sent) and trusted_socket():
        g.sid_request_id = sent
    else:
        g.sid_request_id = _new_request_id()


def _new_request_id() -> str:
    # 128 random bits as 32 hex digits, like uuid4().hex, at a third of its cost.
    return secrets.token_hex(16)


def html_policy(body: bytes) -> str:
    """A strict policy for one HTML page: its inline scripts by hash."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body)
    )
    return HTML_POLICY.format(scripts=hashes)


def add_headers(response: Response) -> Response:
    """The headers above, in one pass over the response's own.

    Each werkzeug header lookup walks the whole list, and a JSON answer
    already carries a dozen; one lookup per header here was a sixth of a
    cached read. So the names present are read once.
    """
    headers = response.headers
    present = set(headers.keys(lower=True))
    fixed: tuple[tuple[str, str], ...] = current_app.extensions["sidcontent.security_headers"]
    added = [(name, value) for name, value in fixed if name.lower() not in present]
    if "content-security-policy" not in present:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            added.append(("Content-Security-Policy", html_policy(response.get_data())))
        else:
            added.append(("Content-Security-Policy", API_POLICY))
    rid = request_id() or _new_request_id()
    if REQUEST_ID_HEADER.lower() in present:
        headers[REQUEST_ID_HEADER] = rid
    else:
        added.append((REQUEST_ID_HEADER, rid))
    headers.extend(added)
    return response


def _fixed_headers(hsts_max_age: int) -> tuple[tuple[str, str], ...]:
    fixed = [("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]
    if hsts_max_age > 0:
        fixed.append(("Strict-Transport-Security", f"max-age={hsts_max_age}; includeSubDomains"))
    return tuple(fixed)


def init_app(app: Flask) -> None:
    app.extensions["sidcontent.security_headers"] = _fixed_headers(int(app.config["HSTS_MAX_AGE"]))
    # First of all before_request functions, so every answer (a 413, a 429,
    # a cached read) already has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request(add_headers)
