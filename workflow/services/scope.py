"""Who may see which work item (phạm vi xem), expressed as SQL so filtering happens in the query.

- officer (chuyên viên) and admin: items assigned to them, and items their unit supports
  (phối hợp) or is informed about (nhận để biết);
- unit head (trưởng đơn vị): items led by their unit, plus those their unit supports or is
  informed about, plus their own;
- deputy director (Phó Giám đốc): the same for every unit they oversee (Unit.overseer_id);
- director and coordinator: everything;
- during an absence, the delegate also sees the absent assignee's item (one at a time, by
  its page: `get_visible_item` given `now`).

Objects hanging off an item (comments, evidence, extension requests) are visible exactly
when their item is. Callers treat an invisible object as absent (404, never 403).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, exists, false, or_, true
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from workflow.errors import NotFound
from workflow.models import Unit, User, WorkItem, WorkItemUnit
from workflow.models.org import Role
from workflow.services.stand_ins import standing_in_for

SEES_ALL = frozenset({Role.DIRECTOR.value, Role.COORDINATOR.value})


def scope_clause(*, role: str, active: bool, user_id: Any, unit_id: Any) -> ColumnElement[bool]:
    """The visibility rule for a user of `role`, with their ids as values or bind parameters.

    Bind parameters let the API build one statement per role and reuse it for every user.
    """
    if not active:
        return false()
    if role in SEES_ALL:
        return true()
    own = col(WorkItem.assignee_id) == user_id
    if role == Role.DEPUTY_DIRECTOR.value:
        overseen = sa_select(col(Unit.id)).where(col(Unit.overseer_id) == user_id).scalar_subquery()
        involved = exists().where(
            col(WorkItemUnit.work_item_id) == col(WorkItem.id),
            col(WorkItemUnit.unit_id).in_(overseen),
        )
        return or_(own, col(WorkItem.lead_unit_id).in_(overseen), involved)
    involved = exists().where(
        col(WorkItemUnit.work_item_id) == col(WorkItem.id),
        col(WorkItemUnit.unit_id) == unit_id,
    )
    if role == Role.UNIT_HEAD.value:
        return or_(own, col(WorkItem.lead_unit_id) == unit_id, involved)
    return or_(own, involved)


def visible_items(user: User) -> ColumnElement[bool]:
    """A WHERE clause on WorkItem selecting exactly the items `user` may see."""
    return scope_clause(
        role=user.role, active=user.is_active, user_id=user.id, unit_id=user.unit_id
    )


def get_visible_item(
    *,
    session: Session,
    user: User,
    item_id: int,
    for_update: bool = False,
    now: datetime | None = None,
) -> WorkItem:
    """The item if `user` may see it; NotFound otherwise (never reveals that it exists).

    Given `now`, the delegate of the absent assignee sees it too (`stand_ins`), while the
    absence lasts: the item page and its actions pass it, the lists keep the role's scope."""
    query = select(WorkItem).where(col(WorkItem.id) == item_id, visible_items(user))
    if for_update:
        query = query.with_for_update()
    item = session.exec(query).first()
    if item is None and now is not None:
        found = session.get(WorkItem, item_id)
        if found is not None and standing_in_for(session=session, item=found, actor=user, now=now):
            item = found
    if item is None:
        raise NotFound(f"work item {item_id} not found")
    return item


def manages_unit(*, session: Session, user: User, unit_id: int) -> bool:
    """True when `user` directs the unit's work: its head, its overseer, or a director."""
    if user.role in (Role.DIRECTOR.value, Role.COORDINATOR.value):
        return True
    if user.role == Role.UNIT_HEAD.value:
        return user.unit_id == unit_id
    if user.role == Role.DEPUTY_DIRECTOR.value:
        unit = session.get(Unit, unit_id)
        return unit is not None and unit.overseer_id == user.id
    return False
