"""go-lives: one row per scheduled item's announced go-live (content.published once);
webhook endpoints get only the events after their creation (after_seq)

Revision ID: 0007_go_lives
Revises: 0006_studio_sessions
Create Date: 2026-12-01 15:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_go_lives"
down_revision = "0006_studio_sessions"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "content_go_lives",
        sa.Column("item_type", sa.String(length=16), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event_id", sa.String(length=40), nullable=False),
        sa.Column("announced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "item_type", "item_id", "publish_at", name=op.f("pk_content_go_lives")
        ),
    )
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.add_column(sa.Column("after_seq", sa.Integer(), server_default="0", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints") as batch:
        batch.drop_column("after_seq")
    op.drop_table("content_go_lives")
