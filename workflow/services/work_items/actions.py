"""Acting on a work item through the state machine of `workflow.states`, and attaching evidence."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from workflow.calendar import WorkCalendar, deadline_at, load_calendar, local_date
from workflow.deadlines import classify_close, reset_ladder
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed
from workflow.models.org import User
from workflow.models.work import Evidence, WorkItem
from workflow.services.work_items.access import acting_for, actor_relations, get_item, officer_of
from workflow.services.work_items.audit import record_change, snapshot
from workflow.services.work_items.due import refresh_next_action
from workflow.settings import get_settings
from workflow.states import (
    CLOSED_STATES,
    PROGRESS_STATES,
    Action,
    ActorRelation,
    State,
    rule_for,
)


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
    if not rule.who & actor_relations(session=session, item=item, actor=actor, now=now):
        raise NotAllowed(f"{actor.username} may not {act_.value} this work item")
    # A delegate's action is recorded as theirs, acting for the absent assignee.
    stand_in = (
        acting_for(session=session, item=item, actor=actor, now=now)
        if not rule.who & actor_relations(session=session, item=item, actor=actor)
        else None
    )
    text = (comment or "").strip() or None
    if rule.needs_comment and text is None:
        raise InvalidInput(f"{act_.value} needs a reason")
    if rule.needs_evidence and not _has_evidence(session=session, item_id=item_id):
        raise InvalidInput(
            "attach evidence (sản phẩm) before submitting for review", code="needs_evidence"
        )

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
        officer_of(session=session, user_id=assignee_id, unit_id=item.lead_unit_id)
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
        extra={"acting_for": stand_in} if stand_in else None,
    )
    return item


def report_progress(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    percent: int,
    note: str | None = None,
    expected_version: int | None = None,
) -> WorkItem:
    """The assignee reports how far the work is (0-100 %) with an optional note.

    Only while work is owed (`PROGRESS_STATES`); from "accepted" it also starts the work,
    as pressing "Bắt đầu thực hiện" would. 100 % is not done: submitting is still the way."""
    if not 0 <= percent <= 100:
        raise InvalidInput("progress is a percentage from 0 to 100", code="progress_range")
    item = get_item(session=session, item_id=item_id, expected_version=expected_version)
    if ActorRelation.ASSIGNEE not in actor_relations(
        session=session, item=item, actor=actor, now=now
    ):
        raise NotAllowed(f"{actor.username} may not report progress on this work item")
    stand_in = acting_for(session=session, item=item, actor=actor, now=now)
    state = State(item.state)
    if state not in PROGRESS_STATES:
        raise InvalidTransition(f"cannot report progress on a work item that is {state.value}")
    if state == State.ACCEPTED:
        act(session=session, now=now, actor=actor, item_id=item_id, action=Action.START)
    before = snapshot(item)
    item.progress_pct = percent
    item.progress_at = now
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="progress",
        before=before,
        comment=(note or "").strip() or None,
        extra={"progress": percent, **({"acting_for": stand_in} if stand_in else {})},
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
    rel = actor_relations(session=session, item=item, actor=actor, now=now)
    if not rel & {ActorRelation.ASSIGNEE, ActorRelation.LEAD_UNIT_HEAD}:
        raise NotAllowed(f"{actor.username} may not attach evidence to this work item")
    own = actor_relations(session=session, item=item, actor=actor)
    stand_in = None if own else acting_for(session=session, item=item, actor=actor, now=now)
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
        extra={
            "evidence": filename or (note or "")[:80],
            **({"acting_for": stand_in} if stand_in else {}),
        },
    )
    return evidence
