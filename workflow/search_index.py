"""Keeping the search index in step with the data (decision 0029).

The write path keeps it: after every ORM flush, `_after_flush` re-indexes the work items,
plan tasks, comments and evidence the flush added or whose text changed, and drops the
entries of deleted ones, on the same connection and in the same transaction (nothing is
ever indexed that did not commit). Writers that bypass the ORM (the plan import's bulk
statements) call `index_objects` themselves; `rebuild` re-indexes everything (a database
restored from an older dump, `planflow search reindex`).

Text goes in as written (NFC). PostgreSQL folds it with `unaccent` (through an IMMUTABLE
wrapper `pf_unaccent` in the app's schema) into a weighted `tsvector`; SQLite's FTS5 table
gets it folded here (`fold_text`: no diacritics, "đ" → "d", lower case), since FTS5's
`remove_diacritics` leaves "đ" alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import UOWTransaction
from sqlmodel import Session, col, select

from workflow.models.plan import PlanTask
from workflow.models.search import SearchEntry
from workflow.models.work import Comment, Evidence, WorkItem

# What each kind indexes: (title fields, weight A; other fields, weight B).
_FIELDS: dict[type[Any], tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    WorkItem: ("item", ("title",), ("description", "evidence_required")),
    PlanTask: ("task", ("text",), ("product",)),
    Comment: ("comment", (), ("body",)),
    Evidence: ("evidence", ("filename",), ("note",)),
}
KIND_MODELS: dict[str, type[Any]] = {kind: model for model, (kind, _, _) in _FIELDS.items()}


_NOT_WORD_RE = re.compile(r"[\W_]+")


def fold_char(ch: str) -> str:
    """One character without its diacritics, lower case ("Ệ" → "e", "Đ" → "d")."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[:1] or ch
    low = base.lower()
    return low if len(low) == 1 else base


def fold_text(value: str) -> str:
    """`value` without diacritics, lower case, one character for one (so offsets in the
    folded text are offsets in the NFC text: the results page highlights by them)."""
    return "".join(fold_char(ch) for ch in unicodedata.normalize("NFC", value))


@dataclass(frozen=True)
class _Doc:
    kind: str
    object_id: int
    work_item_id: int | None
    plan_task_id: int | None
    title: str
    body: str


def _doc(obj: Any) -> _Doc:
    kind, heads, rest = _FIELDS[type(obj)]

    def joined(names: tuple[str, ...]) -> str:
        parts = (getattr(obj, n) for n in names)
        # Words only: PostgreSQL's parser would keep "kiem-soat.docx" as one file name.
        words = _NOT_WORD_RE.sub(" ", " ".join(p for p in parts if p))
        return unicodedata.normalize("NFC", words)

    return _Doc(
        kind=kind,
        object_id=obj.id,
        work_item_id=obj.id if kind == "item" else getattr(obj, "work_item_id", None),
        plan_task_id=obj.id if kind == "task" else None,
        title=joined(heads),
        body=joined(rest),
    )


def _is_postgres(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


_PG_UPSERT = text(
    "INSERT INTO search_entry (kind, object_id, work_item_id, plan_task_id, document) "
    "VALUES (:kind, :object_id, :work_item_id, :plan_task_id, "
    "setweight(to_tsvector('simple', pf_unaccent(:title)), 'A') || "
    "setweight(to_tsvector('simple', pf_unaccent(:body)), 'B')) "
    "ON CONFLICT (kind, object_id) DO UPDATE SET document = excluded.document, "
    "work_item_id = excluded.work_item_id, plan_task_id = excluded.plan_task_id"
)
_SQLITE_UPSERT = text(
    "INSERT INTO search_entry (kind, object_id, work_item_id, plan_task_id) "
    "VALUES (:kind, :object_id, :work_item_id, :plan_task_id) "
    "ON CONFLICT (kind, object_id) DO UPDATE SET "
    "work_item_id = excluded.work_item_id, plan_task_id = excluded.plan_task_id "
    "RETURNING id"
)
_SQLITE_FTS_DELETE = text("DELETE FROM search_fts WHERE rowid = :id")
_SQLITE_FTS_INSERT = text("INSERT INTO search_fts (rowid, title, body) VALUES (:id, :title, :body)")


def _write(conn: Connection, docs: list[_Doc]) -> None:
    if not docs:
        return
    rows = [d.__dict__ for d in docs]
    if _is_postgres(conn):
        conn.execute(_PG_UPSERT, rows)
        return
    for d in docs:
        entry_id = conn.execute(_SQLITE_UPSERT, d.__dict__).scalar_one()
        conn.execute(_SQLITE_FTS_DELETE, {"id": entry_id})
        conn.execute(
            _SQLITE_FTS_INSERT,
            {"id": entry_id, "title": fold_text(d.title), "body": fold_text(d.body)},
        )


def _drop(conn: Connection, keys: list[tuple[str, int]]) -> None:
    for kind, object_id in keys:
        params = {"kind": kind, "object_id": object_id}
        if not _is_postgres(conn):
            conn.execute(
                text(
                    "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_entry "
                    "WHERE kind = :kind AND object_id = :object_id)"
                ),
                params,
            )
        conn.execute(
            text("DELETE FROM search_entry WHERE kind = :kind AND object_id = :object_id"),
            params,
        )


def _text_changed(obj: Any) -> bool:
    from sqlalchemy import inspect

    _, heads, rest = _FIELDS[type(obj)]
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in (*heads, *rest))


def _after_flush(session: OrmSession, _flush: UOWTransaction) -> None:
    docs: list[_Doc] = []
    for obj in session.new:
        if type(obj) in _FIELDS:
            docs.append(_doc(obj))
    for obj in session.dirty:
        if type(obj) in _FIELDS and _text_changed(obj):
            docs.append(_doc(obj))
    gone = [(_FIELDS[type(o)][0], o.id) for o in session.deleted if type(o) in _FIELDS]
    if docs or gone:
        conn = session.connection()
        _write(conn, docs)
        _drop(conn, gone)


event.listen(OrmSession, "after_flush", _after_flush)


def index_objects(*, session: Session, model: type[Any], ids: Iterable[int]) -> int:
    """(Re-)index the rows of `model` with these ids: for writers that bypass the ORM."""
    wanted = list(ids)
    count = 0
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        objs = session.exec(select(model).where(col(model.id).in_(chunk))).all()
        _write(session.connection(), [_doc(o) for o in objs])
        count += len(objs)
    return count


def rebuild(*, session: Session) -> int:
    """Index every item, plan task, comment and evidence again; the number indexed."""
    conn = session.connection()
    if not _is_postgres(conn):
        conn.execute(text("DELETE FROM search_fts"))
    conn.execute(text("DELETE FROM search_entry"))
    count = 0
    for model in _FIELDS:
        ids = session.exec(select(model.id)).all()
        count += index_objects(session=session, model=model, ids=ids)
    return count


FTS_TABLE = "search_fts"


def index_if_empty(conn: Connection) -> int:
    """Index everything when the index is empty but the data is not (a database that had
    items before revision 0004 added the index); 0 otherwise. Run after `install`."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table("search_entry"):
        return 0
    if conn.execute(text("SELECT 1 FROM search_entry LIMIT 1")).first() is not None:
        return 0
    has_data = conn.execute(
        text("SELECT 1 FROM work_item UNION ALL SELECT 1 FROM plan_task LIMIT 1")
    ).first()
    if has_data is None:
        return 0
    with Session(bind=conn) as session:
        count = rebuild(session=session)
        session.flush()
    return count


def is_engine_table(name: str | None) -> bool:
    """True for SQLite's FTS5 table and its shadow tables (search_fts_data, ...): made by
    `install`, not by the models, so schema comparisons leave them out."""
    return name is not None and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_"))


def install(conn: Connection) -> None:
    """The parts of the index the models cannot declare; idempotent, run after migrating.

    PostgreSQL: the `unaccent` extension (kept in the schema it was first created in,
    `public` by default) and `pf_unaccent`, the IMMUTABLE wrapper a tsvector needs, in the
    app's schema. SQLite: the FTS5 table."""
    if _is_postgres(conn):
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public"))
        schema = conn.execute(
            text(
                "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                "ON n.oid = e.extnamespace WHERE e.extname = 'unaccent'"
            )
        ).scalar_one()
        quoted = '"' + schema.replace('"', '""') + '"'
        conn.execute(
            text(
                "CREATE OR REPLACE FUNCTION pf_unaccent(text) RETURNS text "
                "LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS "
                f"$$ SELECT {quoted}.unaccent('{quoted}.unaccent'::regdictionary, $1) $$"
            )
        )
        return
    conn.execute(
        text(
            "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5("
            "title, body, tokenize = 'unicode61 remove_diacritics 2')"
        )
    )


__all__ = ["KIND_MODELS", "SearchEntry", "fold_text", "index_objects", "install", "rebuild"]
