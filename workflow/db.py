"""Engine and session factories; `session_scope()` is the job commit point."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, create_engine

from workflow.settings import Settings, get_settings


def make_engine(url: str, *, busy_timeout_seconds: float = 30.0, **kwargs: Any) -> Engine:
    """Create an engine for SQLite (embedded) or PostgreSQL (distributed).

    SQLite runs in WAL mode (readers never wait for the writer) and every transaction
    that may write starts with BEGIN IMMEDIATE, so a second writer waits up to
    `busy_timeout_seconds` for the lock. A deferred BEGIN would take the lock only at the
    first write, and SQLite fails such an upgrade at once with "database is locked"
    (waiting could deadlock two readers turning writers), whatever the busy timeout.
    """
    if url.startswith("sqlite"):
        if ":memory:" in url or url.rstrip("/") == "sqlite:":
            # One in-memory database per connection: no pool to size.
            for key in ("pool_size", "max_overflow", "pool_timeout"):
                kwargs.pop(key, None)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": busy_timeout_seconds},
            **kwargs,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # The driver's own implicit BEGIN is turned off: `_sqlite_begin` emits it.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            # WAL lets the web UI read while the in-process scheduler writes.
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_seconds * 1000)}")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Read-only requests run without a transaction (decision 0009).
            if conn.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def engine_options(settings: Settings) -> dict[str, Any]:
    """The pool and lock-wait options of the configured database (see Settings)."""
    return {
        "pool_size": settings.db_pool_size,
        "max_overflow": settings.db_max_overflow,
        "pool_timeout": settings.db_pool_timeout_seconds,
        "busy_timeout_seconds": settings.sqlite_busy_timeout_seconds,
    }


@lru_cache(maxsize=4)
def get_engine(url: str | None = None) -> Engine:
    """Return the shared engine for `url` (default: the configured database)."""
    settings = get_settings()
    return make_engine(url or settings.database_url, **engine_options(settings))


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
