"""An item's deadline and its next scheduled action (`next_action_at`, from the plan's ladder)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from workflow.calendar import WorkCalendar, deadline_at, load_calendar
from workflow.deadlines import Ladder, compute_next_action_at, ladder_for, reset_ladder
from workflow.errors import InvalidInput
from workflow.models.plan import Plan, PlanTask
from workflow.models.work import RecurringSeries, WorkItem
from workflow.settings import get_settings


def due_at_for(
    *,
    calendar: WorkCalendar,
    start_on: date,
    due_on: date | None = None,
    due_working_days: int | None = None,
) -> datetime:
    """The deadline as aware UTC: the end of the due working day in the agency's zone.

    Exactly one of `due_on` (rolled forward off a day off, Civil Code Art. 148) and
    `due_working_days` (counted from `start_on`) is given.
    """
    if (due_on is None) == (due_working_days is None):
        raise InvalidInput("give either a due date or a number of working days, not both")
    if due_working_days is not None:
        if due_working_days < 1:
            raise InvalidInput("the number of working days must be at least 1")
        day = calendar.add_working_days(start_on, due_working_days)
    else:
        assert due_on is not None
        if due_on < start_on:
            raise InvalidInput(f"due date {due_on} is before the start date {start_on}")
        day = calendar.roll_to_working_day(due_on)
    return deadline_at(day)


def ladder_of(*, session: Session, item: WorkItem) -> Ladder:
    """The reminder/escalation ladder of the plan the item comes from (defaults otherwise)."""
    task_id = item.plan_task_id
    if task_id is None and item.series_id is not None:
        series = session.get(RecurringSeries, item.series_id)
        task_id = series.plan_task_id if series else None
    if task_id is None:
        return ladder_for(None)
    task = session.get(PlanTask, task_id)
    plan = session.get(Plan, task.plan_id) if task else None
    return ladder_for(plan.policy if plan else None)


def refresh_next_action(
    *, session: Session, item: WorkItem, calendar: WorkCalendar | None = None
) -> None:
    """Recompute `item.next_action_at` from scratch (call after any change of due or state)."""
    item.next_action_at = compute_next_action_at(
        item,
        calendar=calendar or load_calendar(session=session),
        ladder=ladder_of(session=session, item=item),
        tz=get_settings().timezone,
    )


def set_due(
    *, session: Session, item: WorkItem, due_at: datetime, calendar: WorkCalendar | None = None
) -> None:
    """Give the item an explicit due date (an approved extension, an amended plan, a head's
    extension): calendar overrides no longer recompute it from working days or pauses, and
    the reminder ladder starts again from it."""
    item.due_at = due_at
    item.due_working_days = None
    item.paused_working_days = 0
    reset_ladder(item)
    refresh_next_action(session=session, item=item, calendar=calendar)
