"""Calendar overrides (a day declared off, a Saturday declared working) and their effect.

Adding or removing an override recomputes the deadlines of open items whose due date was
given in working days (and rolls an explicit due date forward off a new day off, Civil
Code Art. 148); each moved deadline is audited. Reminder times depend on the calendar,
so `next_action_at` is refreshed for every open item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from workflow.calendar import WorkCalendar, deadline_at, forget_calendar, load_calendar, local_date
from workflow.deadlines import reset_ladder
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models.calendar import CalendarOverride
from workflow.models.org import Role, User
from workflow.models.work import WorkItem
from workflow.services.work_items import record_change, refresh_next_action, snapshot
from workflow.settings import get_settings
from workflow.states import OPEN_STATES, State


@dataclass
class OverrideResult:
    """The override written (None after a removal) and the items whose deadline moved."""

    override: CalendarOverride | None
    moved_item_ids: list[int] = field(default_factory=list)


def _check(actor: User) -> None:
    if not actor.is_active or actor.role not in (Role.COORDINATOR, Role.ADMIN):
        raise NotAllowed(f"{actor.username} may not edit the working calendar")


def add_override(
    *, session: Session, now: datetime, actor: User, day: date, is_working: bool, reason: str
) -> OverrideResult:
    """Declare `day` a working day or a day off (replacing an earlier decision for it)."""
    _check(actor)
    if not reason.strip():
        raise InvalidInput("an override needs a reason (the decision that published it)")
    row = session.exec(select(CalendarOverride).where(CalendarOverride.day == day)).first()
    if row is None:
        row = CalendarOverride(
            day=day, is_working=is_working, reason=reason, created_by_id=actor.id, created_at=now
        )
    else:
        row.is_working, row.reason, row.created_by_id, row.created_at = (
            is_working,
            reason,
            actor.id,
            now,
        )
    session.add(row)
    session.flush()
    forget_calendar(session=session)
    why = f"{day.isoformat()} {'working' if is_working else 'off'}: {reason}"
    return OverrideResult(row, recompute_deadlines(session=session, now=now, actor=actor, why=why))


def remove_override(*, session: Session, now: datetime, actor: User, day: date) -> OverrideResult:
    """Forget the decision about `day`: the `holidays` package rules it again."""
    _check(actor)
    row = session.exec(select(CalendarOverride).where(CalendarOverride.day == day)).first()
    if row is None:
        raise NotFound(f"no calendar override on {day.isoformat()}")
    session.delete(row)
    session.flush()
    forget_calendar(session=session)
    why = f"{day.isoformat()} override removed"
    return OverrideResult(None, recompute_deadlines(session=session, now=now, actor=actor, why=why))


def list_overrides(*, session: Session, year: int | None = None) -> list[CalendarOverride]:
    """Overrides in date order (of one year when given)."""
    query = select(CalendarOverride).order_by(col(CalendarOverride.day))
    if year is not None:
        query = query.where(
            col(CalendarOverride.day) >= date(year, 1, 1),
            col(CalendarOverride.day) <= date(year, 12, 31),
        )
    return list(session.exec(query).all())


def _new_due_day(item: WorkItem, *, calendar: WorkCalendar, tz: str) -> date:
    if item.due_working_days is not None:
        return calendar.add_working_days(
            item.start_on, item.due_working_days + item.paused_working_days
        )
    return calendar.roll_to_working_day(local_date(item.due_at, tz=tz))


def recompute_deadlines(
    *, session: Session, now: datetime, actor: User | None, why: str
) -> list[int]:
    """Apply the current calendar to every open item; return the ids whose deadline moved."""
    calendar = load_calendar(session=session)
    s = get_settings()
    moved: list[int] = []
    items = session.exec(
        select(WorkItem)
        .where(col(WorkItem.state).in_([st.value for st in OPEN_STATES]))
        .order_by(col(WorkItem.id))
        .with_for_update()
    ).all()
    for item in items:
        day = _new_due_day(item, calendar=calendar, tz=s.timezone)
        due_at = deadline_at(day, settings=s)
        if due_at != item.due_at:
            before = snapshot(item)
            item.due_at = due_at
            reset_ladder(item)
            refresh_next_action(session=session, item=item, calendar=calendar)
            record_change(
                session=session,
                now=now,
                item=item,
                actor=actor,
                action="calendar_recomputed",
                before=before,
                comment=why,
            )
            moved.append(item.id or 0)
        elif item.state != State.PAUSED:
            old = item.next_action_at
            refresh_next_action(session=session, item=item, calendar=calendar)
            if old != item.next_action_at:
                session.add(item)
    session.flush()
    return moved
