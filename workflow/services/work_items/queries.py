"""Reading work items: filtered lists and an item's audit trail."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session, col, select

from workflow.deadlines import overdue_clause
from workflow.models.work import WorkItem, WorkItemEvent
from workflow.states import OPEN_STATES


def list_items(
    *,
    session: Session,
    unit_ids: Iterable[int] | None = None,
    assignee_id: int | None = None,
    states: Iterable[str] | None = None,
    overdue_at: datetime | None = None,
    limit: int = 200,
) -> list[WorkItem]:
    """Items filtered in the query (unit scope, assignee, states; with `overdue_at`, only
    items still open and due before that instant), most urgent first."""
    query = select(WorkItem)
    if unit_ids is not None:
        query = query.where(col(WorkItem.lead_unit_id).in_(list(unit_ids)))
    if assignee_id is not None:
        query = query.where(WorkItem.assignee_id == assignee_id)
    if states is not None:
        query = query.where(col(WorkItem.state).in_(list(states)))
    if overdue_at is not None:
        open_states = [s.value for s in OPEN_STATES]
        query = query.where(overdue_clause(overdue_at), col(WorkItem.state).in_(open_states))
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
