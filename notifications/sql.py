"""INSERT ... ON CONFLICT DO NOTHING for PostgreSQL and SQLite alike."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

from workflow.db import is_postgres


def insert_ignore(
    *, session: Session, model: type[SQLModel], values: dict[str, Any], conflict: str
) -> bool:
    """Insert one row unless `conflict` (a unique column) already holds its value.

    Never raises on that constraint (no savepoint, no aborted PostgreSQL transaction), also
    when a concurrent transaction inserts the same value first. True when a row was added.
    """
    table = model.__table__  # type: ignore[attr-defined]
    if is_postgres(session):
        stmt: Any = (
            pg_insert(table).values(**values).on_conflict_do_nothing(index_elements=[conflict])
        )
    else:
        stmt = (
            sqlite_insert(table).values(**values).on_conflict_do_nothing(index_elements=[conflict])
        )
    result = session.exec(stmt)
    return bool(result.rowcount)
