"""Extension requests (đề nghị gia hạn): request a later due date, approve or refuse it.

The approver is the lead unit's head, or the deputy director in charge when the
requester is that unit head; anyone higher (the deputy in charge, the director) may also
decide. The item keeps `original_due_at`; every request and decision is audited.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, select

from workflow.calendar import deadline_at, load_calendar, local_date
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from workflow.models.org import User
from workflow.models.work import ExtensionRequest, WorkItem
from workflow.services.org import overseer, unit_head
from workflow.services.work_items import (
    actor_relations,
    get_item,
    record_change,
    set_due,
    snapshot,
)
from workflow.settings import get_settings
from workflow.states import CLOSED_STATES, ActorRelation, State


def approver_for(*, session: Session, item: WorkItem, requester: User) -> User | None:
    """Who decides a request: the lead unit's head, or the deputy when the head asked."""
    head = unit_head(session=session, unit_id=item.lead_unit_id)
    if head is None or head.id == requester.id:
        return overseer(session=session, unit_id=item.lead_unit_id)
    return head


def may_request_extension(*, session: Session, item: WorkItem, actor: User) -> bool:
    """The assignee or the lead unit's head may ask for a later due date (the item open)."""
    if State(item.state) in CLOSED_STATES:
        return False
    rel = actor_relations(session=session, item=item, actor=actor)
    return bool(rel & {ActorRelation.ASSIGNEE, ActorRelation.LEAD_UNIT_HEAD})


def may_decide_extension(
    *, session: Session, item: WorkItem, request: ExtensionRequest, actor: User
) -> bool:
    """The approver (`approver_for`) or anyone above them, never the requester."""
    if actor.id == request.requested_by_id:
        return False
    requester = session.get(User, request.requested_by_id)
    assert requester is not None
    approver = approver_for(session=session, item=item, requester=requester)
    if approver is not None and approver.id == actor.id:
        return True
    rel = actor_relations(session=session, item=item, actor=actor)
    return bool(rel & {ActorRelation.DEPUTY_IN_CHARGE, ActorRelation.DIRECTOR})


def request_extension(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    requested_due_on: date,
    reason: str,
) -> ExtensionRequest:
    """The assignee (or the lead unit's head) asks for a later due date, with a reason."""
    item = get_item(session=session, item_id=item_id)
    if State(item.state) in CLOSED_STATES:
        raise InvalidTransition("the work item is closed", code="item_closed")
    if not may_request_extension(session=session, item=item, actor=actor):
        raise NotAllowed(f"{actor.username} may not ask to extend this work item")
    if not reason.strip():
        raise InvalidInput("an extension request needs a reason", code="extension_no_reason")
    tz = get_settings().timezone
    if requested_due_on < local_date(now, tz=tz):
        # An item already late is extended to a day still ahead, never to another past day.
        raise InvalidInput(
            f"the requested due date {requested_due_on:%d/%m/%Y} is in the past",
            code="extension_past",
        )
    if requested_due_on <= local_date(item.due_at, tz=tz):
        raise InvalidInput(
            "the requested due date must be later than the current one",
            code="extension_not_later",
        )
    pending = session.exec(
        select(ExtensionRequest).where(
            ExtensionRequest.work_item_id == item_id, ExtensionRequest.status == "pending"
        )
    ).first()
    if pending is not None:
        raise InvalidInput(
            f"extension request {pending.id} is still pending", code="extension_pending"
        )
    calendar = load_calendar(session=session)
    requested = deadline_at(calendar.roll_to_working_day(requested_due_on))
    request = ExtensionRequest(
        work_item_id=item_id,
        requested_by_id=actor.id or 0,
        requested_due_at=requested,
        previous_due_at=item.due_at,
        reason=reason.strip(),
        created_at=now,
    )
    session.add(request)
    session.flush()
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="extension_requested",
        before=snapshot(item),
        comment=request.reason,
        extra={"extension_request_id": request.id, "requested_due_at": requested.isoformat()},
    )
    session.flush()
    return request


def decide_extension(
    *,
    session: Session,
    now: datetime,
    actor: User,
    request_id: int,
    approve: bool,
    note: str | None = None,
    item_id: int | None = None,
) -> ExtensionRequest:
    """Approve (the due date moves, the original stays) or refuse a pending request.

    `item_id`, when given, is the item the caller addressed: a request of another item is
    not found (so a URL cannot reach a request through an item the caller happens to see).
    """
    request = session.get(ExtensionRequest, request_id, with_for_update=True)
    if request is None or (item_id is not None and request.work_item_id != item_id):
        raise NotFound(f"extension request {request_id} not found")
    if request.status != "pending":
        raise InvalidTransition(
            f"extension request {request_id} is already {request.status}",
            code="extension_decided",
        )
    item = get_item(session=session, item_id=request.work_item_id)
    if not may_decide_extension(session=session, item=item, request=request, actor=actor):
        raise NotAllowed(f"{actor.username} may not decide this extension request")
    if approve and State(item.state) in CLOSED_STATES:
        raise InvalidTransition("the work item is closed", code="item_closed")
    request.status = "approved" if approve else "refused"
    request.decided_by_id = actor.id
    request.decided_at = now
    request.decision_note = (note or "").strip() or None
    session.add(request)
    before = snapshot(item)
    if approve:
        set_due(session=session, item=item, due_at=request.requested_due_at)
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="extension_approved" if approve else "extension_refused",
        before=before,
        comment=request.decision_note,
        extra={"extension_request_id": request.id},
    )
    session.flush()
    return request
