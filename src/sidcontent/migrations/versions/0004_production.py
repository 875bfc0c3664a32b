"""production path: queued exports, artifacts in the database

Revision ID: 0004_production
Revises: 0003_events
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_production"
down_revision = "0003_events"
branch_labels = None
depends_on = None

ACTIVE = sa.text("status IN ('queued', 'running')")


def upgrade() -> None:
    with op.batch_alter_table("exports") as batch:
        batch.add_column(sa.Column("error_field", sa.String(length=200), nullable=True))
        batch.add_column(
            sa.Column("attempts", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
    # One job per identical request while it is queued or running.
    op.create_index(
        "ux_exports_active_request_key",
        "exports",
        ["request_key"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    # GET /exports: newest first, keyset on (created_at, id), by status.
    op.create_index("ix_exports_created_at_id", "exports", ["created_at", "id"])
    op.create_index("ix_exports_status_created_at", "exports", ["status", "created_at"])
    op.drop_index("ix_exports_created_at", table_name="exports")
    op.create_table(
        "artifacts",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_artifacts")),
    )
    op.create_table(
        "artifact_chunks",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["sha256"],
            ["artifacts.sha256"],
            name=op.f("fk_artifact_chunks_sha256_artifacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("sha256", "seq", name=op.f("pk_artifact_chunks")),
    )


def downgrade() -> None:
    op.drop_table("artifact_chunks")
    op.drop_table("artifacts")
    op.create_index("ix_exports_created_at", "exports", ["created_at"])
    op.drop_index("ix_exports_status_created_at", table_name="exports")
    op.drop_index("ix_exports_created_at_id", table_name="exports")
    op.drop_index("ux_exports_active_request_key", table_name="exports")
    with op.batch_alter_table("exports") as batch:
        batch.drop_column("attempts")
        batch.drop_column("error_field")
