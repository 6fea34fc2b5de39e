"""Recurring series: creating each occurrence's work item a lead time before it starts.

`materialize_recurrences` is the scheduler's job body: idempotent (one item per
(series, occurrence) guarded by a UNIQUE constraint), catching up after an outage, and a
failing series is logged and skipped without aborting the others.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflow.calendar import WorkCalendar, load_calendar, local_date
from workflow.errors import InvalidInput, NotAllowed, WorkflowError
from workflow.models.org import User
from workflow.models.work import RecurringSeries, WorkItem
from workflow.recurrence import occurrences, plan_occurrence
from workflow.services.work_items import ItemSpec, create_item, may_assign
from workflow.settings import get_settings

log = logging.getLogger(__name__)


@dataclass
class MaterializeResult:
    """What one run did: items created, occurrences already there, series that failed."""

    created_item_ids: list[int] = field(default_factory=list)
    existing: int = 0
    failed: list[str] = field(default_factory=list)

    @property
    def created(self) -> int:
        return len(self.created_item_ids)


def create_series(
    *,
    session: Session,
    now: datetime,
    actor: User,
    title: str,
    rrule: str,
    dtstart: date,
    lead_unit_id: int,
    assignee_id: int,
    until: date | None = None,
    duration_working_days: int = 10,
    lead_time_days: int = 7,
    roll: str = "forward",
    evidence_required: str | None = None,
    plan_task_id: int | None = None,
    supporting_unit_ids: Sequence[int] = (),
    authorised: bool = False,
) -> RecurringSeries:
    """Define a series; the rule is checked by computing its first occurrences.

    `authorised`: the caller has checked the actor's right itself (issuing a whole plan,
    `workflow.services.plan_issue`), instead of `may_assign` on the lead unit."""
    if not authorised and not may_assign(session=session, actor=actor, unit_id=lead_unit_id):
        raise NotAllowed(f"{actor.username} may not assign work to this unit")
    if roll not in ("forward", "backward"):
        raise InvalidInput("roll must be 'forward' or 'backward'")
    if duration_working_days < 0 or lead_time_days < 0:
        raise InvalidInput("durations must not be negative")
    occurrences(rrule, dtstart=dtstart, until=until, start=dtstart, end=dtstart)
    series = RecurringSeries(
        title=title,
        rrule=rrule,
        dtstart=dtstart,
        until=until,
        duration_working_days=duration_working_days,
        lead_time_days=lead_time_days,
        roll=roll,
        lead_unit_id=lead_unit_id,
        assignee_id=assignee_id,
        assigner_id=actor.id or 0,
        evidence_required=evidence_required,
        plan_task_id=plan_task_id,
        supporting_unit_ids=list(supporting_unit_ids),
        created_at=now,
    )
    session.add(series)
    session.flush()
    return series


def materialize_recurrences(*, session: Session, now: datetime) -> MaterializeResult:
    """Create every occurrence whose creation time (start − lead time) has come, once."""
    result = MaterializeResult()
    calendar = load_calendar(session=session)
    today = local_date(now, tz=get_settings().timezone)
    series_list = session.exec(
        select(RecurringSeries).where(col(RecurringSeries.active)).order_by(col(RecurringSeries.id))
    ).all()
    for series in series_list:
        try:
            with session.begin_nested():
                ids = _materialize_one(
                    session=session,
                    now=now,
                    series=series,
                    today=today,
                    calendar=calendar,
                    result=result,
                )
            result.created_item_ids.extend(ids)
        except (WorkflowError, IntegrityError) as exc:
            # One bad series (a deleted assignee, a race on the same occurrence) must not
            # stop the others; the next run retries it.
            log.warning("materialize series=%s failed: %s", series.id, exc)
            result.failed.append(f"series {series.id}: {exc}")
    return result


def _materialize_one(
    *,
    session: Session,
    now: datetime,
    series: RecurringSeries,
    today: date,
    calendar: WorkCalendar,
    result: MaterializeResult,
) -> list[int]:
    """Create the due occurrences of one series; return the new items' ids."""
    created: list[int] = []
    # Occurrences due before the series existed are history, not work to create now.
    first = max(series.dtstart, local_date(series.created_at, tz=get_settings().timezone))
    # A generous horizon: start = due − duration working days (≤ 3 calendar days each).
    horizon = today + timedelta(days=series.lead_time_days + 3 * series.duration_working_days + 31)
    existing = set(
        session.exec(
            select(col(WorkItem.occurrence_on)).where(WorkItem.series_id == series.id)
        ).all()
    )
    assigner = session.get(User, series.assigner_id)
    if assigner is None:
        raise InvalidInput("the series' assigner no longer exists")
    for occurrence_on in occurrences(
        series.rrule, dtstart=series.dtstart, until=series.until, start=first, end=horizon
    ):
        occ = plan_occurrence(
            occurrence_on,
            calendar=calendar,
            duration_working_days=series.duration_working_days,
            roll=series.roll,
        )
        if occ.start_on - timedelta(days=series.lead_time_days) > today:
            continue
        if occurrence_on in existing:
            result.existing += 1
            continue
        spec = ItemSpec(
            title=f"{series.title} ({occurrence_on.strftime('%d/%m/%Y')})",
            lead_unit_id=series.lead_unit_id,
            assignee_id=series.assignee_id,
            start_on=occ.start_on,
            due_on=occ.due_on,
            supporting_unit_ids=tuple(series.supporting_unit_ids),
            evidence_required=series.evidence_required,
            plan_task_id=series.plan_task_id,
            series_id=series.id,
            occurrence_on=occurrence_on,
        )
        item = create_item(
            session=session, now=now, spec=spec, assigner=assigner, calendar=calendar
        )
        created.append(item.id or 0)
    return created
