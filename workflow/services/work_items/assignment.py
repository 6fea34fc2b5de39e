"""Assigning work (giao việc): one item, or every active leaf task of a plan area at once."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from workflow.calendar import WorkCalendar, load_calendar
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models.org import Unit, User
from workflow.models.plan import PlanTask
from workflow.models.work import WorkItem, WorkItemUnit
from workflow.services.work_items.access import may_assign, officer_of
from workflow.services.work_items.audit import AUDITED, flushed_id, record_change
from workflow.services.work_items.due import due_at_for, refresh_next_action
from workflow.states import OPEN_STATES

PRIORITIES = ("low", "normal", "high", "urgent")


@dataclass(frozen=True)
class ItemSpec:
    """What an assignment says about one item; the shared input of assign and bulk assign."""

    title: str
    lead_unit_id: int
    assignee_id: int
    start_on: date
    due_on: date | None = None
    due_working_days: int | None = None
    supporting_unit_ids: tuple[int, ...] = ()
    inform_unit_ids: tuple[int, ...] = ()
    evidence_required: str | None = None
    priority: str = "normal"
    description: str | None = None
    plan_task_id: int | None = None
    series_id: int | None = None
    occurrence_on: date | None = None


def create_item(
    *,
    session: Session,
    now: datetime,
    spec: ItemSpec,
    assigner: User,
    calendar: WorkCalendar | None = None,
) -> WorkItem:
    """Create an item without permission checks (jobs, and `assign` after its checks)."""
    return create_items(
        session=session, now=now, specs=[spec], assigner=assigner, calendar=calendar
    )[0]


def _new_item(
    *, session: Session, now: datetime, spec: ItemSpec, assigner: User, calendar: WorkCalendar
) -> WorkItem:
    """The checked, unsaved item of `spec` with its due time and next action."""
    if not spec.title.strip():
        raise InvalidInput("a work item needs a title")
    if spec.priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}")
    if session.get(Unit, spec.lead_unit_id) is None:
        raise InvalidInput(f"no unit with id {spec.lead_unit_id}")
    officer_of(session=session, user_id=spec.assignee_id, unit_id=spec.lead_unit_id)
    others = set(spec.supporting_unit_ids) | set(spec.inform_unit_ids)
    if spec.lead_unit_id in others:
        raise InvalidInput("the lead unit cannot also support or be informed")
    if set(spec.supporting_unit_ids) & set(spec.inform_unit_ids):
        raise InvalidInput("a unit either supports or is informed, not both")
    for unit_id in others:
        if session.get(Unit, unit_id) is None:
            raise InvalidInput(f"no unit with id {unit_id}")
    due_at = due_at_for(
        calendar=calendar,
        start_on=spec.start_on,
        due_on=spec.due_on,
        due_working_days=spec.due_working_days,
    )
    item = WorkItem(
        plan_task_id=spec.plan_task_id,
        series_id=spec.series_id,
        occurrence_on=spec.occurrence_on,
        title=spec.title.strip(),
        description=spec.description,
        priority=spec.priority,
        lead_unit_id=spec.lead_unit_id,
        assignee_id=spec.assignee_id,
        assigner_id=assigner.id or 0,
        evidence_required=spec.evidence_required,
        start_on=spec.start_on,
        due_at=due_at,
        original_due_at=due_at,
        due_working_days=spec.due_working_days,
        created_at=now,
        updated_at=now,
    )
    # Due time known before the INSERT: the row goes out complete, with no UPDATE after it.
    refresh_next_action(session=session, item=item, calendar=calendar)
    return item


def create_items(
    *,
    session: Session,
    now: datetime,
    specs: Sequence[ItemSpec],
    assigner: User,
    calendar: WorkCalendar | None = None,
) -> list[WorkItem]:
    """Create several items at once without permission checks (issuing a plan): every spec
    is checked before anything is added, and the rows go out in one batched INSERT."""
    cal = calendar or load_calendar(session=session)
    items = [
        _new_item(session=session, now=now, spec=spec, assigner=assigner, calendar=cal)
        for spec in specs
    ]
    session.add_all(items)
    session.flush()  # the ids, for the units and the history rows
    for item, spec in zip(items, specs, strict=True):
        for unit_id in spec.supporting_unit_ids:
            session.add(
                WorkItemUnit(work_item_id=flushed_id(item), unit_id=unit_id, role="support")
            )
        for unit_id in spec.inform_unit_ids:
            session.add(WorkItemUnit(work_item_id=flushed_id(item), unit_id=unit_id, role="inform"))
        before: dict[str, Any] = {name: None for name in AUDITED}
        record_change(  # version 1, stamped at creation: the history row only
            session=session,
            now=now,
            item=item,
            actor=assigner,
            action="assign",
            before=before,
            extra={"lead_unit_id": spec.lead_unit_id, "start_on": spec.start_on.isoformat()},
            bump=False,
        )
    return items


def assign(*, session: Session, now: datetime, actor: User, spec: ItemSpec) -> WorkItem:
    """A unit head (or someone above) assigns one item to an officer of the lead unit."""
    if not may_assign(session=session, actor=actor, unit_id=spec.lead_unit_id):
        raise NotAllowed(f"{actor.username} may not assign work to this unit")
    return create_item(session=session, now=now, spec=spec, assigner=actor)


@dataclass
class BulkAssignResult:
    """Items created by a bulk assignment, and tasks left alone with the reason."""

    created: list[WorkItem] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def bulk_assign_area(
    *,
    session: Session,
    now: datetime,
    actor: User,
    area_id: int,
    start_on: date,
    due_on: date | None = None,
    due_working_days: int | None = None,
    unit_by_task: Mapping[int, int] | None = None,
    assignee_by_unit: Mapping[int, int] | None = None,
    evidence_required: str | None = None,
) -> BulkAssignResult:
    """Assign every active leaf task of an area in one call (idempotent: tasks that already
    have an open item are skipped). The lead unit is `unit_by_task[task]` or the task's own
    lead unit; the assignee is `assignee_by_unit[unit]` or that unit's head."""
    from workflow.services.org import unit_head

    tasks = session.exec(
        select(PlanTask)
        .where(PlanTask.area_id == area_id, PlanTask.status == "active")
        .order_by(col(PlanTask.position))
    ).all()
    if not tasks:
        raise NotFound(f"area {area_id} has no active tasks")
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    taken = set(
        session.exec(
            select(WorkItem.plan_task_id).where(
                col(WorkItem.plan_task_id).in_([t.id for t in tasks]),
                col(WorkItem.state).in_([s.value for s in OPEN_STATES]),
            )
        ).all()
    )
    # All or nothing: refuse before creating anything if any unit is out of the actor's reach.
    for task in tasks:
        unit_id = (unit_by_task or {}).get(task.id or 0, task.lead_unit_id)
        if (
            task.id not in parents
            and unit_id is not None
            and not may_assign(session=session, actor=actor, unit_id=unit_id)
        ):
            raise NotAllowed(f"{actor.username} may not assign work to unit {unit_id}")
    codes = {u.code: u.id for u in session.exec(select(Unit)).all()}
    result = BulkAssignResult()
    calendar = load_calendar(session=session)
    for task in tasks:
        if task.id in parents:
            continue  # a heading whose sub-tasks (+) carry the work
        if task.id in taken:
            result.skipped.append(f"{task.key}: already assigned")
            continue
        unit_id = (unit_by_task or {}).get(task.id or 0, task.lead_unit_id)
        if unit_id is None:
            result.skipped.append(f"{task.key}: no lead unit")
            continue
        assignee_id = (assignee_by_unit or {}).get(unit_id)
        if assignee_id is None:
            head = unit_head(session=session, unit_id=unit_id)
            if head is None or head.id is None:
                result.skipped.append(f"{task.key}: unit {unit_id} has no head")
                continue
            assignee_id = head.id
        supporting = tuple(
            uid
            for code in task.supporting_unit_codes
            if (uid := codes.get(code)) is not None and uid != unit_id
        )
        spec = ItemSpec(
            title=task.text[:500],
            lead_unit_id=unit_id,
            assignee_id=assignee_id,
            start_on=start_on,
            due_on=due_on,
            due_working_days=due_working_days,
            supporting_unit_ids=supporting,
            evidence_required=evidence_required or task.product,
            plan_task_id=task.id,
        )
        result.created.append(
            create_item(session=session, now=now, spec=spec, assigner=actor, calendar=calendar)
        )
    return result
