"""Aggregation queries behind a report: one SQL GROUP BY, then roll-ups over the groups.

Each item is classified as of the period's cutoff (the first instant after its last
day), so a period can be recomputed later from the stored timestamps:
- in scope: not cancelled, withdrawn or returned; created before the cutoff; not
  closed before the period began (earlier work belongs to earlier reports);
- done on time / done late: done before the cutoff (`closed_on_time`, or closed by
  `due_at` when the engine left it unset);
- otherwise open at the cutoff: overdue when its deadline passed before the period's last
  day began (`Window.late_from`: an item due on the cut-off day is not late yet), else in
  progress on time (an item done after the cutoff was still in progress then);
- due (đến hạn): done, or its deadline before the cutoff; the completion rate is done over
  due, so work not yet due neither helps nor hurts it;
- tasks (nhiệm vụ) are counted apart from items (lượt thực hiện): the plan tasks the items
  come from (a recurring task's occurrences and a group task's shares are one task), plus
  each item outside the plan.

Working days overdue need the holiday calendar, which lives in Python. On PostgreSQL it
travels into the one GROUP BY as an array parameter: the instants at which the working
days of the last years begin. `width_bucket(due_at, starts)` counts the working days
begun by an item's deadline, so the working days it is overdue are the table's length
minus that count, summed per group, and the rows are scanned once. SQLite, and any item
due before the table's first day, take a narrow second query grouped by local due date:
the calendar is consulted once per group, never once per row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    DateTime,
    Integer,
    String,
    and_,
    bindparam,
    cast,
    func,
    literal,
    not_,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql import Select
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from workflow.calendar import WorkCalendar
from workflow.clock import ensure_utc
from workflow.deadlines import overdue_clause
from workflow.i18n import N_
from workflow.indicators import Milestone, applied_target, judge
from workflow.models.org import Unit, User
from workflow.models.plan import Area, Indicator, IndicatorReading, IndicatorTarget, Plan, PlanTask
from workflow.models.work import ExtensionRequest, WorkItem
from workflow.reporting.periods import Period
from workflow.reporting.snapshot import Counts, GroupRow, IndicatorRow, ItemRow
from workflow.states import State

# Stored in snapshots in Vietnamese; a reader of another language gets its translation.
OTHER_AREA = N_("Nhiệm vụ khác (ngoài kế hoạch)")
EXCLUDED_STATES = [State.CANCELLED.value, State.WITHDRAWN.value, State.RETURNED.value]
COUNT_FIELDS = [
    "total",
    "due",
    "tasks",
    "done_on_time",
    "done_late",
    "in_progress_on_time",
    "overdue",
    "new_overdue",
    "escalated",
    "extension_requests",
]
# Years of due dates covered by the PostgreSQL working-day table (older: second query).
OVERDUE_TABLE_YEARS = 5

wi = WorkItem.__table__  # type: ignore[attr-defined]
pt = PlanTask.__table__  # type: ignore[attr-defined]
er = ExtensionRequest.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Window:
    """The instants bounding a period, in UTC, plus what the calendar needs.

    `late_from` is when a deadline counts as missed: for a report period the start of its
    last day (the cut-off day), so an item due that day is due, not overdue; for a live
    window (the dashboard) the cutoff itself, now."""

    begin: datetime
    cutoff: datetime
    last_day: date
    tz: str
    late_from: datetime | None = None

    @property
    def late(self) -> datetime:
        return self.late_from or self.cutoff

    @classmethod
    def of(cls, period: Period, tz: str) -> Window:
        last_day = datetime.combine(period.end, time(0), tzinfo=ZoneInfo(tz))
        return cls(period.begin_at(tz), period.cutoff_at(tz), period.end, tz, last_day)


def local_date(session: Session, column: Any, window: Window) -> ColumnElement[Any]:
    """The agency-zone calendar date of a UTC timestamp column, in SQL."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone(window.tz, column), Date)
    # SQLite stores UTC wall time; the zone's offset at the cutoff is exact for Vietnam
    # (no daylight saving time).
    offset = ZoneInfo(window.tz).utcoffset(window.cutoff.replace(tzinfo=None)) or timedelta()
    return func.date(column, f"{int(offset.total_seconds() // 60):+d} minutes")


def _as_date(value: Any) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


Instant = datetime | ColumnElement[Any]


def scope_filter(
    window: Window | None = None,
    plan_id: int | None = None,
    *,
    begin: Instant | None = None,
    cutoff: Instant | None = None,
    by_plan: ColumnElement[Any] | None = None,
) -> ColumnElement[bool]:
    """Items counted in a period (see the module docstring); the bounds come from
    `window` or are given as bound parameters."""
    begin = window.begin if window is not None else begin
    cutoff = window.cutoff if window is not None else cutoff
    conds = [
        wi.c.state.not_in(EXCLUDED_STATES),
        wi.c.created_at < cutoff,
        or_(wi.c.closed_at.is_(None), wi.c.closed_at >= begin),
    ]
    if plan_id is not None:
        conds.append(pt.c.plan_id == plan_id)
    if by_plan is not None:
        conds.append(pt.c.plan_id == by_plan)
    return and_(*conds)


def subset_filter(
    unit_ids: Collection[int] | None = None, assignee_id: int | None = None
) -> list[ColumnElement[bool]]:
    """Items led by one of `unit_ids` and/or assigned to `assignee_id` (None: any), for
    numbers about part of the agency (a dashboard's unit scope, an officer's own work)."""
    conds: list[ColumnElement[bool]] = []
    if unit_ids is not None:
        conds.append(wi.c.lead_unit_id.in_(list(unit_ids)))
    if assignee_id is not None:
        conds.append(wi.c.assignee_id == assignee_id)
    return conds


def _flags(
    cutoff: Instant, late_from: Instant
) -> tuple[ColumnElement[bool], ColumnElement[bool], ColumnElement[bool]]:
    done = and_(wi.c.state == State.DONE.value, wi.c.closed_at < cutoff)
    on_time = func.coalesce(wi.c.closed_on_time, wi.c.closed_at <= wi.c.due_at)
    # The deadline test first: it settles most rows before the state string is compared.
    overdue = and_(overdue_clause(late_from), not_(done))
    return done, on_time, overdue


@lru_cache(maxsize=64)
def working_day_starts(calendar: WorkCalendar, first: date, last: date, tz: str) -> tuple[str, int]:
    """The local midnights of the working days from `first` to `last` as a PostgreSQL
    array literal, and how many there are; cached, calendars being immutable."""
    zone = ZoneInfo(tz)
    days = calendar.working_days_in(first, last)
    starts = ",".join(datetime.combine(day, time(0), tzinfo=zone).isoformat() for day in days)
    return "{" + starts + "}", len(days)


@lru_cache(maxsize=16)
def _counts_statement(
    *, postgres: bool, by_plan: bool, by_units: bool = False, by_assignee: bool = False
) -> Select[Any]:
    """The GROUP BY of `grouped_counts`, built once: only parameters change per call
    (begin, cutoff, plan_id, unit_ids, assignee_id and, on PostgreSQL, working_day_starts)."""
    begin = bindparam("begin", type_=wi.c.due_at.type)
    cutoff = bindparam("cutoff", type_=wi.c.due_at.type)
    late_from = bindparam("late_from", type_=wi.c.due_at.type)
    done, on_time, overdue = _flags(cutoff, late_from)
    ext = (
        select(er.c.work_item_id, func.count().label("n"))
        .where(er.c.created_at >= begin, er.c.created_at < cutoff)
        .group_by(er.c.work_item_id)
        .subquery("ext")
    )
    # Aggregate FILTERs rather than SUM(CASE ...): no per-row integer to add up.
    counted = {
        "done_on_time": and_(done, on_time),
        "done_late": and_(done, not_(on_time)),
        "due": or_(wi.c.due_at < cutoff, done),
        "in_progress_on_time": and_(not_(overdue_clause(late_from)), not_(done)),
        "overdue": overdue,
        "new_overdue": and_(wi.c.due_at >= begin, overdue),
        "escalated": and_(wi.c.escalation_level > 0, not_(done)),
    }
    ranked = []
    if postgres:
        # One text parameter, parsed once in an InitPlan: text → timestamptz is only
        # STABLE, so a bare cast would be parsed again for every row; a driver adapting
        # a thousand datetimes is slower than the parse.
        starts = select(
            cast(bindparam("working_day_starts", type_=String), ARRAY(DateTime(timezone=True)))
        ).scalar_subquery()
        # How many working days of the table had begun by the deadline.
        rank = func.width_bucket(wi.c.due_at, starts, type_=Integer)
        ranked = [
            func.sum(rank).filter(overdue).label("rank_sum"),
            # The oldest deadline gives the group's maximum.
            func.min(wi.c.due_at).filter(overdue).label("oldest_due_at"),
        ]
    plan = bindparam("plan_id", type_=Integer) if by_plan else None
    subset = []
    if by_units:
        subset.append(wi.c.lead_unit_id.in_(bindparam("unit_ids", expanding=True)))
    if by_assignee:
        subset.append(wi.c.assignee_id == bindparam("assignee_id", type_=Integer))
    return (
        select(
            pt.c.area_id.label("area_id"),
            wi.c.lead_unit_id.label("unit_id"),
            func.count().label("total"),
            *(func.count().filter(cond).label(name) for name, cond in counted.items()),
            # Within a group (one area, one unit): the plan tasks, and each item outside it.
            (
                func.count(func.distinct(wi.c.plan_task_id))
                + func.count().filter(wi.c.plan_task_id.is_(None))
            ).label("tasks"),
            func.sum(ext.c.n).label("extension_requests"),
            *ranked,
        )
        .select_from(
            wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id).outerjoin(
                ext, ext.c.work_item_id == wi.c.id
            )
        )
        .where(scope_filter(begin=begin, cutoff=cutoff, by_plan=plan), *subset)
        .group_by(pt.c.area_id, wi.c.lead_unit_id)
    )


def grouped_counts(
    session: Session,
    window: Window,
    *,
    calendar: WorkCalendar,
    plan_id: int | None = None,
    unit_ids: Collection[int] | None = None,
    assignee_id: int | None = None,
) -> dict[tuple[int | None, int], Counts]:
    """Counts per (area id, lead unit id), from one GROUP BY query (see the docstring);
    only items led by `unit_ids` and/or assigned to `assignee_id` when given."""
    postgres = session.get_bind().dialect.name == "postgresql"
    stmt = _counts_statement(
        postgres=postgres,
        by_plan=plan_id is not None,
        by_units=unit_ids is not None,
        by_assignee=assignee_id is not None,
    )
    params: dict[str, Any] = {
        "begin": window.begin,
        "cutoff": window.cutoff,
        "late_from": window.late,
    }
    if plan_id is not None:
        params["plan_id"] = plan_id
    if unit_ids is not None:
        params["unit_ids"] = list(unit_ids)
    if assignee_id is not None:
        params["assignee_id"] = assignee_id
    table_first = date(window.last_day.year - OVERDUE_TABLE_YEARS, 1, 1)
    table_days = 0
    if postgres:
        params["working_day_starts"], table_days = working_day_starts(
            calendar, table_first, window.last_day, window.tz
        )
    acc: dict[tuple[int | None, int], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    zone = ZoneInfo(window.tz)
    recount = not postgres
    for row in session.execute(stmt, params).mappings():
        cell = acc[(row["area_id"], row["unit_id"])]
        for name in COUNT_FIELDS:
            cell[name] += int(row[name] or 0)
        if postgres and cell["overdue"]:
            oldest = ensure_utc(row["oldest_due_at"]).astimezone(zone).date()
            # Due before the table's first working day: the rank cannot tell, recount.
            recount = recount or oldest < table_first
            cell["overdue_working_days"] = cell["overdue"] * table_days - int(row["rank_sum"])
            cell["max_overdue_working_days"] = calendar.working_days_between(
                oldest, window.last_day
            )
    if recount:
        for cell in acc.values():
            cell["overdue_working_days"] = cell["max_overdue_working_days"] = 0
        subset = subset_filter(unit_ids, assignee_id)
        _add_overdue_days(session, window, calendar, acc, plan_id=plan_id, subset=subset)
    return {key: Counts(**cell) for key, cell in acc.items()}


def _add_overdue_days(
    session: Session,
    window: Window,
    calendar: WorkCalendar,
    acc: dict[tuple[int | None, int], dict[str, int]],
    *,
    plan_id: int | None,
    subset: list[ColumnElement[bool]],
) -> None:
    """Add working days overdue from a narrow query by local due date (a due-date key in
    the main GROUP BY makes PostgreSQL misjudge the group count and sort on disk)."""
    _, _, overdue = _flags(window.cutoff, window.late)
    due_on = local_date(session, wi.c.due_at, window)
    late = (
        select(
            pt.c.area_id.label("area_id"),
            wi.c.lead_unit_id.label("unit_id"),
            due_on.label("due_on"),
        )
        .select_from(wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id))
        .where(scope_filter(window, plan_id), overdue, *subset)
        .subquery("late")
    )
    by_day = select(
        late.c.area_id, late.c.unit_id, late.c.due_on, func.count().label("n")
    ).group_by(late.c.area_id, late.c.unit_id, late.c.due_on)
    for row in session.execute(by_day).mappings():
        cell = acc[(row["area_id"], row["unit_id"])]
        days = max(0, calendar.working_days_between(_as_date(row["due_on"]), window.last_day))
        cell["overdue_working_days"] += days * int(row["n"])
        cell["max_overdue_working_days"] = max(cell["max_overdue_working_days"], days)


def headline_counts(
    session: Session,
    windows: Sequence[Window],
    *,
    unit_ids: Collection[int] | None = None,
    plan_id: int | None = None,
) -> list[Counts]:
    """Total, done on time, done late, overdue and in progress on time of each window, as
    `grouped_counts` classifies items, from one scan joined to the windows: the points of a
    trend, without the working days overdue."""
    if not windows:
        return []
    instant = wi.c.due_at.type
    # The windows as rows (a UNION ALL: SQLite has no VALUES with column names).
    periods = union_all(
        *(
            select(
                literal(i, type_=Integer).label("k"),
                literal(w.begin, type_=instant).label("begin"),
                literal(w.cutoff, type_=instant).label("cutoff"),
                literal(w.late, type_=instant).label("late_from"),
            )
            for i, w in enumerate(windows)
        )
    ).subquery("periods")
    done, on_time, overdue = _flags(periods.c.cutoff, periods.c.late_from)
    stmt = (
        select(
            periods.c.k,
            func.count(),
            func.count().filter(and_(done, on_time)),
            func.count().filter(and_(done, not_(on_time))),
            func.count().filter(overdue),
            func.count().filter(or_(wi.c.due_at < periods.c.cutoff, done)),
        )
        .select_from(wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id).join(periods, true()))
        .where(
            scope_filter(None, plan_id, begin=periods.c.begin, cutoff=periods.c.cutoff),
            *subset_filter(unit_ids),
        )
        .group_by(periods.c.k)
    )
    found = {
        int(k): (int(t), int(a), int(b), int(o), int(d))
        for k, t, a, b, o, d in session.execute(stmt)
    }
    out = []
    for i in range(len(windows)):
        total, on_time_n, late, late_open, due = found.get(i, (0, 0, 0, 0, 0))
        out.append(
            Counts(
                total=total,
                done_on_time=on_time_n,
                done_late=late,
                overdue=late_open,
                in_progress_on_time=total - on_time_n - late - late_open,
                due=due,
            )
        )
    return out


def shared_work(session: Session, window: Window) -> tuple[int, int]:
    """(plan tasks, items) of the period's items that are one unit's share of a task led by
    a unit group ("Các phòng chuyên môn", decision 0015): the report counts each share as
    that unit's task, and says how many plan tasks they come from."""
    row = session.execute(
        select(func.count(func.distinct(wi.c.plan_task_id)), func.count())
        .select_from(wi.join(pt, pt.c.id == wi.c.plan_task_id))
        .where(scope_filter(window), pt.c.lead_group.is_not(None))
    ).one()
    return int(row[0] or 0), int(row[1] or 0)


def task_counts(
    session: Session,
    window: Window,
    *,
    plan_id: int | None = None,
    unit_ids: Collection[int] | None = None,
    assignee_id: int | None = None,
) -> dict[int | None, int]:
    """Tasks (nhiệm vụ) per area: the distinct plan tasks of the period's items, plus each
    item outside the plan (area None). Summing per unit would count a task shared by
    several units once per unit."""
    stmt = (
        select(
            pt.c.area_id,
            func.count(func.distinct(wi.c.plan_task_id))
            + func.count().filter(wi.c.plan_task_id.is_(None)),
        )
        .select_from(wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id))
        .where(scope_filter(window, plan_id), *subset_filter(unit_ids, assignee_id))
        .group_by(pt.c.area_id)
    )
    return {row[0]: int(row[1] or 0) for row in session.execute(stmt).all()}


def plan_references(session: Session, window: Window) -> list[str]:
    """How the report cites the plans the period's items implement: "Kế hoạch số
    09/KH-SNV ngày 28/12/2026 về cải cách hành chính năm 2027 ...", or by title when the
    plan has no full number."""
    pl = Plan.__table__  # type: ignore[attr-defined]
    ids = select(pt.c.plan_id).select_from(wi.join(pt, pt.c.id == wi.c.plan_task_id))
    rows = session.execute(
        select(pl.c.number, pl.c.title, pl.c.issued_on)
        .where(pl.c.id.in_(ids.where(scope_filter(window)).distinct()))
        .order_by(pl.c.id)
    ).all()
    out = []
    for number, title, issued_on in rows:
        about = title[0].lower() + title[1:] if title else ""
        if number and not number.startswith("/"):
            day = f" ngày {_as_date(issued_on):%d/%m/%Y}" if issued_on else ""
            out.append(f"Kế hoạch số {number}{day} về {about}")
        else:
            out.append(f"Kế hoạch {about}")
    return out


def merge(counts: Iterable[Counts], *, tasks: int | None = None) -> Counts:
    """Add up counts (sums, except the maximum which stays a maximum); `tasks` replaces
    the sum of tasks (a task shared by the groups added up counts once)."""
    total: dict[str, int] = defaultdict(int)
    for c in counts:
        for name, value in c.model_dump().items():
            if value is None:
                continue
            if name == "max_overdue_working_days":
                total[name] = max(total[name], value)
            else:
                total[name] += value
    if tasks is not None:
        total["tasks"] = tasks
    return Counts(**total)


def roll_up(
    session: Session,
    groups: dict[tuple[int | None, int], Counts],
    tasks: dict[int | None, int] | None = None,
) -> tuple[Counts, list[GroupRow], list[GroupRow]]:
    """Totals, rows per area (plan order) and per unit (org chart order); `tasks` (from
    `task_counts`) gives the areas' and the total's tasks counted once each."""
    by_area: dict[int | None, list[Counts]] = defaultdict(list)
    by_unit: dict[int, list[Counts]] = defaultdict(list)
    for (area_id, unit_id), c in groups.items():
        by_area[area_id].append(c)
        by_unit[unit_id].append(c)
    area_ids = [a for a in by_area if a is not None]
    ar = Area.__table__  # type: ignore[attr-defined]
    un = Unit.__table__  # type: ignore[attr-defined]
    # Core rows, not ORM objects: this runs once per report and per trend point.
    areas = session.execute(
        select(ar.c.id, ar.c.number, ar.c.title)
        .where(ar.c.id.in_(area_ids))
        .order_by(ar.c.plan_id, ar.c.number)
    ).all()
    units = session.execute(
        select(un.c.id, un.c.code, un.c.name).where(un.c.id.in_(list(by_unit))).order_by(un.c.id)
    ).all()

    def area_tasks(area_id: int | None) -> int | None:
        return tasks.get(area_id, 0) if tasks is not None else None

    area_rows = [
        GroupRow(
            id=a.id,
            code=str(a.number),
            name=a.title,
            counts=merge(by_area[a.id], tasks=area_tasks(a.id)),
        )
        for a in areas
    ]
    if None in by_area:
        area_rows.append(
            GroupRow(
                id=None,
                code="",
                name=OTHER_AREA,
                counts=merge(by_area[None], tasks=area_tasks(None)),
            )
        )
    unit_rows = [
        GroupRow(id=u.id, code=u.code, name=u.name, counts=merge(by_unit[u.id])) for u in units
    ]
    total_tasks = sum(tasks.values()) if tasks is not None else None
    return merge(groups.values(), tasks=total_tasks), area_rows, unit_rows


def area_label(number: int | None, title: str | None) -> str:
    return f"{number}. {title}" if number is not None else OTHER_AREA


def item_rows(
    session: Session,
    window: Window,
    *,
    calendar: WorkCalendar,
    overdue: bool,
    limit: int,
    plan_id: int | None = None,
    unit_ids: Collection[int] | None = None,
    assignee_id: int | None = None,
) -> list[ItemRow]:
    """Overdue items (longest overdue first) or items due in the week after the cutoff;
    only items led by `unit_ids` and/or assigned to `assignee_id` when given."""
    done, _, is_overdue = _flags(window.cutoff, window.late)
    if overdue:
        cond = is_overdue
        order = [wi.c.due_at.asc(), wi.c.id.asc()]
    else:
        cond = and_(
            not_(done),
            wi.c.due_at >= window.late,
            wi.c.due_at < window.cutoff + timedelta(days=7),
        )
        order = [wi.c.due_at.asc(), wi.c.id.asc()]
    ar = Area.__table__  # type: ignore[attr-defined]
    un = Unit.__table__  # type: ignore[attr-defined]
    us = User.__table__  # type: ignore[attr-defined]
    stmt = (
        select(
            wi.c.id,
            wi.c.title,
            wi.c.state,
            wi.c.due_at,
            wi.c.progress_pct,
            ar.c.number,
            ar.c.title.label("area_title"),
            un.c.code,
            un.c.name,
            us.c.full_name,
        )
        .select_from(
            wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id)
            .outerjoin(ar, ar.c.id == pt.c.area_id)
            .join(un, un.c.id == wi.c.lead_unit_id)
            .join(us, us.c.id == wi.c.assignee_id)
        )
        .where(scope_filter(window, plan_id), cond, *subset_filter(unit_ids, assignee_id))
        .order_by(*order)
        .limit(limit)
    )
    zone = ZoneInfo(window.tz)
    out = []
    for r in session.execute(stmt).mappings():
        due_on = r["due_at"].astimezone(zone).date()
        days = max(0, calendar.working_days_between(due_on, window.last_day)) if overdue else 0
        out.append(
            ItemRow(
                id=r["id"],
                title=r["title"],
                area=area_label(r["number"], r["area_title"]),
                unit_code=r["code"],
                unit_name=r["name"],
                assignee=r["full_name"],
                due_on=due_on,
                working_days_overdue=days,
                state=r["state"],
                progress_pct=r["progress_pct"],
            )
        )
    return out


def indicator_status(
    comparator: str | None, target: float | None, actual: float | None, at_risk_ratio: float
) -> str:
    """The judgement of `workflow.indicators.judge` (kept under the report's name)."""
    return judge(comparator, target, actual, at_risk_ratio)


def indicator_rows(
    session: Session, period: Period, *, at_risk_ratio: float, plan_id: int | None = None
) -> list[IndicatorRow]:
    """Each indicator against the target that applies to the period's year
    (`workflow.indicators.applied_target`) and its latest reading within the period."""
    year = period.end.year
    ar = Area.__table__  # type: ignore[attr-defined]
    ind = Indicator.__table__  # type: ignore[attr-defined]
    tg = IndicatorTarget.__table__  # type: ignore[attr-defined]
    rd = IndicatorReading.__table__  # type: ignore[attr-defined]
    reading_rank = func.row_number().over(
        partition_by=rd.c.indicator_id, order_by=[rd.c.as_of.desc(), rd.c.id.desc()]
    )
    readings = (
        select(rd.c.indicator_id, rd.c.value, rd.c.as_of, reading_rank.label("rk"))
        .where(rd.c.as_of >= period.start, rd.c.as_of <= period.end)
        .subquery("r")
    )
    stmt = (
        select(
            ind.c.id,
            ind.c.name,
            ind.c.measure_unit,
            ar.c.number,
            ar.c.title.label("area_title"),
            readings.c.value.label("actual"),
            readings.c.as_of,
        )
        .select_from(
            ind.join(ar, ar.c.id == ind.c.area_id).outerjoin(
                readings, and_(readings.c.indicator_id == ind.c.id, readings.c.rk == 1)
            )
        )
        .order_by(ar.c.plan_id, ar.c.number, ind.c.id)
    )
    if plan_id is not None:
        stmt = stmt.where(ar.c.plan_id == plan_id)
    rows = session.execute(stmt).mappings().all()
    milestones: dict[int, list[Milestone]] = defaultdict(list)
    texts: dict[tuple[int, int], str] = {}
    ids = [r["id"] for r in rows]
    for t in session.execute(
        select(tg.c.indicator_id, tg.c.year, tg.c.comparator, tg.c.value, tg.c.text).where(
            tg.c.indicator_id.in_(ids)
        )
    ).mappings():
        milestones[t["indicator_id"]].append(Milestone(t["year"], t["comparator"], t["value"]))
        texts[(t["indicator_id"], t["year"])] = t["text"]
    out = []
    for r in rows:
        applied = applied_target(milestones[r["id"]], year)
        comparator = applied.comparator if applied else None
        value = applied.value if applied else None
        out.append(
            IndicatorRow(
                id=r["id"],
                area=area_label(r["number"], r["area_title"]),
                name=r["name"],
                measure_unit=r["measure_unit"],
                target_year=applied.year if applied else None,
                comparator=comparator,
                target_value=value,
                target_text=texts.get((r["id"], applied.towards or applied.year))
                if applied
                else None,
                actual=r["actual"],
                as_of=_as_date(r["as_of"]) if r["as_of"] is not None else None,
                status=judge(comparator, value, r["actual"], at_risk_ratio),
                towards_year=applied.towards if applied else None,
            )
        )
    return out
