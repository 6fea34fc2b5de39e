"""The dashboard (trang tổng quan) and the unit page (công việc của đơn vị): numbers about
the part of the agency a user answers for, counted in SQL, never by loading the items.

A user's work scope is what they answer for, never more than they may see
(`workflow.services.scope`):
- director and coordinator: the whole agency;
- deputy director (Phó Giám đốc): the items led by the units they oversee;
- unit head (trưởng đơn vị): the items led by their unit;
- officer (chuyên viên) and admin: the items assigned to them.
An item counts for its lead unit only: a unit that supports (phối hợp) or is informed
(nhận để biết) sees the item, but the item's progress is the lead unit's, so the unit
table adds up to the totals.

Progress comes from the report aggregation (`aggregate.grouped_counts`, `item_rows`) over a
window from 1 January of this year (agency time) up to `now`: open items are taken as of
now, done ones when they were closed this year, as a report cut off now would count them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlmodel import Session, col

from workflow.calendar import WorkCalendar
from workflow.deadlines import due_soon_clause, overdue_clause
from workflow.models.org import Role, Unit, User
from workflow.models.work import WorkItem
from workflow.reporting.aggregate import (
    Window,
    grouped_counts,
    item_rows,
    merge,
    roll_up,
    subset_filter,
)
from workflow.reporting.snapshot import Counts, GroupRow, ItemRow
from workflow.services.scope import SEES_ALL
from workflow.states import OPEN_STATES, State

OPEN_VALUES = sorted(s.value for s in OPEN_STATES)
# Roles answering for units (the unit page is theirs); everybody else answers for their own.
MANAGER_ROLES = SEES_ALL | {Role.DEPUTY_DIRECTOR.value, Role.UNIT_HEAD.value}

wi = WorkItem.__table__  # type: ignore[attr-defined]


class ScopeKind(StrEnum):
    AGENCY = "agency"  # toàn cơ quan
    UNITS = "units"  # các đơn vị phụ trách
    UNIT = "unit"  # đơn vị
    OWN = "own"  # công việc của tôi


@dataclass(frozen=True)
class WorkScope:
    """Whose work a user's numbers are about: items led by `unit_ids` (None: any unit),
    or assigned to `assignee_id`."""

    kind: ScopeKind
    unit_ids: tuple[int, ...] | None
    assignee_id: int | None = None

    @property
    def manages(self) -> bool:
        """True when the scope is units (the unit page is for these users)."""
        return self.kind is not ScopeKind.OWN


def manages_units(user: User) -> bool:
    """True when `user` answers for units (director, coordinator, deputies, unit heads)."""
    return user.is_active and user.role in MANAGER_ROLES


def work_scope(*, session: Session, user: User) -> WorkScope:
    """The work `user` answers for (see the module docstring)."""
    if not user.is_active:
        return WorkScope(ScopeKind.UNITS, ())
    if user.role in SEES_ALL:
        return WorkScope(ScopeKind.AGENCY, None)
    if user.role == Role.DEPUTY_DIRECTOR.value:
        overseen = session.scalars(
            select(col(Unit.id)).where(col(Unit.overseer_id) == user.id).order_by(col(Unit.id))
        ).all()
        return WorkScope(ScopeKind.UNITS, tuple(u for u in overseen if u is not None))
    if user.role == Role.UNIT_HEAD.value:
        return WorkScope(ScopeKind.UNIT, (user.unit_id,))
    return WorkScope(ScopeKind.OWN, None, assignee_id=user.id)


def year_to_date(now: datetime, tz: str) -> Window:
    """From 1 January of `now`'s year (agency time) up to `now`."""
    today = now.astimezone(ZoneInfo(tz)).date()
    begin = datetime.combine(date(today.year, 1, 1), time(0), tzinfo=ZoneInfo(tz))
    return Window(begin=begin, cutoff=now, last_day=today, tz=tz)


@dataclass(frozen=True)
class Headline:
    """The counts at the top of the dashboard."""

    open: int  # chưa hoàn thành
    overdue: int  # quá hạn
    due_soon: int  # đến hạn trong vài ngày làm việc (not yet overdue)
    awaiting_review: int  # chờ duyệt
    done_on_time: int  # hoàn thành đúng hạn (this year)
    done_late: int  # hoàn thành quá hạn (this year)


@dataclass(frozen=True)
class UnitProgress:
    """One row of the unit table: a unit in scope and its items' counts."""

    unit: Unit
    counts: Counts

    @property
    def open(self) -> int:
        return self.counts.in_progress_on_time + self.counts.overdue


@dataclass(frozen=True)
class Dashboard:
    """What the dashboard shows for one work scope, as of one instant."""

    scope: WorkScope
    year: int
    headline: Headline
    by_unit: list[UnitProgress]  # empty for an officer's own scope
    by_area: list[GroupRow]  # plan order; items outside any plan last
    most_overdue: list[ItemRow]  # longest overdue first


def open_counts(
    *, session: Session, scope: WorkScope, now: datetime, due_soon_until: datetime
) -> tuple[int, int, int, int]:
    """Open, overdue, due by `due_soon_until` (not overdue) and awaiting review, in one query."""
    open_state = wi.c.state.in_(OPEN_VALUES)
    stmt = select(
        func.count(),
        func.count().filter(overdue_clause(now)),
        func.count().filter(due_soon_clause(now, due_soon_until)),
        func.count().filter(wi.c.state == State.AWAITING_REVIEW.value),
    ).where(open_state, *subset_filter(scope.unit_ids, scope.assignee_id))
    row = session.execute(stmt).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def units_in(*, session: Session, scope: WorkScope) -> list[Unit]:
    """The units of a managing scope in org chart order (every unit for the agency)."""
    query = select(Unit).order_by(col(Unit.id))
    if scope.unit_ids is not None:
        query = query.where(col(Unit.id).in_(scope.unit_ids))
    return list(session.scalars(query).all())


def dashboard(
    *,
    session: Session,
    scope: WorkScope,
    now: datetime,
    due_soon_until: datetime,
    calendar: WorkCalendar,
    tz: str,
    overdue_limit: int = 10,
) -> Dashboard:
    """Everything the dashboard shows for `scope` as of `now` (reads only)."""
    window = year_to_date(now, tz)
    units, assignee = scope.unit_ids, scope.assignee_id
    groups = grouped_counts(
        session, window, calendar=calendar, unit_ids=units, assignee_id=assignee
    )
    totals, by_area, _ = roll_up(session, groups)
    opened, overdue, due_soon, review = open_counts(
        session=session, scope=scope, now=now, due_soon_until=due_soon_until
    )
    by_unit: list[UnitProgress] = []
    if scope.manages:
        per_unit: dict[int, list[Counts]] = {}
        for (_area, unit_id), counts in groups.items():
            per_unit.setdefault(unit_id, []).append(counts)
        by_unit = [
            UnitProgress(unit, merge(per_unit.get(unit.id or 0, [])))
            for unit in units_in(session=session, scope=scope)
            # The board leads no work of its own as a rule: shown only when it does.
            if not unit.is_board or unit.id in per_unit
        ]
    return Dashboard(
        scope=scope,
        year=window.last_day.year,
        headline=Headline(
            open=opened,
            overdue=overdue,
            due_soon=due_soon,
            awaiting_review=review,
            done_on_time=totals.done_on_time,
            done_late=totals.done_late,
        ),
        by_unit=by_unit,
        by_area=by_area,
        most_overdue=item_rows(
            session,
            window,
            calendar=calendar,
            overdue=True,
            limit=overdue_limit,
            unit_ids=units,
            assignee_id=assignee,
        ),
    )


@dataclass(frozen=True)
class PersonLoad:
    """Open and overdue items of one person, among the items led by the units shown."""

    user_id: int
    full_name: str
    unit_id: int
    open: int
    overdue: int


def person_loads(
    *, session: Session, unit_ids: Iterable[int] | None, now: datetime
) -> list[PersonLoad]:
    """Per person: open / overdue items led by `unit_ids` (None: any unit), one GROUP BY.

    The units' active members are listed even with nothing open (a head sees who is free);
    most overdue first, then most open, then by name.
    """
    units = list(unit_ids) if unit_ids is not None else None
    counted = (
        select(
            wi.c.assignee_id,
            func.count().label("open"),
            func.count().filter(overdue_clause(now)).label("overdue"),
        )
        .where(wi.c.state.in_(OPEN_VALUES), *subset_filter(units))
        .group_by(wi.c.assignee_id)
    )
    loads = {int(r[0]): (int(r[1]), int(r[2])) for r in session.execute(counted).all()}
    listed: ColumnElement[bool] = col(User.id).in_(list(loads))
    if units is not None:
        listed = or_(listed, and_(col(User.unit_id).in_(units), col(User.is_active)))
    people = select(User).where(listed)
    rows = [
        PersonLoad(
            user_id=u.id or 0,
            full_name=u.full_name,
            unit_id=u.unit_id,
            open=loads.get(u.id or 0, (0, 0))[0],
            overdue=loads.get(u.id or 0, (0, 0))[1],
        )
        for u in session.scalars(people).all()
    ]
    return sorted(rows, key=lambda p: (-p.overdue, -p.open, p.full_name))
