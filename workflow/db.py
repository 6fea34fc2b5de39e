"""Engine and session factories; `session_scope()` is the job commit point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

from workflow.settings import get_settings


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine for SQLite (embedded) or PostgreSQL (distributed)."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": 30}, **kwargs
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            # WAL lets the web UI read while the in-process scheduler writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """Return the shared engine for `url` (default: the configured database)."""
    return make_engine(url or get_settings().database_url)


def is_postgres(session_or_engine: Session | Engine) -> bool:
    """True when the bound database is PostgreSQL (SKIP LOCKED, advisory locks available)."""
    bind = (
        session_or_engine.get_bind()
        if isinstance(session_or_engine, Session)
        else session_or_engine
    )
    return bind.dialect.name == "postgresql"


# `Session.info` key of a session that is its database's only writer (the simulation).
SINGLE_WRITER = "planflow.single_writer"


def mark_single_writer(session: Session) -> None:
    """Declare `session` the database's only writer for its whole life.

    What it has loaded cannot change behind its back, so services skip the row locks
    (a `SELECT ... FOR UPDATE` of an item already in the identity map) and reuse what
    they read once (the working calendar). Only a process that owns its database, like
    `planflow simulate` on its copy, may say so.
    """
    session.info[SINGLE_WRITER] = True


def is_single_writer(session: Session) -> bool:
    """True if `mark_single_writer` was called on `session`."""
    return bool(session.info.get(SINGLE_WRITER))


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One transaction per job: commit on success, roll back on any error."""
    session = Session(engine or get_engine(), expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
