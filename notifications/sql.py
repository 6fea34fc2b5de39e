"""INSERT ... ON CONFLICT DO NOTHING for PostgreSQL and SQLite alike."""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlmodel import Session, SQLModel

from workflow.db import is_postgres

M = TypeVar("M", bound=SQLModel)


def _insert(session: Session, target: Any) -> Any:
    return pg_insert(target) if is_postgres(session) else sqlite_insert(target)


def insert_ignore(
    *, session: Session, model: type[SQLModel], values: dict[str, Any], conflict: str
) -> bool:
    """Insert one row unless `conflict` (a unique column) already holds its value.

    Never raises on that constraint (no savepoint, no aborted PostgreSQL transaction), also
    when a concurrent transaction inserts the same value first. True when a row was added.
    """
    table = model.__table__  # type: ignore[attr-defined]
    stmt = (
        _insert(session, table).values(**values).on_conflict_do_nothing(index_elements=[conflict])
    )
    result = session.exec(stmt)
    return bool(result.rowcount)


def insert_ignore_many(
    *,
    session: Session,
    model: type[SQLModel],
    rows: list[dict[str, Any]],
    conflict: str,
    chunk: int = 500,
) -> int:
    """`insert_ignore` of many rows, one multi-row statement per `chunk`; rows added."""
    table = model.__table__  # type: ignore[attr-defined]
    added = 0
    for start in range(0, len(rows), chunk):
        stmt = (
            _insert(session, table)
            .values(rows[start : start + chunk])
            .on_conflict_do_nothing(index_elements=[conflict])
            .returning(table.c[conflict])
        )
        # Counted from RETURNING: psycopg reports no rowcount for a multi-row VALUES.
        added += len(session.exec(stmt).all())
    return added


def insert_ignore_returning(
    *, session: Session, model: type[M], values: dict[str, Any], conflict: str
) -> M | None:
    """`insert_ignore` that returns the new row as an ORM object (None when it existed).

    One round trip (INSERT ... ON CONFLICT DO NOTHING RETURNING) instead of insert-then-select.
    """
    stmt = (
        _insert(session, model)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[conflict])
        .returning(model)
    )
    return session.scalars(stmt).first()
