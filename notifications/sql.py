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
    *, session: Session, model: type[SQLModel], rows: list[dict[str, Any]], conflict: str
) -> int:
    """`insert_ignore` of many rows in one call; the number of rows added.

    An executemany of one cached statement: SQLAlchemy's insertmanyvalues sends it as
    multi-row VALUES batches, where a hand-built `.values(rows)` would be compiled anew
    for every batch size.
    """
    if not rows:
        return 0
    table = model.__table__  # type: ignore[attr-defined]
    stmt = (
        _insert(session, table)
        .on_conflict_do_nothing(index_elements=[conflict])
        .returning(table.c[conflict])
    )
    # Counted from RETURNING: only the rows actually inserted come back.
    return len(session.execute(stmt, rows).all())


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
