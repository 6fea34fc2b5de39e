"""Who is who to a work item: relations, allowed actions, who may assign, loading for a change."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from workflow.db import is_single_writer
from workflow.errors import InvalidInput, NotFound, StaleVersion
from workflow.models.org import Role, Unit, User
from workflow.models.work import WorkItem
from workflow.services.stand_ins import holds, standing_in_for
from workflow.states import Action, ActorRelation, allowed_actions


def actor_relations(
    *, session: Session, item: WorkItem, actor: User, now: datetime | None = None
) -> frozenset[ActorRelation]:
    """How `actor` stands to `item` (an inactive account stands in no relation).

    Given `now`, the delegate of the assignee's absence stands as the assignee
    (`stand_ins.standing_in_for`); without it, only the person's own relations count."""
    if not actor.is_active:
        return frozenset()
    rel: set[ActorRelation] = set()
    # A mover keeps no hold on the old unit's items (`stand_ins.holds`): the head reassigns.
    if (actor.id == item.assignee_id and holds(item, actor)) or (
        now is not None
        and standing_in_for(session=session, item=item, actor=actor, now=now) is not None
    ):
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


def actions_for(
    *, session: Session, item: WorkItem, actor: User, now: datetime | None = None
) -> list[Action]:
    """The actions `actor` may take on `item` now (the UI's buttons); give `now` so a
    delegate standing in for the assignee gets the assignee's."""
    return allowed_actions(item, actor_relations(session=session, item=item, actor=actor, now=now))


def acting_for(
    *, session: Session, item: WorkItem, actor: User, now: datetime
) -> dict[str, int | str] | None:
    """The audit's note of a delegate's action: whom `actor` acts for on `item`, or None."""
    person = standing_in_for(session=session, item=item, actor=actor, now=now)
    if person is None or person.id is None:
        return None
    return {"id": person.id, "name": person.full_name}


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
        raise InvalidInput(f"no active user with id {user_id}", code="assignee_inactive")
    if user.unit_id != unit_id:
        raise InvalidInput(f"{user.username} is not in the lead unit", code="not_in_lead_unit")
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
