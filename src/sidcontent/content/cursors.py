"""Opaque, signed keyset cursors.

A cursor carries the last position seen and a fingerprint of the query it
belongs to, signed with the instance secret: a tampered cursor, or one
replayed against other filters, is refused instead of silently skipping or
repeating rows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

MAX_CURSOR_LENGTH = 512


class CursorError(ValueError):
    """A cursor that was not issued for this query by this server."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def fingerprint(query: dict[str, Any]) -> str:
    canonical = json.dumps(query, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode(position: dict[str, Any], query: dict[str, Any], secret: str) -> str:
    payload = json.dumps(
        {"p": position, "q": fingerprint(query)}, sort_keys=True, separators=(",", ":")
    ).encode()
    signature = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    return f"{_b64(payload)}.{_b64(signature)}"


def decode(cursor: str, query: dict[str, Any], secret: str) -> dict[str, Any]:
    """Return the position inside ``cursor`` or raise ``CursorError``."""
    if len(cursor) > MAX_CURSOR_LENGTH or cursor.count(".") != 1 or not cursor.isascii():
        raise CursorError("The cursor is malformed.")
    payload_part, signature_part = cursor.split(".")
    try:
        payload = _unb64(payload_part)
        signature = _unb64(signature_part)
    except (binascii.Error, ValueError):
        raise CursorError("The cursor is malformed.") from None
    expected = hmac.new(secret.encode(), payload, hashlib.sha256).digest()[:16]
    if not hmac.compare_digest(signature, expected):
        raise CursorError("The cursor was not issued by this server or has been altered.")
    data = json.loads(payload)
    if data.get("q") != fingerprint(query):
        raise CursorError("The cursor belongs to a different query; keep the same filters.")
    position = data.get("p")
    if not isinstance(position, dict):
        raise CursorError("The cursor is malformed.")
    return position
