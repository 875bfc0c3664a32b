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
import uuid

from flask import Flask, Response, current_app, g, has_request_context, request

from sidcontent.api.limits import trusted_socket

REQUEST_ID_HEADER = "X-Request-Id"
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
    sent = request.headers.get(REQUEST_ID_HEADER, "")
    if sent and _REQUEST_ID_RE.fullmatch(sent) and trusted_socket():
        g.sid_request_id = sent
    else:
        g.sid_request_id = uuid.uuid4().hex


def html_policy(body: bytes) -> str:
    """A strict policy for one HTML page: its inline scripts by hash."""
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(script).digest()).decode()}'"
        for script in _INLINE_SCRIPT.findall(body)
    )
    return HTML_POLICY.format(scripts=hashes)


def add_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    if "Content-Security-Policy" not in headers:
        if response.mimetype == "text/html" and not response.direct_passthrough:
            headers["Content-Security-Policy"] = html_policy(response.get_data())
        else:
            headers["Content-Security-Policy"] = API_POLICY
    max_age = int(current_app.config["HSTS_MAX_AGE"])
    if max_age > 0:
        headers.setdefault("Strict-Transport-Security", f"max-age={max_age}; includeSubDomains")
    rid = request_id() or uuid.uuid4().hex
    headers[REQUEST_ID_HEADER] = rid
    return response


def init_app(app: Flask) -> None:
    # First of all before_request functions, so every answer (a 413, a 429,
    # a cached read) already has its id.
    app.before_request_funcs.setdefault(None, []).insert(0, assign_request_id)
    app.after_request(add_headers)
