"""Read queries behind the item list and pages: filters, sort, pagination, deadline flags.

Scope is part of the WHERE clause (workflow.services.scope.visible_items), so a page never
fetches rows the user may not see and `has_more` never leaks their existence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import Integer, String, bindparam, case, cast, exists, func, literal
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from api.schemas.items import WorkItemPublic
from workflow.calendar import WorkCalendar
from workflow.deadlines import (
    Flag,
    due_soon_clause,
    due_soon_until,
    flag_of,
    on_track_clause,
    overdue_clause,
)
from workflow.models import CalendarOverride, PlanTask, User, WorkItem
from workflow.models.types import UTCDateTime
from workflow.services.scope import scope_clause
from workflow.services.views import SortKey, ViewFilters
from workflow.settings import Settings
from workflow.states import OPEN_STATES, State

OPEN_VALUES = sorted(s.value for s in OPEN_STATES)


Overrides = frozenset[tuple[date, bool]]
# session.info key of the overrides read together with the signed-in user (safe methods only).
_PREFETCHED = "planflow.calendar_overrides"


@lru_cache(maxsize=8)
def _calendar(overrides: Overrides) -> WorkCalendar:
    # Building a calendar computes years of holidays: reuse it while overrides are unchanged.
    return WorkCalendar(dict(overrides))


@lru_cache(maxsize=1)
def _user_statement() -> Any:
    # The overrides as one "YYYY-MM-DD:1,..." string (NULL when none), read next to the
    # user: the list is exact, so no version counter is needed to know it changed.
    entry = (
        cast(col(CalendarOverride.day), String)
        + literal(":")
        + case((col(CalendarOverride.is_working), "1"), else_="0")
    )
    overrides = sa_select(func.aggregate_strings(entry, ",")).scalar_subquery()
    return sa_select(User, overrides).where(col(User.id) == bindparam("uid"))


def parse_overrides(text: str | None) -> Overrides:
    """The set of (day, is_working) pairs from the aggregated overrides string."""
    if not text:
        return frozenset()
    pairs = (entry.rsplit(":", 1) for entry in text.split(","))
    return frozenset((date.fromisoformat(day[:10]), flag == "1") for day, flag in pairs)


def load_user_with_calendar(session: Session, user_id: int) -> User | None:
    """The user, with the calendar overrides fetched in the same round trip.

    For requests that write nothing: nearly every page and list needs the overrides for
    the due-soon flag, and a request that edits the calendar must not reuse overrides it
    read before its own change.
    """
    row = session.execute(_user_statement(), {"uid": user_id}).first()
    if row is None:
        return None
    session.info[_PREFETCHED] = parse_overrides(row[1])
    user: User = row[0]
    return user


def _overrides(session: Session) -> Overrides:
    prefetched: Overrides | None = session.info.get(_PREFETCHED)
    if prefetched is not None:
        return prefetched
    rows = session.execute(
        sa_select(col(CalendarOverride.day), col(CalendarOverride.is_working))
    ).all()
    return frozenset((day, working) for day, working in rows)


@lru_cache(maxsize=64)
def _due_soon_until(
    now: datetime, days: int | None, overrides: Overrides, settings: Settings
) -> datetime:
    return due_soon_until(now=now, calendar=_calendar(overrides), settings=settings, days=days)


def due_soon_limit(
    session: Session, *, now: datetime, settings: Settings, days: int | None = None
) -> datetime:
    """Items due before this instant (and not yet overdue) are 'sắp đến hạn': due within
    `days` working days (default: the `due_soon_working_days` setting); see workflow.deadlines."""
    calendar = _calendar(_overrides(session))
    return due_soon_until(now=now, calendar=calendar, settings=settings, days=days)


# The list reads only the public columns (no ORM objects) and serializes them in one call;
# `paused_at` follows them, for the flag only.
PUBLIC_COLUMNS = [getattr(WorkItem, name) for name in WorkItemPublic.model_fields if name != "flag"]
LIST_COLUMNS = [*PUBLIC_COLUMNS, WorkItem.paused_at]
_JSON = TypeAdapter(dict[str, Any])


def page_json(
    rows: Sequence[Any], *, now: datetime, soon: datetime, page: int, page_size: int, has_more: bool
) -> bytes:
    """A WorkItemPage as JSON, straight from list-query rows with their deadline flags.

    No model is built per row: the rows hold exactly WorkItemPublic's columns, read from
    constrained table columns, so validating them again would only cost time. A test
    checks that the bytes validate as a WorkItemPage.
    """
    names = [c.key for c in PUBLIC_COLUMNS]
    width = len(names)
    items = [
        dict(zip(names, row[:width], strict=True), flag=flag_of(row, now=now, soon=soon))
        for row in rows
    ]
    page_out = {"items": items, "page": page, "page_size": page_size, "has_more": has_more}
    return _JSON.dump_json(page_out)


@dataclass
class ItemFilter:
    """The list filters; every field is optional and they combine with AND."""

    states: list[State] = field(default_factory=list)
    unit_id: int | None = None
    # The units a list is limited to (the unit page: the units its reader answers for).
    unit_ids: tuple[int, ...] | None = None
    assignee_id: int | None = None
    due_before: datetime | None = None
    due_after: datetime | None = None
    flag: Flag | None = None
    area_id: int | None = None
    plan_id: int | None = None
    mine: bool = False


_SORTS = {
    SortKey.DUE: (col(WorkItem.due_at).asc(), col(WorkItem.id).asc()),
    SortKey.DUE_DESC: (col(WorkItem.due_at).desc(), col(WorkItem.id).desc()),
    SortKey.UPDATED: (col(WorkItem.updated_at).asc(), col(WorkItem.id).asc()),
    SortKey.UPDATED_DESC: (col(WorkItem.updated_at).desc(), col(WorkItem.id).desc()),
    SortKey.ID: (col(WorkItem.id).asc(),),
    SortKey.ID_DESC: (col(WorkItem.id).desc(),),
}


@dataclass(frozen=True)
class _Shape:
    """Which clauses a list statement has; one statement is built per shape and reused."""

    role: str
    active: bool
    sort: SortKey
    flag: Flag | None
    present: frozenset[str]  # the ItemFilter fields in use


@lru_cache(maxsize=512)
def _list_statement(shape: _Shape) -> tuple[Any, frozenset[str]]:
    """The statement for `shape` and the names of the parameters it takes."""
    # Values arrive as bind parameters: building the statement costs more than running it.
    has = shape.present.__contains__
    scope = scope_clause(
        role=shape.role,
        active=shape.active,
        user_id=bindparam("me_id"),
        unit_id=bindparam("me_unit"),
    )
    query: Any = sa_select(*LIST_COLUMNS).where(scope)
    due = col(WorkItem.due_at)
    if has("mine"):
        query = query.where(col(WorkItem.assignee_id) == bindparam("me_id"))
    if has("states"):
        query = query.where(col(WorkItem.state).in_(bindparam("states", expanding=True)))
    if has("unit_id"):
        query = query.where(col(WorkItem.lead_unit_id) == bindparam("unit_id"))
    if has("unit_ids"):
        query = query.where(col(WorkItem.lead_unit_id).in_(bindparam("unit_ids", expanding=True)))
    if has("assignee_id"):
        query = query.where(col(WorkItem.assignee_id) == bindparam("assignee_id"))
    if has("due_before"):
        query = query.where(due < bindparam("due_before"))
    if has("due_after"):
        query = query.where(due >= bindparam("due_after"))
    if shape.flag is Flag.CLOSED:
        query = query.where(col(WorkItem.state).not_in(OPEN_VALUES))
    elif shape.flag is not None:
        query = query.where(col(WorkItem.state).in_(OPEN_VALUES))
        now = bindparam("now", type_=UTCDateTime())
        soon = bindparam("soon", type_=UTCDateTime())
        if shape.flag is Flag.OVERDUE:
            query = query.where(overdue_clause(now))
        elif shape.flag is Flag.DUE_SOON:
            query = query.where(due_soon_clause(now, soon))
        else:
            query = query.where(on_track_clause(now, soon))
    if has("area_id") or has("plan_id"):
        task = exists().where(col(PlanTask.id) == col(WorkItem.plan_task_id))
        if has("area_id"):
            task = task.where(col(PlanTask.area_id) == bindparam("area_id"))
        if has("plan_id"):
            task = task.where(col(PlanTask.plan_id) == bindparam("plan_id"))
        query = query.where(task)
    query = (
        query.order_by(*_SORTS[shape.sort])
        .offset(bindparam("offset", type_=Integer))
        .limit(bindparam("limit", type_=Integer))
    )
    return query, frozenset(query.compile().params)


def list_items(
    *,
    session: Session,
    user: User,
    filters: ItemFilter,
    sort: SortKey,
    page: int,
    page_size: int,
    now: datetime,
    soon: datetime,
) -> tuple[list[Any], bool]:
    """One page of the items `user` may see (rows of LIST_COLUMNS), and if more follow."""
    params: dict[str, Any] = {
        "me_id": user.id,
        "me_unit": user.unit_id,
        "now": now,
        "soon": soon,
        "offset": (page - 1) * page_size,
        "limit": page_size + 1,
        "states": [s.value for s in filters.states],
    }
    present = {"states"} if filters.states else set()
    if filters.mine:
        present.add("mine")
    if filters.unit_ids is not None:
        present.add("unit_ids")
        params["unit_ids"] = list(filters.unit_ids)
    for name in ("unit_id", "assignee_id", "due_before", "due_after", "area_id", "plan_id"):
        value = getattr(filters, name)
        if value is not None:
            present.add(name)
            params[name] = value
    shape = _Shape(user.role, user.is_active, sort, filters.flag, frozenset(present))
    statement, names = _list_statement(shape)
    # Only the parameters this shape takes (its literals carry their own values).
    # Core execution on the session's connection: plain rows need no ORM result machinery.
    values = {k: params[k] for k in names & params.keys()}
    rows = list(session.connection().execute(statement, values).all())
    return rows[:page_size], len(rows) > page_size


def item_filter(
    view: ViewFilters, *, tz: str, unit_ids: tuple[int, ...] | None = None
) -> ItemFilter:
    """The list query's filter for a list's URL filters (workflow.services.views)."""
    after, before = view.due_bounds(tz=tz)
    return ItemFilter(
        states=view.states() or [],
        unit_id=view.unit,
        unit_ids=unit_ids,
        assignee_id=view.assignee,
        due_after=after,
        due_before=before,
        flag=view.flag,
        area_id=view.area,
        plan_id=view.plan,
    )
