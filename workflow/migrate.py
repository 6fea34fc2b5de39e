"""Apply Alembic migrations programmatically (used by the CLI, `make run` and tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy.engine import Connection

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# The frozen first revision (decision 0028): every database in use is at it or later, and
# schema changes are revisions on top of it (`migrations/new-revision.sh`), never edits.
BASELINE = "0001"


def alembic_config(url: str | None = None, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at our migrations, for `url` or an open connection."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if url:
        cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def current_revisions(url: str | None = None, connection: Connection | None = None) -> set[str]:
    """The revisions the database is at (empty before the first migration)."""
    if connection is not None:
        return set(MigrationContext.configure(connection).get_current_heads())
    assert url is not None
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def upgrade(
    url: str | None = None, connection: Connection | None = None, *, to: str = "head"
) -> list[str]:
    """Bring the database schema to revision `to` (the newest by default); the revisions
    applied, oldest first, as "id message" (empty when it was already there)."""
    cfg = alembic_config(url, connection)
    before = current_revisions(url, connection)
    command.upgrade(cfg, to)
    _install_search(url, connection)
    after = current_revisions(url, connection)
    script = ScriptDirectory.from_config(cfg)
    applied: list[str] = []
    for head in after:
        for rev in script.iterate_revisions(head, tuple(before) or "base"):
            if rev.revision not in before:
                applied.append(f"{rev.revision} {rev.doc}")
    return list(reversed(applied))


def _install_search(url: str | None, connection: Connection | None) -> None:
    """The search index's engine-specific parts (workflow.search_index.install), which the
    models (and so the generated migration) cannot declare."""
    from workflow.search_index import index_if_empty, install

    if connection is not None:
        install(connection)
        index_if_empty(connection)
        return
    assert url is not None
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            install(conn)
            index_if_empty(conn)
    finally:
        engine.dispose()


def head_revisions() -> set[str]:
    """The newest revision(s) the code's migrations lead to."""
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config()).get_heads())


def applied_revisions(connection: Connection) -> set[str]:
    """The revision(s) the database says it is at (empty: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(connection).get_current_heads())
