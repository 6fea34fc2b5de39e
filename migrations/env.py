"""Alembic environment: one metadata (core + notifications), batch mode on SQLite."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import notifications.models  # noqa: F401  (registers the outbox tables)
import workflow.models  # noqa: F401  (registers the core tables)
from workflow.db import make_engine
from workflow.search_index import is_engine_table
from workflow.settings import get_settings

config = context.config
target_metadata = SQLModel.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # Batch mode works on both, and SQLite needs it to add constraints later.
        render_as_batch=True,
        compare_type=True,
        # SQLite's FTS5 search table is made after the migrations (workflow.search_index).
        include_name=lambda name, type_, _parents: not (type_ == "table" and is_engine_table(name)),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run against a given connection (tests) or the configured database URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url") or get_settings().database_url
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


run_migrations_online()
