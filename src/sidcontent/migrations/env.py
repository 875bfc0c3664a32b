"""Alembic environment: runs on the connection the caller hands over."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from sidcontent.content import events, golive, revisions, sync, tokens  # noqa: F401  (their tables)
from sidcontent.content.models import Base
from sidcontent.exports import store  # registers the exports table
from sidcontent.studio import sessions  # noqa: F401  (its table)
from sidcontent.webhooks import models as webhook_models  # noqa: F401  (their tables)

config = context.config
target_metadata = Base.metadata
store.declare_active_request_index()  # kept off the table at import (see there)


def run() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(config.get_main_option("sqlalchemy.url") or "")
    try:
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata)
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()  # else its pooled connection is left open until collected


run()
