"""The deadline calendar (lịch hạn xử lý): a month or a week of deadlines on the working-day
calendar, for one person, one unit or one plan.

Every day says whether officers work on it (`WorkCalendar.is_working_day`, overrides
applied) and, when it is a day off by law or by decision, why (the holiday's name from
`calendar.law_days`, or the override's reason). Deadlines are the items the person may see
(`scope.visible_items`) due that day in the agency's zone, with the one deadline flag
(`workflow.deadlines.flag_of`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from workflow.calendar import LawDayKind, law_days, load_calendar, local_date
from workflow.deadlines import Flag, due_soon_until, flag_of
from workflow.errors import NotFound
from workflow.models.calendar import CalendarOverride
from workflow.models.org import User
from workflow.models.plan import Plan, PlanTask
from workflow.models.work import WorkItem
from workflow.services.board import board_units
from workflow.services.scope import visible_items
from workflow.settings import Settings

# The `holidays` package's language for each page language.
HOLIDAY_LANGUAGE = {"vi": "vi", "en": "en_US"}
ENTRY_LIMIT = 2000


class View(StrEnum):
    MONTH = "month"
    WEEK = "week"


class Whose(StrEnum):
    """Whose deadlines: the person's own, a unit's (led by it) or a plan's."""

    MINE = "mine"
    UNIT = "unit"
    PLAN = "plan"


@dataclass(frozen=True)
class Entry:
    item_id: int
    title: str
    state: str
    flag: Flag
    due_at: datetime


@dataclass
class Day:
    day: date
    working: bool
    name: str  # the holiday's name or the decision's reason; "" on a plain day
    in_range: bool  # in the month shown (a month grid starts and ends on whole weeks)
    today: bool
    entries: list[Entry] = field(default_factory=list)


@dataclass(frozen=True)
class DeadlineCalendar:
    view: View
    whose: Whose
    anchor: date  # the month's first day, or the week's Monday
    first: date
    last: date
    weeks: list[list[Day]]
    previous: date
    next: date
    total: int
    truncated: bool


def day_names(session: Session, *, first: date, last: date, lang: str) -> dict[date, str]:
    """Why each day off between `first` and `last` is off: the law's holiday names (days in
    lieu and swapped days too) in `lang`, overridden by the decisions' reasons."""
    names: dict[date, str] = {}
    for year in range(first.year, last.year + 1):
        for law in law_days(year, language=HOLIDAY_LANGUAGE.get(lang, "vi")):
            if law.kind is not LawDayKind.WORKING_WEEKEND and first <= law.day <= last:
                names[law.day] = law.name
    for override in session.exec(
        select(CalendarOverride).where(
            col(CalendarOverride.day) >= first, col(CalendarOverride.day) <= last
        )
    ).all():
        names[override.day] = override.reason if not override.is_working else ""
    return names


def span(view: View, anchor: date) -> tuple[date, date, date, date, date]:
    """(anchor, first shown, last shown, previous anchor, next anchor) of a view: a month
    grid from the Monday of its first week to the Sunday of its last, or one week."""
    if view is View.WEEK:
        monday = anchor - timedelta(days=anchor.weekday())
        return (
            monday,
            monday,
            monday + timedelta(days=6),
            monday - timedelta(7),
            monday + timedelta(7),
        )
    start = anchor.replace(day=1)
    nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
    prev = date(start.year - (start.month == 1), (start.month - 2) % 12 + 1, 1)
    end = nxt - timedelta(days=1)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return start, first, last, prev, nxt


def deadline_calendar(
    *,
    session: Session,
    user: User,
    now: datetime,
    settings: Settings,
    lang: str,
    view: View = View.MONTH,
    anchor: date | None = None,
    whose: Whose = Whose.MINE,
    unit_id: int | None = None,
    plan_id: int | None = None,
) -> DeadlineCalendar:
    """The calendar of deadlines `user` may see (NotFound: a unit whose board they may not
    open, or no such plan)."""
    tz = settings.timezone
    today = local_date(now, tz=tz)
    start, first, last, prev, nxt = span(view, anchor or today)
    zone = ZoneInfo(tz)
    begin = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    query = select(WorkItem).where(
        visible_items(user), col(WorkItem.due_at) >= begin, col(WorkItem.due_at) < end
    )
    if whose is Whose.MINE:
        query = query.where(col(WorkItem.assignee_id) == user.id)
    elif whose is Whose.UNIT:
        if unit_id not in {u.id for u in board_units(session=session, user=user)}:
            raise NotFound(f"no calendar of unit {unit_id} for {user.username}")
        query = query.where(col(WorkItem.lead_unit_id) == unit_id)
    else:
        if plan_id is None or session.get(Plan, plan_id) is None:
            raise NotFound(f"plan {plan_id} not found")
        tasks = select(PlanTask.id).where(col(PlanTask.plan_id) == plan_id)
        query = query.where(col(WorkItem.plan_task_id).in_(tasks))
    items = session.exec(
        query.order_by(col(WorkItem.due_at), col(WorkItem.id)).limit(ENTRY_LIMIT + 1)
    ).all()
    calendar = load_calendar(session=session)
    soon = due_soon_until(now=now, calendar=calendar, settings=settings)
    names = day_names(session, first=first, last=last, lang=lang)
    days: dict[date, Day] = {}
    day = first
    while day <= last:
        working = calendar.is_working_day(day)
        days[day] = Day(
            day=day,
            working=working,
            name=names.get(day, "") if not working else "",
            in_range=view is View.WEEK or day.month == start.month,
            today=day == today,
        )
        day += timedelta(days=1)
    for item in items[:ENTRY_LIMIT]:
        days[local_date(item.due_at, tz=tz)].entries.append(
            Entry(
                item_id=item.id or 0,
                title=item.title,
                state=item.state,
                flag=flag_of(item, now=now, soon=soon),
                due_at=item.due_at,
            )
        )
    ordered = list(days.values())
    return DeadlineCalendar(
        view=view,
        whose=whose,
        anchor=start,
        first=first,
        last=last,
        weeks=[ordered[i : i + 7] for i in range(0, len(ordered), 7)],
        previous=prev,
        next=nxt,
        total=min(len(items), ENTRY_LIMIT),
        truncated=len(items) > ENTRY_LIMIT,
    )
