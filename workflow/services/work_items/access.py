"""Who is who to a work item: relations, allowed actions, who may assign, loading for a change."""

from __future__ import annotations

from sqlmodel import Session, col, select

from workflow.db import is_single_writer
from workflow.errors import InvalidInput, NotFound, StaleVersion
from workflow.models.org import Role, Unit, User
from workflow.models.work import WorkItem
from workflow.states import Action, ActorRelation, allowed_actions


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


def officer_of(*, session: Session, user_id: int, unit_id: int) -> User:
    """The active user `user_id`, who must belong to `unit_id` (the lead unit of the item)."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise InvalidInput(f"no active user with id {user_id}")
    if user.unit_id != unit_id:
        raise InvalidInput(f"{user.username} is not in the lead unit")
    return user


def reassign_candidates(*, session: Session, item: WorkItem) -> list[User]:
    """Whom the item may be given to instead: the lead unit's other active people, by name.

    The same rule `officer_of` checks when the reassignment is made."""
    rows = session.exec(
        select(User)
        .where(User.unit_id == item.lead_unit_id, col(User.is_active).is_(True))
        .order_by(col(User.full_name), col(User.id))
    ).all()
    return [u for u in rows if u.id != item.assignee_id]


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
