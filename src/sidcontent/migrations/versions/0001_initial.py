"""initial content model

Revision ID: 0001
Revises:
Create Date: 2026-11-28 10:30:24.637846
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "content_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_content_state")),
    )
    op.create_table(
        "themes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("palette", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_themes")),
        sa.UniqueConstraint("slug", name=op.f("uq_themes_slug")),
    )
    op.create_index("ix_themes_status_publish_at", "themes", ["status", "publish_at"], unique=False)
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column("theme_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("edition", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=2048), nullable=True),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_campaigns_theme_id_themes"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
        sa.UniqueConstraint("slug", name=op.f("uq_campaigns_slug")),
    )
    op.create_index(
        "ix_campaigns_status_publish_at", "campaigns", ["status", "publish_at"], unique=False
    )
    op.create_index(op.f("ix_campaigns_theme_id"), "campaigns", ["theme_id"], unique=False)
    op.create_table(
        "theme_translations",
        sa.Column("theme_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["theme_id"],
            ["themes.id"],
            name=op.f("fk_theme_translations_theme_id_themes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("theme_id", "locale", name=op.f("pk_theme_translations")),
    )
    op.create_table(
        "campaign_translations",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("tagline", sa.String(length=200), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_translations_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "locale", name=op.f("pk_campaign_translations")),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("link", sa.String(length=2048), nullable=True),
        sa.Column("hashtags", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_messages_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    op.create_index("ix_messages_audience_id", "messages", ["audience", "id"], unique=False)
    op.create_index("ix_messages_campaign_id_id", "messages", ["campaign_id", "id"], unique=False)
    op.create_index("ix_messages_kind_id", "messages", ["kind", "id"], unique=False)
    op.create_index(
        "ix_messages_status_publish_at", "messages", ["status", "publish_at"], unique=False
    )
    op.create_index("ix_messages_updated_at_id", "messages", ["updated_at", "id"], unique=False)
    op.create_table(
        "resources",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("url", sa.String(length=2048), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("publish_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_resources_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_resources")),
    )
    op.create_index("ix_resources_campaign_id_id", "resources", ["campaign_id", "id"], unique=False)
    op.create_index(
        "ix_resources_status_publish_at", "resources", ["status", "publish_at"], unique=False
    )
    op.create_index("ix_resources_type_id", "resources", ["type", "id"], unique=False)
    op.create_index("ix_resources_updated_at_id", "resources", ["updated_at", "id"], unique=False)
    op.create_table(
        "message_tags",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_tags_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "tag", name=op.f("pk_message_tags")),
    )
    op.create_index(
        "ix_message_tags_tag_message_id", "message_tags", ["tag", "message_id"], unique=False
    )
    op.create_table(
        "message_translations",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("headline", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("call_to_action", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_translations_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("message_id", "locale", name=op.f("pk_message_translations")),
    )
    op.create_table(
        "resource_audiences",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("audience", sa.String(length=32), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_audiences_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "audience", name=op.f("pk_resource_audiences")),
    )
    op.create_index(
        "ix_resource_audiences_audience_resource_id",
        "resource_audiences",
        ["audience", "resource_id"],
        unique=False,
    )
    op.create_table(
        "resource_tags",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_tags_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "tag", name=op.f("pk_resource_tags")),
    )
    op.create_index(
        "ix_resource_tags_tag_resource_id", "resource_tags", ["tag", "resource_id"], unique=False
    )
    op.create_table(
        "resource_translations",
        sa.Column("resource_id", sa.Integer(), nullable=False),
        sa.Column("locale", sa.String(length=35), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["resource_id"],
            ["resources.id"],
            name=op.f("fk_resource_translations_resource_id_resources"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("resource_id", "locale", name=op.f("pk_resource_translations")),
    )
    # The generation row response caches compare against (see ContentState).
    op.execute(
        "INSERT INTO content_state (id, generation, changed_at) VALUES (1, 0, CURRENT_TIMESTAMP)"
    )


def downgrade() -> None:

    op.drop_table("resource_translations")
    op.drop_index("ix_resource_tags_tag_resource_id", table_name="resource_tags")
    op.drop_table("resource_tags")
    op.drop_index("ix_resource_audiences_audience_resource_id", table_name="resource_audiences")
    op.drop_table("resource_audiences")
    op.drop_table("message_translations")
    op.drop_index("ix_message_tags_tag_message_id", table_name="message_tags")
    op.drop_table("message_tags")
    op.drop_index("ix_resources_updated_at_id", table_name="resources")
    op.drop_index("ix_resources_type_id", table_name="resources")
    op.drop_index("ix_resources_status_publish_at", table_name="resources")
    op.drop_index("ix_resources_campaign_id_id", table_name="resources")
    op.drop_table("resources")
    op.drop_index("ix_messages_updated_at_id", table_name="messages")
    op.drop_index("ix_messages_status_publish_at", table_name="messages")
    op.drop_index("ix_messages_kind_id", table_name="messages")
    op.drop_index("ix_messages_campaign_id_id", table_name="messages")
    op.drop_index("ix_messages_audience_id", table_name="messages")
    op.drop_table("messages")
    op.drop_table("campaign_translations")
    op.drop_table("theme_translations")
    op.drop_index(op.f("ix_campaigns_theme_id"), table_name="campaigns")
    op.drop_index("ix_campaigns_status_publish_at", table_name="campaigns")
    op.drop_table("campaigns")
    op.drop_index("ix_themes_status_publish_at", table_name="themes")
    op.drop_table("themes")
    op.drop_table("content_state")
