"""Secrets and signatures, by the ``standardwebhooks`` library.

A secret is ``whsec_`` and 32 random bytes in base64. During a rotation the
old secret keeps signing beside the new one (``webhook-signature`` then
holds two ``v1,...`` values), so a receiver can switch at its own pace.
"""

from __future__ import annotations

import base64
import secrets
from datetime import datetime

from standardwebhooks.webhooks import Webhook

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode("ascii")


def signature(secrets_in_use: list[str], msg_id: str, at: datetime, body: str) -> str:
    """The ``webhook-signature`` header: one ``v1,<base64>`` per secret."""
    return " ".join(Webhook(secret).sign(msg_id, at, body) for secret in secrets_in_use)
