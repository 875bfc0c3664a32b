"""exports: one row per export run, artifacts kept as files by hash

Revision ID: 0002_exports
Revises: 0002_editing
Create Date: 2026-11-28 11:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_exports"
down_revision = "0002_editing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "exports",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("request_key", sa.String(length=64), nullable=False),
        sa.Column("exporter", sa.String(length=64), nullable=False),
        sa.Column("plugin", sa.String(length=200), nullable=False),
        sa.Column("plugin_version", sa.String(length=64), nullable=True),
        sa.Column("campaign", sa.String(length=80), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("requested_locale", sa.String(length=35), nullable=True),
        sa.Column("media_type", sa.String(length=255), nullable=False),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("message_ids", sa.JSON(), nullable=True),
        sa.Column("resource_ids", sa.JSON(), nullable=True),
        sa.Column("content_revision", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("error_type", sa.String(length=32), nullable=True),
        sa.Column("failed_plugin", sa.String(length=200), nullable=True),
        sa.Column("warnings", sa.JSON(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("duration_ms", sa.Float(), nullable=True),
        sa.Column("artifact_sha256", sa.String(length=64), nullable=True),
        sa.Column("artifact_size", sa.Integer(), nullable=True),
        sa.Column("artifact_filename", sa.String(length=255), nullable=True),
        sa.Column("artifact_media_type", sa.String(length=255), nullable=True),
        sa.Column("artifact_metadata", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exports")),
    )
    op.create_index("ix_exports_request_key_status", "exports", ["request_key", "status"])
    op.create_index("ix_exports_created_at", "exports", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_exports_created_at", table_name="exports")
    op.drop_index("ix_exports_request_key_status", table_name="exports")
    op.drop_table("exports")
