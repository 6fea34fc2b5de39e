"""Acting on many items at once (thao tác hàng loạt) from a list's selection.

Three actions for those who direct the work: reassign (giao lại) to one person, extend the
due date (gia hạn) to one day, cancel (hủy) with one reason. Each item goes through the
same rule as one at a time, under a savepoint of its own: reassigning and cancelling are
`act` (the state table, `workflow.states`), extending is `extend_due` (open items, whoever
directs the item: `DUE_SETTERS`). An item the rule refuses is left as it was and named in
the outcome with the refusal's code; the others are changed, audited and mailed (one
WorkItemEvent each; the relay groups one actor's events of one `now` into one mail per
person, decision 0021).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session

from workflow.calendar import deadline_at, load_calendar, local_date
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound, WorkflowError
from workflow.models.org import User
from workflow.models.work import WorkItem
from workflow.services.scope import get_visible_item
from workflow.services.work_items.access import actor_relations, get_item
from workflow.services.work_items.actions import act
from workflow.services.work_items.audit import record_change, snapshot
from workflow.services.work_items.due import set_due
from workflow.settings import get_settings
from workflow.states import CLOSED_STATES, DUE_SETTERS, Action, State

MAX_BULK = 200


class BulkAction(StrEnum):
    REASSIGN = "reassign"  # Giao lại
    EXTEND = "extend"  # Gia hạn
    CANCEL = "cancel"  # Hủy


@dataclass(frozen=True)
class BulkOutcome:
    """What happened to one selected item: done, or refused with the refusal's code."""

    item_id: int
    title: str | None
    done: bool
    code: str | None = None
    message: str | None = None


def _code(exc: WorkflowError) -> str:
    if exc.code:
        return exc.code
    if isinstance(exc, NotFound):
        return "not_found"
    if isinstance(exc, NotAllowed):
        return "not_allowed"
    if isinstance(exc, InvalidTransition):
        return "transition"
    return "invalid"


def extend_due(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    due_on: date,
    reason: str | None = None,
) -> WorkItem:
    """Move an open item's due date later (the original due date stays): audited as
    `due_extended`, mailed to the assignee. For whoever directs the item (`DUE_SETTERS`)."""
    item = get_item(session=session, item_id=item_id)
    if State(item.state) in CLOSED_STATES:
        raise InvalidTransition("the work item is closed", code="item_closed")
    if not DUE_SETTERS & actor_relations(session=session, item=item, actor=actor):
        raise NotAllowed(f"{actor.username} may not move the due date of this work item")
    tz = get_settings().timezone
    if due_on < local_date(now, tz=tz):
        raise InvalidInput(f"the due date {due_on:%d/%m/%Y} is in the past", code="due_past")
    calendar = load_calendar(session=session)
    new_due = deadline_at(calendar.roll_to_working_day(due_on))
    if new_due <= item.due_at:
        raise InvalidInput(
            "the new due date must be later than the current one", code="extension_not_later"
        )
    before = snapshot(item)
    set_due(session=session, item=item, due_at=new_due, calendar=calendar)
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="due_extended",
        before=before,
        comment=(reason or "").strip() or None,
    )
    return item


def bulk_act(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_ids: list[int],
    action: BulkAction | str,
    assignee_id: int | None = None,
    due_on: date | None = None,
    reason: str | None = None,
) -> list[BulkOutcome]:
    """Take `action` on each selected item the actor may see; one outcome per item, in the
    order given. Refuses the whole request only when it is malformed (no items, too many,
    a missing assignee, date or reason): then nothing is changed."""
    try:
        chosen = BulkAction(action)
    except ValueError as exc:
        raise InvalidInput(f"unknown bulk action {action!r}", code="bulk_action") from exc
    ids = list(dict.fromkeys(item_ids))
    if not ids:
        raise InvalidInput("select at least one work item", code="bulk_empty")
    if len(ids) > MAX_BULK:
        raise InvalidInput(f"at most {MAX_BULK} work items at once", code="bulk_too_many")
    text = (reason or "").strip() or None
    if chosen is BulkAction.REASSIGN and assignee_id is None:
        raise InvalidInput("reassign needs the new assignee", code="bulk_no_assignee")
    if chosen is BulkAction.EXTEND and due_on is None:
        raise InvalidInput("extending needs the new due date", code="date")
    if chosen is BulkAction.CANCEL and text is None:
        raise InvalidInput("cancelling needs a reason", code="bulk_no_reason")
    outcomes: list[BulkOutcome] = []
    for item_id in ids:
        title: str | None = None
        try:
            with session.begin_nested():
                item = get_visible_item(session=session, user=actor, item_id=item_id, now=now)
                title = item.title
                if chosen is BulkAction.REASSIGN and item.assignee_id == assignee_id:
                    raise InvalidInput("already assigned to that person", code="bulk_same_assignee")
                if chosen is BulkAction.EXTEND:
                    assert due_on is not None
                    extend_due(
                        session=session,
                        now=now,
                        actor=actor,
                        item_id=item_id,
                        due_on=due_on,
                        reason=text,
                    )
                else:
                    act(
                        session=session,
                        now=now,
                        actor=actor,
                        item_id=item_id,
                        action=Action.REASSIGN if chosen is BulkAction.REASSIGN else Action.CANCEL,
                        comment=text,
                        assignee_id=assignee_id,
                    )
                session.flush()
        except WorkflowError as exc:
            outcomes.append(BulkOutcome(item_id, title, False, _code(exc), str(exc)))
        else:
            outcomes.append(BulkOutcome(item_id, title, True))
    return outcomes
