"""The Director's dashboard (bảng điều hành): which areas and units are behind, and why, in
one screen.

Numbers are the reports' (`aggregate.grouped_counts` over the year to date, as the home
dashboard counts them, `dashboard.year_to_date`) for the user's work scope
(`dashboard.work_scope`): per area and per unit the completion against what was due by now
and against the share of the year's working days gone by; a group is behind when work due
by now is not done (overdue, the one rule of `workflow.deadlines`). Why: per group the
overdue items and their longest delay, escalations open, items waiting for review, not yet
accepted, paused, and extension requests waiting for a decision, from one GROUP BY. Then
the overdue list with working days late, the escalations open by level, the indicators at
risk (the reports' `indicator_status`) and the trend over the last CCHC quarters.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, select
from sqlmodel import Session

from workflow.calendar import WorkCalendar, local_date
from workflow.models.plan import Area, Plan, PlanTask
from workflow.models.work import ExtensionRequest, WorkItem
from workflow.reporting.aggregate import (
    OTHER_AREA,
    Window,
    grouped_counts,
    headline_counts,
    indicator_rows,
    item_rows,
    merge,
    scope_filter,
    subset_filter,
)
from workflow.reporting.dashboard import WorkScope, units_in, year_to_date
from workflow.reporting.periods import Period, quarter, year_period
from workflow.reporting.snapshot import Counts, IndicatorRow, ItemRow
from workflow.states import OPEN_STATES, State

OPEN_VALUES = sorted(s.value for s in OPEN_STATES)
AT_RISK = ("off_track", "at_risk")
TREND_QUARTERS = 4

wi = WorkItem.__table__  # type: ignore[attr-defined]
pt = PlanTask.__table__  # type: ignore[attr-defined]
er = ExtensionRequest.__table__  # type: ignore[attr-defined]
ar = Area.__table__  # type: ignore[attr-defined]
pl = Plan.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Why:
    """What holds a group's work up."""

    overdue: int = 0  # quá hạn
    max_days_late: int = 0  # the longest delay, in working days
    escalated: int = 0  # escalated at least once, still open
    awaiting_review: int = 0  # waiting for the reviewer (chờ duyệt)
    not_accepted: int = 0  # still "đã giao": nobody took it up
    paused: int = 0
    pending_extensions: int = 0  # đề nghị gia hạn chờ quyết định


@dataclass(frozen=True)
class Standing:
    """An area or a unit: its counts, what was due by now, behind or not, and why."""

    id: int | None
    label: str
    counts: Counts
    due_by_now: int  # items whose deadline has passed (done or not)
    why: Why

    @property
    def completion(self) -> float:
        return self.counts.completion_rate

    @property
    def expected(self) -> float:
        """The share of the work that was due by now."""
        return self.due_by_now / self.counts.total if self.counts.total else 0.0

    @property
    def behind(self) -> bool:
        return self.counts.overdue > 0


@dataclass(frozen=True)
class Escalation:
    item: ItemRow
    level: int


@dataclass(frozen=True)
class QuarterPoint:
    label: str
    key: str
    counts: Counts
    partial: bool  # the quarter under way, counted up to now


@dataclass(frozen=True)
class DirectorBoard:
    scope: WorkScope
    year: int
    elapsed: float  # share of the year's working days gone by
    totals: Counts
    due_by_now: int
    areas: list[Standing]
    units: list[Standing]
    overdue: list[ItemRow]
    escalations: list[Escalation]
    escalation_levels: dict[int, int]
    indicators: list[IndicatorRow]
    trend: list[QuarterPoint]

    @property
    def behind_areas(self) -> int:
        return sum(a.behind for a in self.areas)

    @property
    def behind_units(self) -> int:
        return sum(u.behind for u in self.units)


def _reasons(
    session: Session,
    window: Window,
    *,
    now: datetime,
    unit_ids: Collection[int] | None,
    plan_id: int | None,
) -> dict[tuple[int | None, int], tuple[int, Why]]:
    """Per (area, lead unit): work due by now and the counts of `Why` not in `Counts`."""
    open_ = wi.c.state.in_(OPEN_VALUES)
    # Items with a request waiting, joined once (a correlated EXISTS would run per row).
    pending = (
        select(er.c.work_item_id).where(er.c.status == "pending").distinct().subquery("pending")
    )
    stmt = (
        select(
            pt.c.area_id,
            wi.c.lead_unit_id,
            func.count().filter(wi.c.due_at <= now),
            func.count().filter(wi.c.state == State.AWAITING_REVIEW.value),
            func.count().filter(wi.c.state == State.ASSIGNED.value),
            func.count().filter(wi.c.state == State.PAUSED.value),
            func.count().filter(and_(open_, pending.c.work_item_id.is_not(None))),
        )
        .select_from(
            wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id).outerjoin(
                pending, pending.c.work_item_id == wi.c.id
            )
        )
        .where(scope_filter(window, plan_id), *subset_filter(unit_ids))
        .group_by(pt.c.area_id, wi.c.lead_unit_id)
    )
    out = {}
    for area_id, unit_id, due, review, assigned, paused, ext in session.execute(stmt).all():
        why = Why(
            awaiting_review=review, not_accepted=assigned, paused=paused, pending_extensions=ext
        )
        out[(area_id, unit_id)] = (int(due), why)
    return out


def _merge_why(counts: Counts, whys: list[Why]) -> Why:
    return Why(
        overdue=counts.overdue,
        max_days_late=counts.max_overdue_working_days,
        escalated=counts.escalated,
        awaiting_review=sum(w.awaiting_review for w in whys),
        not_accepted=sum(w.not_accepted for w in whys),
        paused=sum(w.paused for w in whys),
        pending_extensions=sum(w.pending_extensions for w in whys),
    )


def current_quarter(today: date) -> Period:
    """The CCHC data quarter containing `today` (Q1 runs from 15/12 of the year before)."""
    for year in (today.year, today.year + 1):
        for q in (1, 2, 3, 4):
            period = quarter(year, q)
            if period.start <= today <= period.end:
                return period
    raise AssertionError(f"no quarter contains {today}")  # pragma: no cover


def _previous_quarter(period: Period) -> Period:
    year, q = int(period.key[:4]), int(period.key[5])
    return quarter(year - 1, 4) if q == 1 else quarter(year, q - 1)


def quarter_trend(
    session: Session,
    *,
    now: datetime,
    tz: str,
    unit_ids: Collection[int] | None,
    plan_id: int | None = None,
    points: int = TREND_QUARTERS,
) -> list[QuarterPoint]:
    """The last `points` CCHC quarters, oldest first; the one under way counted up to now."""
    today = local_date(now, tz=tz)
    periods = [current_quarter(today)]
    while len(periods) < points:
        periods.append(_previous_quarter(periods[-1]))
    periods.reverse()
    windows = [
        Window(p.begin_at(tz), now, today, tz) if p.end >= today else Window.of(p, tz)
        for p in periods
    ]
    counts = headline_counts(session, windows, unit_ids=unit_ids, plan_id=plan_id)
    return [
        QuarterPoint(p.label, p.key, c, partial=p.end >= today)
        for p, c in zip(periods, counts, strict=True)
    ]


def _years(area: Any) -> str:
    first, last = area.start_year, area.end_year
    if first is None and last is None:
        return ""
    return f" ({first})" if first == last or last is None else f" ({first}–{last})"


def _urgency(row: Standing) -> tuple[bool, int, float]:
    """Behind first (most overdue first), then by completion, lowest first."""
    return (not row.behind, -row.counts.overdue, row.completion)


def _elapsed(calendar: WorkCalendar, today: date) -> float:
    first, last = date(today.year, 1, 1), date(today.year, 12, 31)
    total = len(calendar.working_days_in(first, last))
    gone = len(calendar.working_days_in(first, today))
    return gone / total if total else 0.0


def director_board(
    *,
    session: Session,
    scope: WorkScope,
    now: datetime,
    calendar: WorkCalendar,
    tz: str,
    at_risk_ratio: float,
    plan_id: int | None = None,
    overdue_limit: int = 20,
) -> DirectorBoard:
    """The dashboard of `scope` as of `now` (reads only; see the module docstring)."""
    window = year_to_date(now, tz)
    units = scope.unit_ids
    groups = grouped_counts(session, window, calendar=calendar, unit_ids=units, plan_id=plan_id)
    reasons = _reasons(session, window, now=now, unit_ids=units, plan_id=plan_id)
    by_area: dict[int | None, list[tuple[Counts, int, Why]]] = defaultdict(list)
    by_unit: dict[int, list[tuple[Counts, int, Why]]] = defaultdict(list)
    for key, counts in groups.items():
        due, why = reasons.get(key, (0, Why()))
        by_area[key[0]].append((counts, due, why))
        by_unit[key[1]].append((counts, due, why))

    def standing(ident: int | None, label: str, parts: list[tuple[Counts, int, Why]]) -> Standing:
        counts = merge(p[0] for p in parts)
        return Standing(
            ident,
            label,
            counts,
            sum(p[1] for p in parts),
            _merge_why(counts, [p[2] for p in parts]),
        )

    known = session.execute(
        select(ar.c.id, ar.c.number, ar.c.title, ar.c.plan_id, pl.c.start_year, pl.c.end_year)
        .join(pl, pl.c.id == ar.c.plan_id)
        .where(ar.c.id.in_([a for a in by_area if a is not None]))
        .order_by(ar.c.plan_id, ar.c.number)
    ).all()
    # Areas of several plans share numbers and names: each says its plan's years then.
    several = len({a.plan_id for a in known}) > 1
    areas = [
        standing(a.id, f"{a.number}. {a.title}{_years(a) if several else ''}", by_area[a.id])
        for a in known
    ]
    if None in by_area:
        areas.append(standing(None, OTHER_AREA, by_area[None]))
    unit_rows = [
        standing(u.id, u.name, by_unit[u.id or 0])
        for u in units_in(session=session, scope=scope)
        if u.id in by_unit
    ]
    totals = merge(groups.values())
    levels = _escalations(session, now=now, unit_ids=units, plan_id=plan_id)
    overdue = item_rows(
        session,
        window,
        calendar=calendar,
        overdue=True,
        limit=overdue_limit,
        unit_ids=units,
        plan_id=plan_id,
    )
    today = local_date(now, tz=tz)
    return DirectorBoard(
        scope=scope,
        year=window.last_day.year,
        elapsed=_elapsed(calendar, today),
        totals=totals,
        due_by_now=sum(due for due, _ in reasons.values()),
        areas=sorted(areas, key=_urgency),
        units=sorted(unit_rows, key=_urgency),
        overdue=overdue,
        escalations=_escalated_items(session, overdue),
        escalation_levels=levels,
        indicators=[
            row
            for row in indicator_rows(
                session, year_period(today.year), at_risk_ratio=at_risk_ratio, plan_id=plan_id
            )
            if row.status in AT_RISK
        ],
        trend=quarter_trend(session, now=now, tz=tz, unit_ids=units, plan_id=plan_id),
    )


def _escalations(
    session: Session, *, now: datetime, unit_ids: Collection[int] | None, plan_id: int | None
) -> dict[int, int]:
    """Open items by escalation level reached (1 unit head, 2 deputy, 3 director)."""
    stmt = (
        select(wi.c.escalation_level, func.count())
        .select_from(wi.outerjoin(pt, pt.c.id == wi.c.plan_task_id))
        .where(wi.c.state.in_(OPEN_VALUES), wi.c.escalation_level > 0, *subset_filter(unit_ids))
        .group_by(wi.c.escalation_level)
    )
    if plan_id is not None:
        stmt = stmt.where(pt.c.plan_id == plan_id)
    return {int(level): int(n) for level, n in session.execute(stmt).all()}


def _escalated_items(
    session: Session, overdue: list[ItemRow], *, limit: int = 20
) -> list[Escalation]:
    """The escalated ones among the overdue items listed (highest level first)."""
    ids = [r.id for r in overdue]
    if not ids:
        return []
    levels = dict(
        session.execute(
            select(wi.c.id, wi.c.escalation_level).where(
                wi.c.id.in_(ids), wi.c.escalation_level > 0
            )
        ).all()
    )
    rows = [Escalation(r, int(levels[r.id])) for r in overdue if r.id in levels]
    return sorted(rows, key=lambda e: -e.level)[:limit]
