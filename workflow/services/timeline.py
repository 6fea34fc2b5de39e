"""A plan's timeline (tiến độ kế hoạch dạng Gantt): areas and tasks on a month axis, each
work item a bar from its start (ngày giao) to its deadline, an extension drawn against the
original deadline, today's line, and a milestone for each year an indicator has a target.

Positions are computed here as percentages of the window shown (the whole plan period, one
year or one quarter), so the page only places boxes. Only items the person may see are
drawn (`scope.visible_items`); the deadline flag is `workflow.deadlines.flag_of`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from workflow.calendar import load_calendar, local_date
from workflow.deadlines import Flag, due_soon_until, flag_of
from workflow.errors import InvalidInput, NotFound
from workflow.models.org import User
from workflow.models.plan import Area, Indicator, IndicatorTarget, Plan, PlanTask
from workflow.models.work import WorkItem
from workflow.services.scope import visible_items
from workflow.settings import Settings
from workflow.states import State

# More bars than this are not drawn (the page says so): a year or an area shows them all.
BAR_LIMIT = 1500


class Zoom(StrEnum):
    PLAN = "plan"  # the plan's whole period
    YEAR = "year"
    QUARTER = "quarter"


@dataclass(frozen=True)
class Bar:
    """One work item; `left`/`width` in % of the window, `original` the original deadline's
    position when an extension moved it (`extension_width`: the part past it)."""

    item_id: int
    title: str
    state: State
    flag: Flag
    start: date
    due: date
    original_due: date | None
    left: float
    width: float
    original_at: float | None
    extension_left: float | None
    extension_width: float


@dataclass
class TaskRow:
    task_id: int
    text: str
    bars: list[Bar] = field(default_factory=list)


@dataclass
class AreaRow:
    area_id: int
    number: int
    title: str
    tasks: list[TaskRow] = field(default_factory=list)
    left: float = 0.0
    width: float = 0.0
    overdue: int = 0


@dataclass(frozen=True)
class Tick:
    """A month (or a year on the plan's whole period) on the axis."""

    start: date
    left: float
    width: float


@dataclass(frozen=True)
class Milestone:
    year: int
    at: float
    indicators: tuple[str, ...]


@dataclass(frozen=True)
class Timeline:
    plan: Plan
    zoom: Zoom
    first: date
    last: date
    months: list[Tick]
    years: list[Tick]
    today: date
    today_at: float | None
    areas: list[AreaRow]
    milestones: list[Milestone]
    year: int  # the year shown (zoom year/quarter) or today's within the period
    quarter: int
    first_year: int
    last_year: int
    truncated: bool  # more than BAR_LIMIT bars: zoom in or pick an area


def _quarter_window(year: int, quarter: int) -> tuple[date, date]:
    first = date(year, 3 * quarter - 2, 1)
    nxt = date(year + (quarter == 4), (3 * quarter) % 12 + 1, 1)
    return first, nxt - timedelta(days=1)


def plan_years(plan: Plan, *, today: date) -> tuple[int, int]:
    """The plan's period (its own years; this year when it names none)."""
    first = plan.start_year or plan.end_year or today.year
    last = plan.end_year or first
    return min(first, last), max(first, last)


def window(
    zoom: Zoom, *, first_year: int, last_year: int, year: int, quarter: int
) -> tuple[date, date]:
    """The first and last day shown at `zoom`."""
    if zoom is Zoom.PLAN:
        return date(first_year, 1, 1), date(last_year, 12, 31)
    if zoom is Zoom.YEAR:
        return date(year, 1, 1), date(year, 12, 31)
    return _quarter_window(year, quarter)


def plan_timeline(
    *,
    session: Session,
    user: User,
    plan_id: int,
    now: datetime,
    settings: Settings,
    zoom: Zoom = Zoom.PLAN,
    year: int | None = None,
    quarter: int | None = None,
    area_id: int | None = None,
) -> Timeline:
    """The timeline of `plan_id` for `user` as of `now` (see the module docstring)."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    tz = settings.timezone
    today = local_date(now, tz=tz)
    first_year, last_year = plan_years(plan, today=today)
    shown_year = year if year is not None else min(max(today.year, first_year), last_year)
    shown_quarter = quarter if quarter is not None else (today.month - 1) // 3 + 1
    if not 1 <= shown_quarter <= 4:
        raise InvalidInput("a quarter is 1 to 4", code="timeline_quarter")
    if not first_year - 1 <= shown_year <= last_year + 1:
        raise InvalidInput("the year is outside the plan's period", code="timeline_year")
    first, last = window(
        zoom, first_year=first_year, last_year=last_year, year=shown_year, quarter=shown_quarter
    )
    span = (last - first).days + 1

    def at(day: date) -> float:
        return round(min(max((day - first).days, 0), span) * 100 / span, 3)

    zone = ZoneInfo(tz)
    query: Any = (
        # Columns, not ORM objects: a year of a large plan is a thousand bars.
        sa_select(
            col(WorkItem.id),
            col(WorkItem.title),
            col(WorkItem.state),
            col(WorkItem.start_on),
            col(WorkItem.due_at),
            col(WorkItem.original_due_at),
            col(WorkItem.paused_at),
            col(PlanTask.id).label("task_id"),
            col(PlanTask.area_id),
            col(PlanTask.text),
        )
        .join(PlanTask, col(PlanTask.id) == col(WorkItem.plan_task_id))
        .where(
            col(PlanTask.plan_id) == plan_id,
            visible_items(user),
            # Only bars that cross the window (a deadline before it or a start after it: none).
            col(WorkItem.due_at) >= datetime.combine(first, time(0), tzinfo=zone),
            col(WorkItem.start_on) <= last,
        )
        .order_by(col(PlanTask.area_id), col(PlanTask.position), col(WorkItem.start_on))
        .limit(BAR_LIMIT + 1)
    )
    if area_id is not None:
        query = query.where(col(PlanTask.area_id) == area_id)
    soon = due_soon_until(now=now, calendar=load_calendar(session=session), settings=settings)
    areas = {
        a.id: AreaRow(a.id or 0, a.number, a.title)
        for a in session.exec(
            select(Area).where(col(Area.plan_id) == plan_id).order_by(col(Area.number))
        ).all()
    }
    tasks: dict[int, TaskRow] = {}
    rows = session.execute(query).all()
    for item in rows[:BAR_LIMIT]:
        start = item.start_on
        due = local_date(item.due_at, tz=tz)
        if due < first or start > last:
            continue
        original = local_date(item.original_due_at, tz=tz)
        extended = original != due
        left = at(start)
        flag = flag_of(item, now=now, soon=soon)
        bar = Bar(
            item_id=item.id or 0,
            title=item.title,
            state=State(item.state),
            flag=flag,
            start=start,
            due=due,
            original_due=original if extended else None,
            left=left,
            width=max(at(due + timedelta(days=1)) - left, 0.4),
            original_at=at(original + timedelta(days=1)) if extended else None,
            extension_left=at(min(original, due) + timedelta(days=1)) if extended else None,
            extension_width=(
                abs(at(due + timedelta(days=1)) - at(original + timedelta(days=1)))
                if extended
                else 0.0
            ),
        )
        row = tasks.get(item.task_id)
        if row is None:
            row = tasks[item.task_id] = TaskRow(item.task_id, item.text)
            areas[item.area_id].tasks.append(row)
        row.bars.append(bar)
    shown = [a for a in areas.values() if a.tasks]
    for area in shown:
        bars = [b for t in area.tasks for b in t.bars]
        area.left = min(b.left for b in bars)
        area.width = max(b.left + b.width for b in bars) - area.left
        area.overdue = sum(b.flag is Flag.OVERDUE for b in bars)
    months = []
    month = date(first.year, first.month, 1)
    while month <= last:
        nxt = date(month.year + (month.month == 12), month.month % 12 + 1, 1)
        months.append(Tick(month, at(month), at(nxt) - at(month)))
        month = nxt
    years = [
        Tick(date(y, 1, 1), at(date(y, 1, 1)), at(date(y + 1, 1, 1)) - at(date(y, 1, 1)))
        for y in range(first.year, last.year + 1)
    ]
    return Timeline(
        plan=plan,
        zoom=zoom,
        first=first,
        last=last,
        months=months,
        years=years,
        today=today,
        today_at=at(today) if first <= today <= last else None,
        areas=shown,
        milestones=_milestones(session, plan_id=plan_id, first=first, last=last, at=at),
        year=shown_year,
        quarter=shown_quarter,
        first_year=first_year,
        last_year=last_year,
        truncated=len(rows) > BAR_LIMIT,
    )


def _milestones(
    session: Session, *, plan_id: int, first: date, last: date, at: Callable[[date], float]
) -> list[Milestone]:
    """A milestone at the end of each year an indicator of the plan has a target for."""
    rows = session.exec(
        select(IndicatorTarget.year, Indicator.name)
        .join(Indicator, col(Indicator.id) == col(IndicatorTarget.indicator_id))
        .join(Area, col(Area.id) == col(Indicator.area_id))
        .where(col(Area.plan_id) == plan_id)
        .order_by(col(IndicatorTarget.year), col(Indicator.id))
    ).all()
    by_year: dict[int, list[str]] = {}
    for year, name in rows:
        by_year.setdefault(year, []).append(name)
    return [
        Milestone(year, at(date(year, 12, 31)), tuple(names))
        for year, names in sorted(by_year.items())
        if first <= date(year, 12, 31) <= last
    ]
