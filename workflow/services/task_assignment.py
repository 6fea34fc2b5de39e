"""Turning a plan task (nhiệm vụ của kế hoạch) into work: one work item, or a recurring
series (việc định kỳ) whose first occurrence is created at once.

The plan page's "Giao việc" link and form use `assign_scope` to know which tasks and lead
units an actor may assign; `assign_task` does the assignment in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from workflow.calendar import load_calendar
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models.org import Unit, User
from workflow.models.plan import PlanTask
from workflow.models.work import WorkItem
from workflow.services.recurrence import create_series
from workflow.services.work_items import ItemSpec, assign, due_at_for, may_assign

# The item title of an occurrence ends with " (dd/mm/yyyy)" (see materialize_recurrences),
# so a series title leaves room for it within the 500 characters of a title.
SERIES_TITLE_MAX = 500 - len(" (01/01/2026)")


class Repeat(StrEnum):
    """How often a plan task's work recurs (định kỳ hằng tháng / hằng quý)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


# The series' rule dates fall on the first due date's day of the month (month-end safe:
# workflow.recurrence.normalize_rule clamps the 31st to the month's last day).
RULES: dict[Repeat, str] = {
    Repeat.MONTHLY: "FREQ=MONTHLY",
    Repeat.QUARTERLY: "FREQ=MONTHLY;INTERVAL=3",
}


@dataclass(frozen=True)
class AssignScope:
    """The units an actor may assign work to (`may_assign`), for the plan page's links and
    the form's lead unit choices."""

    unit_ids: frozenset[int]
    any_unit: bool  # every unit of the agency (the director, the coordinator)

    def allows(self, lead_unit_id: int | None) -> bool:
        """May the actor assign a task led by `lead_unit_id`? A task without a lead unit
        only by someone who may assign to any unit."""
        if lead_unit_id is None:
            return self.any_unit
        return lead_unit_id in self.unit_ids


def assign_scope(*, session: Session, actor: User) -> AssignScope:
    """Where `actor` may assign work, from `may_assign` over every unit (a few dozen)."""
    units = session.exec(select(Unit)).all()
    ids = frozenset(
        u.id
        for u in units
        if u.id is not None and may_assign(session=session, actor=actor, unit_id=u.id)
    )
    return AssignScope(unit_ids=ids, any_unit=bool(units) and len(ids) == len(units))


def assignable_task(*, session: Session, task_id: int) -> PlanTask:
    """The task if it can become work: NotFound if there is none, InvalidInput if it was
    withdrawn from the plan or is a heading whose active sub-tasks carry the work."""
    task = session.get(PlanTask, task_id)
    if task is None:
        raise NotFound(f"plan task {task_id} not found")
    if task.status != "active":
        raise InvalidInput(f"plan task {task.key} was withdrawn from the plan")
    child = session.exec(
        select(PlanTask.id).where(PlanTask.parent_id == task_id, PlanTask.status == "active")
    ).first()
    if child is not None:
        raise InvalidInput(f"plan task {task.key} has sub-tasks: assign them instead")
    return task


def supporting_unit_ids(*, session: Session, task: PlanTask) -> tuple[int, ...]:
    """The task's supporting units (đơn vị phối hợp) by the codes the plan names, lead unit
    and unknown codes left out, in the plan's order."""
    if not task.supporting_unit_codes:
        return ()
    units = session.exec(select(Unit).where(col(Unit.code).in_(task.supporting_unit_codes))).all()
    by_code = {u.code: u.id for u in units if u.id is not None and u.id != task.lead_unit_id}
    return tuple(dict.fromkeys(by_code[c] for c in task.supporting_unit_codes if c in by_code))


def assign_task(
    *,
    session: Session,
    now: datetime,
    actor: User,
    task_id: int,
    spec: ItemSpec,
    repeat: Repeat | None = None,
    until: date | None = None,
    lead_time_days: int = 7,
) -> WorkItem:
    """Assign plan task `task_id` as `spec` says (its `plan_task_id` is set here).

    The actor must be allowed to assign the task (its lead unit, see `AssignScope`) and to
    the lead unit `spec` names. With `repeat`, a series is created whose rule dates fall on
    the first due date's day every month or quarter (until `until`); its first occurrence
    is this item, and `materialize_recurrences` creates the next ones `lead_time_days`
    before they start, with the same number of working days from start to due. The next
    occurrences carry the title, lead unit, assignee, supporting units and evidence; the
    informed units, priority and description of `spec` stay with the first item (the
    series does not store them).
    """
    task = assignable_task(session=session, task_id=task_id)
    if not assign_scope(session=session, actor=actor).allows(task.lead_unit_id):
        raise NotAllowed(f"{actor.username} may not assign plan task {task.key}")
    spec = replace(spec, plan_task_id=task.id)
    if repeat is None:
        return assign(session=session, now=now, actor=actor, spec=spec)

    calendar = load_calendar(session=session)
    # Checks the dates (exactly one due field, due not before start) before using them.
    due_at_for(
        calendar=calendar,
        start_on=spec.start_on,
        due_on=spec.due_on,
        due_working_days=spec.due_working_days,
    )
    rule_day = spec.due_on or calendar.add_working_days(spec.start_on, spec.due_working_days or 0)
    if until is not None and until < rule_day:
        raise InvalidInput(f"the series ends ({until}) before its first due date ({rule_day})")
    duration = calendar.working_days_between(spec.start_on, calendar.roll_to_working_day(rule_day))
    title = spec.title.strip()[:SERIES_TITLE_MAX]
    series = create_series(
        session=session,
        now=now,
        actor=actor,
        title=title,
        rrule=RULES[repeat],
        dtstart=rule_day,
        until=until,
        lead_unit_id=spec.lead_unit_id,
        assignee_id=spec.assignee_id,
        duration_working_days=max(0, duration),
        lead_time_days=lead_time_days,
        evidence_required=spec.evidence_required,
        plan_task_id=task.id,
        supporting_unit_ids=spec.supporting_unit_ids,
    )
    # The first occurrence is this item, keyed like the job's (series, rule date), so the
    # job finds it there and never creates it a second time.
    first = replace(
        spec,
        title=f"{title} ({rule_day.strftime('%d/%m/%Y')})",
        due_on=rule_day,
        due_working_days=None,
        series_id=series.id,
        occurrence_on=rule_day,
    )
    return assign(session=session, now=now, actor=actor, spec=first)
