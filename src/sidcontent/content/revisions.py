"""Revisions: every change to an item, who made it, and what it was after.

Revision *n* of an item is its state when its ``revision`` counter was *n*:
the number readers see in the item and in its ETag. Rows are only ever
added, so an item removed from delivery keeps its whole history and can be
brought back from any point of it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sidcontent.content.models import Base, UTCDateTime, utcnow


class Revision(Base):
    __tablename__ = "revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_type: Mapped[str] = mapped_column(String(16))
    item_id: Mapped[int] = mapped_column(Integer)
    number: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(16))
    author: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    changed: Mapped[list[str]] = mapped_column(JSON, default=list)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    restored_from: Mapped[int | None] = mapped_column(Integer, default=None)

    # The unique key is also the last guard against two writers recording
    # the same revision number.
    __table_args__ = (
        UniqueConstraint(
            "item_type", "item_id", "number", name="uq_revisions_item_type_item_id_number"
        ),
    )
