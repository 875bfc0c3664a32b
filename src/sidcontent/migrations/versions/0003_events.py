"""events: the event outbox, the sync change log and its pruning mark

Revision ID: 0003_events
Revises: 0002_exports
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_events"
down_revision = "0002_exports"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "event_outbox",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("fanned_out_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_event_outbox")),
        sa.UniqueConstraint("event_id", name=op.f("uq_event_outbox_event_id")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_event_outbox_fanned_out_at_seq", "event_outbox", ["fanned_out_at", "seq"])
    op.create_table(
        "content_changes",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("before_status", sa.String(length=16), nullable=True),
        sa.Column("before_key", sa.String(length=80), nullable=True),
        sa.Column("before_campaign_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_content_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_content_changes_at", "content_changes", ["at"])
    op.create_table(
        "sync_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pruned_through", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_state")),
    )
    op.execute("INSERT INTO sync_state (id, pruned_through) VALUES (1, 0)")


def downgrade() -> None:
    op.drop_table("sync_state")
    op.drop_index("ix_content_changes_at", table_name="content_changes")
    op.drop_table("content_changes")
    op.drop_index("ix_event_outbox_fanned_out_at_seq", table_name="event_outbox")
    op.drop_table("event_outbox")
