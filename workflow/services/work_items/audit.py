"""The audit trail of work items: every change bumps `version` and appends one WorkItemEvent."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlmodel import Session

from workflow.logs import current_request_id
from workflow.models.org import User
from workflow.models.work import WorkItem, WorkItemEvent

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
    "progress_pct",
)


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
    bump: bool = True,
) -> WorkItemEvent:
    """Bump the version, stamp `updated_at` and append the audit event of one change.

    `bump=False` only records: creation writes its history row at version 1 this way, so
    the new row needs no UPDATE after its INSERT."""
    if bump:
        item.version += 1
        item.updated_at = now
        session.add(item)
    changes = {
        name: {"from": _jsonable(old), "to": _jsonable(getattr(item, name))}
        for name, old in before.items()
        if getattr(item, name) != old
    }
    changes.update(extra or {})
    event = WorkItemEvent(
        work_item_id=flushed_id(item),
        actor_id=actor.id if actor else None,
        action=action,
        from_state=before["state"],
        to_state=item.state,
        at=now,
        comment=comment,
        changes=changes,
        request_id=current_request_id(),
    )
    session.add(event)
    return event


def flushed_id(item: WorkItem) -> int:
    """The id of an item that must already be flushed."""
    if item.id is None:
        raise RuntimeError("work item not flushed yet")
    return item.id
