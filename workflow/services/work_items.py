"""Assigning work (giao việc) and acting on it through the state machine of `workflow.states`.

Every change bumps `version`, writes one WorkItemEvent and recomputes `next_action_at`
(via `refresh_next_action`), so the scheduler's indexed query is always exact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlmodel import Session, col, select

from workflow.calendar import WorkCalendar, deadline_at, load_calendar, local_date
from workflow.db import is_single_writer
from workflow.deadlines import (
    Ladder,
    classify_close,
    compute_next_action_at,
    ladder_for,
    reset_ladder,
)
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound, StaleVersion
from workflow.models.org import Role, Unit, User
from workflow.models.plan import Plan, PlanTask
from workflow.models.work import Evidence, RecurringSeries, WorkItem, WorkItemEvent, WorkItemUnit
from workflow.settings import get_settings
from workflow.states import (
    CLOSED_STATES,
    OPEN_STATES,
    Action,
    ActorRelation,
    State,
    allowed_actions,
    rule_for,
)

PRIORITIES = ("low", "normal", "high", "urgent")
# Fields whose change the audit trail records (next_action_at is derived, so left out).
AUDITED = (
    "state",
    "assignee_id",
    "due_at",
    "due_working_days",
    "paused_at",
    "paused_working_days",
    "submitted_at",
    "closed_at",
    "closed_on_time",
    "late_working_days",
)


# --- deadlines --------------------------------------------------------------------------


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


# --- who is who -------------------------------------------------------------------------


def actor_relations(*, session: Session, item: WorkItem, actor: User) -> frozenset[ActorRelation]:
    """How `actor` stands to `item` (an inactive account stands in no relation)."""
    if not actor.is_active:
        return frozenset()
    rel: set[ActorRelation] = set()
    if actor.id == item.assignee_id:
        rel.add(ActorRelation.ASSIGNEE)
    if actor.id == item.assigner_id:
        rel.add(ActorRelation.ASSIGNER)
    if actor.role == Role.UNIT_HEAD and actor.unit_id == item.lead_unit_id:
        rel.add(ActorRelation.LEAD_UNIT_HEAD)
    unit = session.get(Unit, item.lead_unit_id)
    if unit is not None and unit.overseer_id == actor.id:
        rel.add(ActorRelation.DEPUTY_IN_CHARGE)
    if actor.role == Role.DIRECTOR:
        rel.add(ActorRelation.DIRECTOR)
    if actor.role == Role.COORDINATOR:
        rel.add(ActorRelation.COORDINATOR)
    return frozenset(rel)


def actions_for(*, session: Session, item: WorkItem, actor: User) -> list[Action]:
    """The actions `actor` may take on `item` now (the UI's buttons)."""
    return allowed_actions(item, actor_relations(session=session, item=item, actor=actor))


def may_assign(*, session: Session, actor: User, unit_id: int) -> bool:
    """Unit heads assign in their unit; deputies in the units they oversee; the director and
    the coordinator (Văn phòng distributes plan tasks) everywhere."""
    if not actor.is_active:
        return False
    if actor.role in (Role.DIRECTOR, Role.COORDINATOR):
        return True
    if actor.role == Role.UNIT_HEAD and actor.unit_id == unit_id:
        return True
    unit = session.get(Unit, unit_id)
    return unit is not None and unit.overseer_id == actor.id


def _officer_of(*, session: Session, user_id: int, unit_id: int) -> User:
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidInput(f"no active user with id {user_id}")
    if user.unit_id != unit_id:
        raise InvalidInput(f"{user.username} is not in the lead unit")
    return user


# --- audit ------------------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date | datetime) else value


def snapshot(item: WorkItem) -> dict[str, Any]:
    """The audited fields of `item`, for `record_change`."""
    return {name: getattr(item, name) for name in AUDITED}


def record_change(
    *,
    session: Session,
    now: datetime,
    item: WorkItem,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    comment: str | None = None,
    extra: dict[str, Any] | None = None,
) -> WorkItemEvent:
    """Bump the version, stamp `updated_at` and append the audit event of one change."""
    item.version += 1
    item.updated_at = now
    session.add(item)
    return _append_event(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action=action,
        before=before,
        comment=comment,
        extra=extra,
    )


def _append_event(
    *,
    session: Session,
    now: datetime,
    item: WorkItem,
    actor: User | None,
    action: str,
    before: dict[str, Any],
    comment: str | None = None,
    extra: dict[str, Any] | None = None,
) -> WorkItemEvent:
    changes = {
        name: {"from": _jsonable(old), "to": _jsonable(getattr(item, name))}
        for name, old in before.items()
        if getattr(item, name) != old
    }
    changes.update(extra or {})
    event = WorkItemEvent(
        work_item_id=_id(item),
        actor_id=actor.id if actor else None,
        action=action,
        from_state=before["state"],
        to_state=item.state,
        at=now,
        comment=comment,
        changes=changes,
    )
    session.add(event)
    return event


def _id(item: WorkItem) -> int:
    if item.id is None:
        raise RuntimeError("work item not flushed yet")
    return item.id


def get_item(
    *, session: Session, item_id: int, expected_version: int | None = None, lock: bool = True
) -> WorkItem:
    """Load an item (row-locked for the change), checking the caller's version.

    A single-writer session takes no lock: an item it already holds is used as it is."""
    item = session.get(WorkItem, item_id, with_for_update=lock and not is_single_writer(session))
    if item is None:
        raise NotFound(f"work item {item_id} not found")
    if expected_version is not None and item.version != expected_version:
        raise StaleVersion(
            f"work item {item_id} changed (version {item.version}, you had {expected_version})"
        )
    return item


# --- assign -----------------------------------------------------------------------------


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
    if not spec.title.strip():
        raise InvalidInput("a work item needs a title")
    if spec.priority not in PRIORITIES:
        raise InvalidInput(f"priority must be one of {', '.join(PRIORITIES)}")
    if session.get(Unit, spec.lead_unit_id) is None:
        raise InvalidInput(f"no unit with id {spec.lead_unit_id}")
    _officer_of(session=session, user_id=spec.assignee_id, unit_id=spec.lead_unit_id)
    others = set(spec.supporting_unit_ids) | set(spec.inform_unit_ids)
    if spec.lead_unit_id in others:
        raise InvalidInput("the lead unit cannot also support or be informed")
    if set(spec.supporting_unit_ids) & set(spec.inform_unit_ids):
        raise InvalidInput("a unit either supports or is informed, not both")
    for unit_id in others:
        if session.get(Unit, unit_id) is None:
            raise InvalidInput(f"no unit with id {unit_id}")
    cal = calendar or load_calendar(session=session)
    due_at = due_at_for(
        calendar=cal,
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
    refresh_next_action(session=session, item=item, calendar=cal)
    session.add(item)
    session.flush()  # the id, for the units and the history row
    for unit_id in spec.supporting_unit_ids:
        session.add(WorkItemUnit(work_item_id=_id(item), unit_id=unit_id, role="support"))
    for unit_id in spec.inform_unit_ids:
        session.add(WorkItemUnit(work_item_id=_id(item), unit_id=unit_id, role="inform"))
    before: dict[str, Any] = {name: None for name in AUDITED}
    _append_event(  # version 1, stamped at creation: the history row only
        session=session,
        now=now,
        item=item,
        actor=assigner,
        action="assign",
        before=before,
        extra={"lead_unit_id": spec.lead_unit_id, "start_on": spec.start_on.isoformat()},
    )
    return item


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


# --- act --------------------------------------------------------------------------------


def act(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    action: Action | str,
    comment: str | None = None,
    expected_version: int | None = None,
    assignee_id: int | None = None,
    calendar: WorkCalendar | None = None,
) -> WorkItem:
    """Take `action` on an item: InvalidTransition if the state forbids it, NotAllowed if the
    actor's relation does, StaleVersion if the item changed since `expected_version`.

    `calendar` spares a caller acting on many items the reload of the overrides per call."""
    try:
        act_ = Action(action)
    except ValueError as exc:
        raise InvalidInput(f"unknown action {action!r}") from exc
    item = get_item(session=session, item_id=item_id, expected_version=expected_version)
    state = State(item.state)
    rule = rule_for(state, act_)
    if rule is None:
        raise InvalidTransition(f"cannot {act_.value} a work item that is {state.value}")
    if not rule.who & actor_relations(session=session, item=item, actor=actor):
        raise NotAllowed(f"{actor.username} may not {act_.value} this work item")
    text = (comment or "").strip() or None
    if rule.needs_comment and text is None:
        raise InvalidInput(f"{act_.value} needs a reason")
    if rule.needs_evidence and not _has_evidence(session=session, item_id=item_id):
        raise InvalidInput("attach evidence (sản phẩm) before submitting for review")

    calendar = calendar or load_calendar(session=session)
    tz = get_settings().timezone
    before = snapshot(item)
    if act_ == Action.PAUSE:
        item.paused_at = now
    elif act_ == Action.RESUME:
        _shift_for_pause(item, now=now, calendar=calendar, tz=tz)
    elif act_ == Action.SUBMIT:
        item.submitted_at = now
    elif act_ == Action.REASSIGN:
        if assignee_id is None:
            raise InvalidInput("reassign needs the new assignee")
        _officer_of(session=session, user_id=assignee_id, unit_id=item.lead_unit_id)
        item.assignee_id = assignee_id
        item.closed_at = None
    item.state = rule.target.value
    if rule.target in CLOSED_STATES:
        item.closed_at = now
        item.paused_at = None
        if rule.target == State.DONE:
            on_time, late = classify_close(
                item, completed_at=item.submitted_at or now, calendar=calendar, tz=tz
            )
            item.closed_on_time, item.late_working_days = on_time, late
    refresh_next_action(session=session, item=item, calendar=calendar)
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action=act_.value,
        before=before,
        comment=text,
    )
    return item


def _has_evidence(*, session: Session, item_id: int) -> bool:
    """Evidence stored, or attached earlier in this transaction and not flushed yet.

    Looking at the pending objects first spares the query's autoflush, so the changes of
    several actions in one transaction go out in one batched flush."""
    if any(isinstance(o, Evidence) and o.work_item_id == item_id for o in session.new):
        return True
    with session.no_autoflush:
        found = session.exec(select(Evidence.id).where(Evidence.work_item_id == item_id)).first()
    return found is not None


def _shift_for_pause(item: WorkItem, *, now: datetime, calendar: WorkCalendar, tz: str) -> None:
    """Resume: the deadline moves by the working days the item spent paused."""
    assert item.paused_at is not None
    days = max(
        0, calendar.working_days_between(local_date(item.paused_at, tz=tz), local_date(now, tz=tz))
    )
    item.paused_at = None
    if days == 0:
        return
    item.paused_working_days += days
    new_day = calendar.add_working_days(local_date(item.due_at, tz=tz), days)
    item.due_at = deadline_at(new_day)
    reset_ladder(item)


def add_evidence(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    note: str | None = None,
    filename: str | None = None,
    content_type: str | None = None,
    size_bytes: int | None = None,
    storage_path: str | None = None,
) -> Evidence:
    """The assignee (or the lead unit's head) attaches a product or proof (minh chứng)."""
    item = get_item(session=session, item_id=item_id)
    if State(item.state) in CLOSED_STATES:
        raise InvalidTransition("the work item is closed")
    rel = actor_relations(session=session, item=item, actor=actor)
    if not rel & {ActorRelation.ASSIGNEE, ActorRelation.LEAD_UNIT_HEAD}:
        raise NotAllowed(f"{actor.username} may not attach evidence to this work item")
    if not (note or "").strip() and not filename:
        raise InvalidInput("evidence needs a note or a file")
    evidence = Evidence(
        work_item_id=item_id,
        uploaded_by_id=actor.id or 0,
        filename=filename,
        content_type=content_type,
        size_bytes=size_bytes,
        storage_path=storage_path,
        note=note,
        created_at=now,
    )
    session.add(evidence)
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="add_evidence",
        before=snapshot(item),
        extra={"evidence": filename or (note or "")[:80]},
    )
    return evidence


# --- read -------------------------------------------------------------------------------


def list_items(
    *,
    session: Session,
    unit_ids: Iterable[int] | None = None,
    assignee_id: int | None = None,
    states: Iterable[str] | None = None,
    limit: int = 200,
) -> list[WorkItem]:
    """Items filtered in the query (unit scope, assignee, states), most urgent first."""
    query = select(WorkItem)
    if unit_ids is not None:
        query = query.where(col(WorkItem.lead_unit_id).in_(list(unit_ids)))
    if assignee_id is not None:
        query = query.where(WorkItem.assignee_id == assignee_id)
    if states is not None:
        query = query.where(col(WorkItem.state).in_(list(states)))
    query = query.order_by(col(WorkItem.due_at), col(WorkItem.id)).limit(limit)
    return list(session.exec(query).all())


def history(*, session: Session, item_id: int) -> list[WorkItemEvent]:
    """The audit trail of an item, oldest first."""
    return list(
        session.exec(
            select(WorkItemEvent)
            .where(WorkItemEvent.work_item_id == item_id)
            .order_by(col(WorkItemEvent.at), col(WorkItemEvent.id))
        ).all()
    )
