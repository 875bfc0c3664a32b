"""The ``.eml``: a complete message to open in a mail client as a preview.

Built with the standard ``email`` package: multipart/alternative with the
plain-text part first and the HTML part last (clients show the last part
they can), UTF-8, and ``X-Unsent: 1`` so Outlook opens it as a draft.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid
from typing import Any

from sidcontent.exporters.newsletter.document import Newsletter, one_line


def render_eml(newsletter: Newsletter, text: str, html: str, options: Mapping[str, Any]) -> bytes:
    sender = options["from_address"]
    message = EmailMessage()
    message["Subject"] = newsletter.subject
    message["From"] = Address(
        display_name=one_line(options.get("from_name") or newsletter.title),
        addr_spec=sender,
    )
    message["To"] = Address(addr_spec=options["to_address"])
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["X-Unsent"] = "1"
    message.set_content(text, charset="utf-8")
    message.add_alternative(html, subtype="html", charset="utf-8")
    # After the parts: set_content() clears every Content-* header.
    message["Content-Language"] = newsletter.locale
    return message.as_bytes(policy=SMTP)
