"""Search (tìm kiếm) over work items, plan tasks, comments and evidence names.

One service for the results page, the API and anything else: `search` reads the index
(workflow/search_index.py) with the engine's full-text search (PostgreSQL `tsvector` through
`unaccent`, SQLite FTS5), keeps only what the person may see (workflow.services.scope: an
item, its comments and evidence exactly when the item is visible; plan tasks for every
active account, as the plan pages are) and ranks what is left:

1. the words as a phrase ("cải cách" next to each other) before the words apart;
2. then the engine's score, a title (an item's or evidence's name, a task's text) above the
   rest (descriptions, comments, notes);
3. then the newest object first.

Every word matches as a prefix, without diacritics or case: "so hoa" finds "Số hóa hồ sơ",
"dang ky" finds "Đăng ký".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, column, func, literal_column, or_, table, text, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from workflow.db import is_postgres
from workflow.errors import InvalidInput
from workflow.models import Comment, Evidence, Plan, PlanTask, User, WorkItem
from workflow.models.search import SEARCH_KINDS, SearchEntry
from workflow.search_index import FTS_TABLE, fold_text
from workflow.services.scope import visible_items

MAX_QUERY_CHARS = 200
MAX_WORDS = 12
_WORD_RE = re.compile(r"\w+")
_EXCERPT = 180


@dataclass(frozen=True)
class Excerpt:
    """A piece of an object's text around the first match, as (text, matched) parts."""

    parts: list[tuple[str, bool]]


@dataclass(frozen=True)
class SearchHit:
    """One result: what it is, where it leads and how to show it."""

    kind: str  # item, task, comment, evidence
    object_id: int
    title: str
    excerpt: Excerpt
    work_item_id: int | None = None
    plan_id: int | None = None
    plan_task_id: int | None = None
    state: str | None = None
    due_at: datetime | None = None
    lead_unit_id: int | None = None
    assignee_id: int | None = None
    title_parts: list[tuple[str, bool]] = field(default_factory=list)


@dataclass(frozen=True)
class SearchResult:
    query: str
    words: list[str]
    hits: list[SearchHit]
    page: int
    page_size: int
    has_more: bool


def query_words(query: str) -> list[str]:
    """The words of a query, folded (no diacritics, lower case); InvalidInput when none."""
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"the search is longer than {MAX_QUERY_CHARS} characters", code="search_too_long"
        )
    words = _WORD_RE.findall(fold_text(query).replace("_", " "))
    if not words:
        raise InvalidInput("type at least one word to search for", code="search_empty")
    return list(dict.fromkeys(words))[:MAX_WORDS]


def search(
    *,
    session: Session,
    user: User,
    query: str,
    kinds: list[str] | None = None,
    page: int = 1,
    page_size: int = 20,
) -> SearchResult:
    """The objects matching `query` that `user` may see, best first (see the module doc)."""
    words = query_words(query)
    unknown = set(kinds or []) - set(SEARCH_KINDS)
    if unknown:
        raise InvalidInput(f"unknown kind {sorted(unknown)[0]!r}", code="search_kind")
    entry = SearchEntry.__table__  # type: ignore[attr-defined]
    task = PlanTask.__table__  # type: ignore[attr-defined]
    item = WorkItem.__table__  # type: ignore[attr-defined]
    may_see = or_(
        and_(
            entry.c.kind == "task",
            task.c.status == "active",
            true() if user.is_active else entry.c.id.is_(None),
        ),
        and_(entry.c.work_item_id.is_not(None), visible_items(user)),
    )
    pg = is_postgres(session)
    source: Any = entry.outerjoin(item, item.c.id == entry.c.work_item_id).outerjoin(
        task, task.c.id == entry.c.plan_task_id
    )
    if pg:
        prefix = func.to_tsquery("simple", func.pf_unaccent(" & ".join(f"{w}:*" for w in words)))
        phrase = func.to_tsquery("simple", func.pf_unaccent(" <-> ".join(words)))
        matched: Any = entry.c.document.op("@@")(prefix)
        phrase_hit: Any = case((entry.c.document.op("@@")(phrase), 1), else_=0)
        score: Any = func.ts_rank(entry.c.document, prefix).desc()
    else:
        fts = table(FTS_TABLE, column("rowid"))
        source = source.join(fts, fts.c.rowid == entry.c.id)
        matched = text("search_fts MATCH :pf_match").bindparams(
            pf_match=" AND ".join(f'"{w}"*' for w in words)
        )
        # The phrase, as a set of rows of its own (FTS5 takes one MATCH per table scan).
        phrase_hit = case(
            (
                text(
                    "search_fts.rowid IN (SELECT rowid FROM search_fts "
                    "WHERE search_fts MATCH :pf_phrase)"
                ).bindparams(pf_phrase='"' + " ".join(words) + '"'),
                1,
            ),
            else_=0,
        )
        # bm25: lower is better; the title counts ten times the rest.
        score = func.bm25(literal_column(FTS_TABLE), 10.0, 1.0).asc()
    statement = sa_select(
        entry.c.kind, entry.c.object_id, entry.c.work_item_id, entry.c.plan_task_id
    ).select_from(source)
    statement = statement.where(matched, may_see)
    if kinds:
        statement = statement.where(entry.c.kind.in_(kinds))
    statement = (
        statement.order_by(phrase_hit.desc(), score, entry.c.id.desc())
        .offset((page - 1) * page_size)
        .limit(page_size + 1)
    )
    rows = list(session.connection().execute(statement).all())
    more = len(rows) > page_size
    hits = _hits(session, rows[:page_size], words)
    return SearchResult(
        query=query, words=words, hits=hits, page=page, page_size=page_size, has_more=more
    )


def _hits(session: Session, rows: list[Any], words: list[str]) -> list[SearchHit]:
    """The rows with what the results show, read per kind in one query each."""
    by_kind: dict[str, list[int]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row.object_id)
    item_ids = {r.work_item_id for r in rows if r.work_item_id is not None}
    items = _by_id(session, WorkItem, item_ids)
    tasks = _by_id(session, PlanTask, set(by_kind.get("task", [])))
    comments = _by_id(session, Comment, set(by_kind.get("comment", [])))
    evidence = _by_id(session, Evidence, set(by_kind.get("evidence", [])))
    plans = _by_id(session, Plan, {t.plan_id for t in tasks.values()})
    hits: list[SearchHit] = []
    for row in rows:
        item = items.get(row.work_item_id) if row.work_item_id is not None else None
        about: dict[str, Any] = {}
        if item is not None:
            about = {
                "work_item_id": item.id,
                "state": item.state,
                "due_at": item.due_at,
                "lead_unit_id": item.lead_unit_id,
                "assignee_id": item.assignee_id,
            }
        if row.kind == "item" and item is not None:
            title, body = (
                item.title,
                " ".join(p for p in (item.description, item.evidence_required) if p),
            )
        elif row.kind == "task" and row.object_id in tasks:
            t = tasks[row.object_id]
            plan = plans.get(t.plan_id)
            title, body = t.text, t.product or ""
            about = {"plan_id": t.plan_id, "plan_task_id": t.id}
            body = body or (plan.title if plan else "")
        elif row.kind == "comment" and row.object_id in comments and item is not None:
            title, body = item.title, comments[row.object_id].body
        elif row.kind == "evidence" and row.object_id in evidence and item is not None:
            e = evidence[row.object_id]
            title, body = (
                e.filename or item.title,
                " ".join(p for p in (e.note, "" if e.filename is None else item.title) if p),
            )
        else:
            continue  # removed since the index was read
        hits.append(
            SearchHit(
                kind=row.kind,
                object_id=row.object_id,
                title=title,
                title_parts=highlight(title, words),
                excerpt=Excerpt(excerpt(body, words)),
                **about,
            )
        )
    return hits


def _by_id(session: Session, model: type[Any], ids: set[int]) -> dict[int, Any]:
    if not ids:
        return {}
    rows = session.exec(select(model).where(col(model.id).in_(ids))).all()
    return {r.id: r for r in rows}


def _spans(text: str, words: list[str]) -> list[tuple[int, int]]:
    """Where the words start a word of `text` (as prefixes), ignoring case and diacritics."""
    folded = fold_text(text)
    spans: list[tuple[int, int]] = []
    for word in words:
        for m in re.finditer(r"(?<!\w)" + re.escape(word) + r"\w*", folded):
            spans.append((m.start(), m.start() + len(word)))
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, words: list[str]) -> list[tuple[str, bool]]:
    """`text` cut into (part, matched) pieces; matched parts are the words found."""
    text = unicodedata.normalize("NFC", text)
    parts: list[tuple[str, bool]] = []
    at = 0
    for start, end in _spans(text, words):
        if start > at:
            parts.append((text[at:start], False))
        parts.append((text[start:end], True))
        at = end
    if at < len(text):
        parts.append((text[at:], False))
    return parts


def excerpt(text: str, words: list[str], size: int = _EXCERPT) -> list[tuple[str, bool]]:
    """About `size` characters of `text` around its first match, highlighted."""
    text = " ".join(unicodedata.normalize("NFC", text).split())
    if len(text) <= size:
        return highlight(text, words)
    spans = _spans(text, words)
    first = spans[0][0] if spans else 0
    start = max(0, first - size // 3)
    end = min(len(text), start + size)
    cut = text[start:end]
    lead = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    parts = highlight(cut, words)
    return [(lead, False), *parts, (tail, False)] if lead or tail else parts
