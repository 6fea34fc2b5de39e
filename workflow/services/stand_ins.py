"""Who answers for an item when its assignee cannot: leavers, movers and absences.

One rule, asked by the sweep, the pages, the API and the CLI:

- An open item is *held* by its assignee while the account is active and still in the
  item's lead unit. A deactivated person (nghỉ việc, nghỉ hưu) or one moved to another unit
  (điều động) no longer holds it: it is on the "to reassign" list (cần giao lại) of the
  lead unit's head, and its reminders go to that head until it is reassigned. A vacant head
  hands it up the reporting line (deputy director in charge, then the director), as
  escalations do (`line_above`).
- During an absence (`Absence`: nghỉ phép, đi công tác) the delegate (người được ủy quyền)
  receives the person's reminders and may act on their items as the assignee; the audit
  records "acting for" the person (`standing_in_for`). Afterwards everything returns.

Deactivating, moving and recording absences are `workflow.services.people`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from workflow.calendar import local_date
from workflow.models.org import Absence, User
from workflow.models.work import WorkItem
from workflow.services import org
from workflow.settings import get_settings


def line_above(*, session: Session, unit_id: int, level: int = 1) -> User | None:
    """Who answers for a unit at `level` (1 its head, 2 the deputy director in charge, 3 the
    director); climbs when a post is vacant or its holder inactive."""
    for step in range(max(level, 1), 4):
        if step == 1:
            user = org.unit_head(session=session, unit_id=unit_id)
        elif step == 2:
            user = org.overseer(session=session, unit_id=unit_id)
        else:
            user = org.director(session=session)
        if user is not None and user.is_active:
            return user
    return None


def holds(item: WorkItem, assignee: User | None) -> bool:
    """Whether the assignee still holds the item: active and in its lead unit."""
    return assignee is not None and assignee.is_active and assignee.unit_id == item.lead_unit_id


def delegate_of(*, session: Session, user: User, now: datetime) -> User | None:
    """The active delegate of `user`'s absence covering today (agency zone), if any."""
    today = local_date(now, tz=get_settings().timezone)
    absence = session.exec(
        select(Absence)
        .where(
            Absence.user_id == user.id,
            col(Absence.cancelled_at).is_(None),
            col(Absence.starts_on) <= today,
            col(Absence.ends_on) >= today,
        )
        .order_by(col(Absence.id).desc())
    ).first()
    if absence is None:
        return None
    delegate = session.get(User, absence.delegate_id)
    return delegate if delegate is not None and delegate.is_active else None


@dataclass(frozen=True)
class Recipient:
    """Who gets an item's reminder: `user`, on behalf of `on_behalf_of` (the assignee) when
    that is someone else, `why` "to_reassign" or "absence"."""

    user: User
    on_behalf_of: User | None = None
    why: str | None = None


def reminder_recipient(*, session: Session, item: WorkItem, now: datetime) -> Recipient | None:
    """Who receives the item's reminders, due-today and overdue mails at `now`: the
    assignee; the head while the item waits to be reassigned; the delegate during the
    assignee's absence. None when nobody can (no assignee row, whole line vacant)."""
    assignee = session.get(User, item.assignee_id)
    if assignee is None:
        return None
    if not holds(item, assignee):
        head = line_above(session=session, unit_id=item.lead_unit_id)
        return Recipient(head, assignee, "to_reassign") if head is not None else None
    delegate = delegate_of(session=session, user=assignee, now=now)
    if delegate is not None and delegate.id != assignee.id:
        return Recipient(delegate, assignee, "absence")
    return Recipient(assignee)


def standing_in_for(*, session: Session, item: WorkItem, actor: User, now: datetime) -> User | None:
    """The assignee `actor` may act for on `item` now (the delegate of their absence), or
    None. This is the one authorisation rule of delegation (`access.actor_relations`)."""
    if not actor.is_active or actor.id == item.assignee_id:
        return None
    assignee = session.get(User, item.assignee_id)
    if assignee is None or not holds(item, assignee):
        return None
    delegate = delegate_of(session=session, user=assignee, now=now)
    return assignee if delegate is not None and delegate.id == actor.id else None
