"""Read queries behind the item list and pages: filters, sort, pagination, deadline flags.

Scope is part of the WHERE clause (workflow.services.scope.visible_items), so a page never
fetches rows the user may not see and `has_more` never leaks their existence.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import Any, Protocol

from pydantic import TypeAdapter
from sqlalchemy import exists
from sqlalchemy import select as sa_select
from sqlmodel import Session, col

from api.schemas.items import Flag, SortKey, WorkItemPublic
from workflow.calendar import WorkCalendar, end_of_day, local_date
from workflow.models import CalendarOverride, PlanTask, User, WorkItem
from workflow.services.scope import visible_items
from workflow.settings import Settings
from workflow.states import OPEN_STATES, State

OPEN_VALUES = sorted(s.value for s in OPEN_STATES)


@lru_cache(maxsize=8)
def _calendar(overrides: frozenset[tuple[date, bool]]) -> WorkCalendar:
    # Building a calendar computes years of holidays: reuse it while overrides are unchanged.
    return WorkCalendar(dict(overrides))


def calendar_for(session: Session) -> WorkCalendar:
    """The working calendar with the stored overrides (cached per set of overrides)."""
    # A plain column query: this runs on every list request and is usually empty.
    rows = session.execute(
        sa_select(col(CalendarOverride.day), col(CalendarOverride.is_working))
    ).all()
    return _calendar(frozenset((day, working) for day, working in rows))


def due_soon_limit(session: Session, *, now: datetime, settings: Settings) -> datetime:
    """Items due before this instant (and not yet overdue) are 'sắp đến hạn'."""
    cal = calendar_for(session)
    today = local_date(now, tz=settings.timezone)
    day = cal.add_working_days(cal.roll_to_working_day(today), settings.due_soon_working_days)
    return end_of_day(
        day, tz=settings.timezone, hour=settings.end_of_day_hour, minute=settings.end_of_day_minute
    )


class Deadlined(Protocol):
    """Anything with a state and a due time: a WorkItem or a row of the list query."""

    @property
    def state(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...


def flag_of(item: Deadlined, *, now: datetime, soon: datetime) -> Flag:
    if item.state not in OPEN_VALUES:
        return Flag.CLOSED
    if item.due_at < now:
        return Flag.OVERDUE
    if item.due_at <= soon:
        return Flag.DUE_SOON
    return Flag.ON_TRACK


def to_public(item: WorkItem, *, now: datetime, soon: datetime) -> WorkItemPublic:
    return WorkItemPublic.model_validate(item, update={"flag": flag_of(item, now=now, soon=soon)})


# The list reads only the public columns (no ORM objects) and validates them in one call.
PUBLIC_COLUMNS = [getattr(WorkItem, name) for name in WorkItemPublic.model_fields if name != "flag"]
_PUBLIC_LIST = TypeAdapter(list[WorkItemPublic])


def rows_to_public(rows: Sequence[Any], *, now: datetime, soon: datetime) -> list[WorkItemPublic]:
    """Validate list-query rows into public models with their deadline flags."""
    return _PUBLIC_LIST.validate_python(
        [{**row._mapping, "flag": flag_of(row, now=now, soon=soon)} for row in rows]
    )


@dataclass
class ItemFilter:
    """The list filters; every field is optional and they combine with AND."""

    states: list[State] = field(default_factory=list)
    unit_id: int | None = None
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
    """One page of the items `user` may see (rows of PUBLIC_COLUMNS), and if more follow."""
    query: Any = sa_select(*PUBLIC_COLUMNS).where(visible_items(user))
    if filters.mine:
        query = query.where(col(WorkItem.assignee_id) == user.id)
    if filters.states:
        query = query.where(col(WorkItem.state).in_([s.value for s in filters.states]))
    if filters.unit_id is not None:
        query = query.where(col(WorkItem.lead_unit_id) == filters.unit_id)
    if filters.assignee_id is not None:
        query = query.where(col(WorkItem.assignee_id) == filters.assignee_id)
    if filters.due_before is not None:
        query = query.where(col(WorkItem.due_at) < filters.due_before)
    if filters.due_after is not None:
        query = query.where(col(WorkItem.due_at) >= filters.due_after)
    if filters.flag is not None:
        if filters.flag is Flag.CLOSED:
            query = query.where(col(WorkItem.state).not_in(OPEN_VALUES))
        else:
            query = query.where(col(WorkItem.state).in_(OPEN_VALUES))
            if filters.flag is Flag.OVERDUE:
                query = query.where(col(WorkItem.due_at) < now)
            elif filters.flag is Flag.DUE_SOON:
                query = query.where(col(WorkItem.due_at) >= now, col(WorkItem.due_at) <= soon)
            else:
                query = query.where(col(WorkItem.due_at) > soon)
    if filters.area_id is not None or filters.plan_id is not None:
        task = exists().where(col(PlanTask.id) == col(WorkItem.plan_task_id))
        if filters.area_id is not None:
            task = task.where(col(PlanTask.area_id) == filters.area_id)
        if filters.plan_id is not None:
            task = task.where(col(PlanTask.plan_id) == filters.plan_id)
        query = query.where(task)
    query = query.order_by(*_SORTS[sort]).offset((page - 1) * page_size).limit(page_size + 1)
    rows = list(session.execute(query).all())
    return rows[:page_size], len(rows) > page_size
