"""Relay work item events to the outbox (sự kiện → thư): who hears of which change.

The domain core writes one WorkItemEvent per change and knows nothing of mail. This relay
claims events whose `notified_at` is NULL (a partial index keeps that cheap), enqueues one
Notification per recipient with the dedup key `event:{event_id}:{recipient_id}` and stamps
`notified_at`, all in the caller's transaction: an event is mailed exactly once even if two
relays race or one crashes before commit. Actions without a mapping (start, evidence,
calendar recomputes, the scheduler's own reminder/escalation events) are stamped silently.

Besides the people on the item, the heads of its supporting units (đơn vị phối hợp) hear of
its assignment and its close, and the heads of its informed units (đơn vị nhận để biết) of
its assignment; a unit without an active head is logged and skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlmodel import Session, col, select

from notifications.contexts import ItemRef, Kind
from notifications.grouping import event_group_key
from notifications.outbox import enqueue
from workflow.db import is_postgres
from workflow.logs import bound_request_id
from workflow.models.org import Unit, User
from workflow.models.work import Comment, ExtensionRequest, WorkItem, WorkItemEvent, WorkItemUnit
from workflow.services.extensions import approver_for
from workflow.services.org import unit_head
from workflow.services.people import HANDED_OVER
from workflow.settings import Settings, get_settings
from workflow.states import State

log = logging.getLogger(__name__)


@dataclass
class RelayResult:
    """What one relay run did: events handled, mails queued, events that failed."""

    claimed: int = 0
    enqueued: int = 0
    stale: int = 0
    failed_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Event:
    """One event with what the mappings need to know about it."""

    session: Session
    event: WorkItemEvent
    item: WorkItem
    actor_name: str

    def changed_to(self, name: str) -> Any:
        change = self.event.changes.get(name)
        return change.get("to") if isinstance(change, dict) else None

    def extension(self) -> ExtensionRequest:
        request_id = self.event.changes.get("extension_request_id")
        request = self.session.get(ExtensionRequest, request_id) if request_id else None
        if request is None:
            raise ValueError(f"event {self.event.id} names no extension request")
        return request


# (kind, recipient user id, the context without the recipient's name)
Mail = tuple[Kind, int | None, dict[str, Any]]


def _unit_heads(e: _Event, role: str) -> list[tuple[Unit, User]]:
    """The item's units in `role` ("support" or "inform") with their heads.

    A unit without an active head is logged and left out: its mail has nobody to go to,
    and failing the event would hold back everyone else's mail about it.
    """
    units = e.session.exec(
        select(Unit)
        .join(WorkItemUnit, col(WorkItemUnit.unit_id) == col(Unit.id))
        .where(WorkItemUnit.work_item_id == e.item.id, WorkItemUnit.role == role)
        .order_by(col(Unit.id))
    ).all()
    heads: list[tuple[Unit, User]] = []
    for unit in units:
        head = unit_head(session=e.session, unit_id=unit.id or 0)
        if head is None:
            log.warning(
                "relay_events vacant_head event_id=%s unit_id=%s role=%s",
                e.event.id,
                unit.id,
                role,
            )
            continue
        heads.append((unit, head))
    return heads


def _assigned(e: _Event) -> list[Mail]:
    to = e.changed_to("assignee_id") or e.item.assignee_id
    return [(Kind.ASSIGNED, to, {"assigner_name": e.actor_name, "note": e.event.comment})]


def _unit_names(unit: Unit) -> dict[str, str]:
    """The recipient's unit as the mail names it, in Vietnamese and (if it has one) English."""
    return {"unit_name": unit.name, "unit_name_en": unit.name_en or ""}


def _assigned_with_units(e: _Event) -> list[Mail]:
    # The assignee first: `_relay_one` mails each person once per event, the first mail wins.
    mails = _assigned(e)
    ctx = {"assigner_name": e.actor_name, "note": e.event.comment}
    for role, kind in (("support", Kind.SUPPORT_ASSIGNED), ("inform", Kind.INFORMED)):
        for unit, head in _unit_heads(e, role):
            mails.append((kind, head.id, {**_unit_names(unit), **ctx}))
    return mails


def _reassigned(e: _Event) -> list[Mail]:
    mails = _assigned(e)
    change = e.event.changes.get("assignee_id")
    previous = change.get("from") if isinstance(change, dict) else None
    new = e.session.get(User, e.changed_to("assignee_id") or e.item.assignee_id)
    if previous is not None and new is not None:
        ctx = {
            "actor_name": e.actor_name,
            "new_assignee_name": new.full_name,
            "comment": e.event.comment,
        }
        mails.append((Kind.REASSIGNED, previous, ctx))
    return mails


def _support_closed(e: _Event) -> list[Mail]:
    outcome = e.event.to_state
    if outcome not in (State.DONE, State.CANCELLED, State.WITHDRAWN):
        return []
    ctx = {"outcome": outcome, "actor_name": e.actor_name, "comment": e.event.comment}
    return [
        (Kind.SUPPORT_CLOSED, head.id, {**_unit_names(unit), **ctx})
        for unit, head in _unit_heads(e, "support")
    ]


def _all(*mappings: Callable[[_Event], list[Mail]]) -> Callable[[_Event], list[Mail]]:
    """The mails of several mappings, in order (earlier recipients win a tie)."""

    def mails(e: _Event) -> list[Mail]:
        return [mail for mapping in mappings for mail in mapping(e)]

    return mails


def _update(change: str, *, to_assigner: bool = False) -> Callable[[_Event], list[Mail]]:
    def mails(e: _Event) -> list[Mail]:
        to = e.item.assigner_id if to_assigner else e.item.assignee_id
        ctx = {"change": change, "actor_name": e.actor_name, "comment": e.event.comment}
        return [(Kind.ITEM_UPDATE, to, ctx)]

    return mails


def _returned(e: _Event) -> list[Mail]:
    ctx = {"actor_name": e.actor_name, "reason": e.event.comment or "-"}
    return [(Kind.RETURNED, e.item.assigner_id, ctx)]


def _submitted(e: _Event) -> list[Mail]:
    # The lead unit's head reviews; when the head is the one who submitted (or there is
    # none), the assigner, who may also review, hears of it instead.
    head = unit_head(session=e.session, unit_id=e.item.lead_unit_id)
    to = head.id if head is not None and head.id != e.event.actor_id else e.item.assigner_id
    return [(Kind.AWAITING_REVIEW, to, {"actor_name": e.actor_name, "note": e.event.comment})]


def _rework(e: _Event) -> list[Mail]:
    ctx = {"reviewer_name": e.actor_name, "reason": e.event.comment or "-"}
    return [(Kind.REWORK, e.item.assignee_id, ctx)]


def _extension_requested(e: _Event) -> list[Mail]:
    request = e.extension()
    requester = e.session.get(User, request.requested_by_id)
    assert requester is not None
    approver = approver_for(session=e.session, item=e.item, requester=requester)
    ctx = {
        "requester_name": requester.full_name,
        "requested_due_at": request.requested_due_at,
        "reason": request.reason,
    }
    return [(Kind.EXTENSION_REQUESTED, approver.id if approver else None, ctx)]


def _extension_decided(e: _Event) -> list[Mail]:
    request = e.extension()
    ctx = {
        "approved": request.status == "approved",
        "decided_by_name": e.actor_name,
        "requested_due_at": request.requested_due_at,
        "note": request.decision_note,
    }
    return [(Kind.EXTENSION_DECIDED, request.requested_by_id, ctx)]


def _chase(e: _Event) -> list[Mail]:
    ctx = {"actor_name": e.actor_name, "comment": e.event.comment or "-"}
    return [(Kind.CHASE, e.item.assignee_id, ctx)]


def _progress(e: _Event) -> list[Mail]:
    # Whoever follows the item from above: its assigner and the lead unit's head.
    head = unit_head(session=e.session, unit_id=e.item.lead_unit_id)
    ctx = {
        "change": "progress",
        "actor_name": e.actor_name,
        "comment": e.event.comment,
        "progress": e.event.changes.get("progress", e.item.progress_pct),
    }
    return [(Kind.ITEM_UPDATE, to, ctx) for to in (e.item.assigner_id, head.id if head else None)]


def _commented(e: _Event) -> list[Mail]:
    """The people on the item (assignee, assigner, lead unit head) and earlier commenters."""
    head = unit_head(session=e.session, unit_id=e.item.lead_unit_id)
    earlier = e.session.exec(
        select(Comment.author_id)
        .where(Comment.work_item_id == e.item.id, Comment.created_at <= e.event.at)
        .order_by(col(Comment.id))
    ).all()
    people = [e.item.assignee_id, e.item.assigner_id, head.id if head else None, *earlier]
    ctx = {"author_name": e.actor_name, "body": e.event.comment or ""}
    return [(Kind.COMMENT, to, ctx) for to in people]


MAPPINGS: dict[str, Callable[[_Event], list[Mail]]] = {
    "assign": _assigned_with_units,
    "reassign": _reassigned,
    "accept": _update("accepted", to_assigner=True),
    "return": _returned,
    "submit": _submitted,
    "approve": _all(_update("approved"), _support_closed),
    "request_rework": _rework,
    "pause": _update("paused"),
    "resume": _update("resumed"),
    "cancel": _all(_update("cancelled"), _support_closed),
    "withdraw": _all(_update("withdrawn"), _support_closed),
    "chase": _chase,
    "progress": _progress,
    "comment": _commented,
    # Issuing an amended plan moved the due date (workflow.services.plan_issue).
    "plan_due_moved": _update("due_moved"),
    # A head moved the due date from a list's selection (workflow.services.work_items.bulk).
    "due_extended": _update("due_extended"),
    "extension_requested": _extension_requested,
    "extension_approved": _extension_decided,
    "extension_refused": _extension_decided,
}


def item_ref(session: Session, item: WorkItem) -> ItemRef:
    """The mail's view of an item: title, deadline, lead unit and assignee names."""
    unit = session.get(Unit, item.lead_unit_id)
    assignee = session.get(User, item.assignee_id)
    return ItemRef(
        id=item.id or 0,
        title=item.title,
        due_at=item.due_at,
        unit_name=unit.name if unit else "",
        assignee_name=assignee.full_name if assignee else "",
        unit_name_en=(unit.name_en or "") if unit else "",
    )


def _relay_handover(
    session: Session, event: WorkItemEvent, now: datetime, settings: Settings
) -> int:
    """A person left or moved (`workflow.services.people`): one mail per batch to the head,
    listing every item of the batch. Each item's event names the whole batch, so the first
    one relayed queues the mail and the others meet its dedup key."""
    info = event.changes.get("handover")
    if not isinstance(info, dict) or info.get("head_id") in (None, event.actor_id):
        return 0
    head = session.get(User, info["head_id"])
    person = session.get(User, info["person_id"])
    if head is None or person is None:
        return 0
    items = [i for i in (session.get(WorkItem, n) for n in info.get("items", [])) if i]
    if not items:
        return 0
    moved = info.get("reason") == "moved"
    unit = session.get(Unit, person.unit_id) if moved else None
    enqueue(
        session=session,
        kind=Kind.TO_REASSIGN,
        recipient=head,
        context={
            "recipient_name": head.full_name,
            "person_name": person.full_name,
            "reason": "moved" if moved else "deactivated",
            "new_unit_name": unit.name if unit is not None else None,
            "items": [item_ref(session, i) for i in items],
        },
        dedup_key=f"handover:{info['batch']}",
        now=now,
        settings=settings,
    )
    return 1


def _relay_one(session: Session, event: WorkItemEvent, now: datetime, settings: Settings) -> int:
    if event.action == HANDED_OVER:
        return _relay_handover(session, event, now, settings)
    mapping = MAPPINGS.get(event.action)
    if mapping is None:
        return 0
    item = session.get(WorkItem, event.work_item_id)
    assert item is not None and event.id is not None
    actor = session.get(User, event.actor_id) if event.actor_id else None
    mails = mapping(_Event(session, event, item, actor.full_name if actor else "Hệ thống"))
    sent: set[int] = set()
    with bound_request_id(event.request_id) if event.request_id else nullcontext():
        _enqueue_mails(session, event, item, mails, now=now, settings=settings, sent=sent)
    return len(sent)


def _enqueue_mails(
    session: Session,
    event: WorkItemEvent,
    item: WorkItem,
    mails: list[Mail],
    *,
    now: datetime,
    settings: Settings,
    sent: set[int],
) -> None:
    ref = item_ref(session, item)
    for kind, to, ctx in mails:
        # Nobody is told of their own action, nor twice of one event.
        if to is None or to == event.actor_id or to in sent:
            continue
        recipient = session.get(User, to)
        if recipient is None:
            continue
        enqueue(
            session=session,
            kind=kind,
            recipient=recipient,
            context={"recipient_name": recipient.full_name, "item": ref, **ctx},
            dedup_key=f"event:{event.id}:{to}",
            now=now,
            work_item_id=item.id,
            settings=settings,
            # One action's events share actor and time: a bulk action is one mail per
            # person, a single event goes out as itself (notifications.grouping).
            group_key=event_group_key(actor_id=event.actor_id, at=event.at),
        )
        sent.add(to)


def _claim(session: Session, after_id: int, limit: int) -> list[WorkItemEvent]:
    query = (
        select(WorkItemEvent)
        .where(col(WorkItemEvent.notified_at).is_(None), col(WorkItemEvent.id) > after_id)
        .order_by(col(WorkItemEvent.id))
        .limit(limit)
    )
    if is_postgres(session):
        # A concurrent relay takes other events; the dedup key covers any overlap anyway.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


def relay_events(
    *, session: Session, now: datetime, batch_size: int, settings: Settings | None = None
) -> RelayResult:
    """Turn every pending event into outbox rows; never commits.

    A failing event is logged and left pending (retried next run) while the batch goes on;
    events older than `mail_give_up_hours` are stamped unmailed, so a failing one stops
    being retried and a backlog (e.g. history from before the relay existed) is not sent.
    """
    settings = settings or get_settings()
    oldest = now - timedelta(hours=settings.mail_give_up_hours)
    result, after_id = RelayResult(), 0
    while True:
        events = _claim(session, after_id, batch_size)
        for event in events:
            event_id = after_id = event.id or 0
            result.claimed += 1
            if event.at < oldest:
                result.stale += 1
            else:
                try:
                    with session.begin_nested():
                        result.enqueued += _relay_one(session, event, now, settings)
                except Exception:
                    log.exception("relay_events event_failed event_id=%s", event_id)
                    result.failed_ids.append(event_id)
                    continue
            event.notified_at = now
            session.add(event)
        session.flush()
        if len(events) < batch_size:
            break
    # DEBUG: the delivery job's line carries `relayed` (failures are logged above).
    log.debug(
        "relay_events claimed=%d enqueued=%d stale=%d failed=%d",
        result.claimed,
        result.enqueued,
        result.stale,
        len(result.failed_ids),
    )
    return result
