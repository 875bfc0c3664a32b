"""studio: server-side sessions of the web studio, one row per signed-in browser

Revision ID: 0006_studio_sessions
Revises: 0005_webhooks
Create Date: 2026-12-01 11:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_studio_sessions"
down_revision = "0005_webhooks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "studio_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["token_id"],
            ["api_tokens.id"],
            name=op.f("fk_studio_sessions_token_id_api_tokens"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_studio_sessions")),
        sa.UniqueConstraint("digest", name=op.f("uq_studio_sessions_digest")),
    )
    op.create_index("ix_studio_sessions_token_id", "studio_sessions", ["token_id"])


def downgrade() -> None:
    op.drop_index("ix_studio_sessions_token_id", table_name="studio_sessions")
    op.drop_table("studio_sessions")
