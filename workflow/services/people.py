"""People come and go: deactivating (nghỉ việc) and moving (điều động) a person, and their
absences with a delegate (nghỉ phép, ủy quyền). The rules of who answers for an item then are
`workflow.services.stand_ins`; pages, API, CLI and the organisation loaders call these.

Deactivating or moving a person writes one `handed_over` event per open item they no longer
hold, naming the head, the reason and the batch; the notification relay turns a batch into
one mail to the head listing its items. Nothing is reassigned automatically: the head
chooses, with the usual "Giao lại" action, and history keeps who did what.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlmodel import Session, col, select

from workflow.calendar import local_date
from workflow.errors import Conflict, InvalidInput, NotAllowed, NotFound
from workflow.models.org import Absence, OrgAction, Role, Unit, User
from workflow.models.work import WorkItem
from workflow.services import org, org_audit
from workflow.services.stand_ins import holds, line_above
from workflow.services.work_items.audit import record_change, snapshot
from workflow.settings import get_settings
from workflow.states import OPEN_STATES

# The audit action of an item whose assignee left or moved (and what the relay mails).
HANDED_OVER = "handed_over"
REASON_DEACTIVATED = "deactivated"
REASON_MOVED = "moved"


@dataclass
class HandOver:
    """What deactivating or moving a person did: per head, the items now to reassign."""

    person: User
    reason: str
    by_head: dict[int | None, list[WorkItem]] = field(default_factory=dict)

    @property
    def items(self) -> list[WorkItem]:
        return [i for items in self.by_head.values() for i in items]


def hand_over(
    *, session: Session, now: datetime, actor: User | None, person: User, reason: str
) -> HandOver:
    """After `person` was deactivated or moved: every open item they no longer hold goes on
    its head's list (one `handed_over` event per item, one batch per head)."""
    result = HandOver(person=person, reason=reason)
    items = session.exec(
        select(WorkItem)
        .where(
            WorkItem.assignee_id == person.id,
            col(WorkItem.state).in_([s.value for s in OPEN_STATES]),
        )
        .order_by(col(WorkItem.due_at), col(WorkItem.id))
    ).all()
    heads: dict[int, User | None] = {}
    for item in items:
        if holds(item, person):
            continue
        if item.lead_unit_id not in heads:
            heads[item.lead_unit_id] = line_above(session=session, unit_id=item.lead_unit_id)
        head = heads[item.lead_unit_id]
        result.by_head.setdefault(head.id if head else None, []).append(item)
    stamp = f"{person.id}:{now:%Y%m%dT%H%M%S%f}"
    for head_id, group in result.by_head.items():
        ids = [i.id for i in group]
        for item in group:
            record_change(
                session=session,
                now=now,
                item=item,
                actor=actor,
                action=HANDED_OVER,
                before=snapshot(item),
                extra={
                    "handover": {
                        "batch": f"{stamp}:{head_id}",
                        "person_id": person.id,
                        "head_id": head_id,
                        "reason": reason,
                        "items": ids,
                    }
                },
            )
    session.flush()
    return result


def deactivate(*, session: Session, now: datetime, actor: User | None, user: User) -> HandOver:
    """Deactivate an account (it can no longer sign in) and hand its open items to the head.
    Conflict if it is the last active administrator. Deactivating twice changes nothing."""
    if not user.is_active:
        return HandOver(person=user, reason=REASON_DEACTIVATED)
    org.ensure_admin_remains(session=session, user=user, role=user.role, is_active=False)
    user.is_active = False
    # Every cookie and token of the account stops working at once.
    user.session_generation += 1
    session.add(user)
    org_audit.record(
        session=session,
        now=now,
        actor=actor,
        user=user,
        action=OrgAction.DEACTIVATED,
        changes={"is_active": [True, False]},
    )
    session.flush()
    return hand_over(session=session, now=now, actor=actor, person=user, reason=REASON_DEACTIVATED)


def reactivate(*, session: Session, now: datetime, actor: User | None, user: User) -> None:
    """Let an account sign in again; items still assigned to it and in its unit are its own
    again (the rule is `holds`). Reactivating an active account changes nothing."""
    if user.is_active:
        return
    user.is_active = True
    session.add(user)
    org_audit.record(
        session=session,
        now=now,
        actor=actor,
        user=user,
        action=OrgAction.REACTIVATED,
        changes={"is_active": [False, True]},
    )
    session.flush()


def move(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    user: User,
    unit_id: int,
    role: str | None = None,
) -> HandOver:
    """Move a person to another unit (and role): the items of the unit they leave go to its
    head's list. Moving to the same unit only changes the role."""
    if session.get(Unit, unit_id) is None:
        raise InvalidInput(f"unknown unit {unit_id}")
    new_role = role or user.role
    org.ensure_admin_remains(session=session, user=user, role=new_role, is_active=user.is_active)
    before = org_audit.values_of(user)
    moved = user.unit_id != unit_id
    user.unit_id = unit_id
    user.role = new_role
    session.add(user)
    changes = org_audit.diff(before, org_audit.values_of(user))
    if changes:
        action = OrgAction.MOVED if moved else OrgAction.UPDATED
        org_audit.record(
            session=session, now=now, actor=actor, user=user, action=action, changes=changes
        )
    session.flush()
    if not moved:
        return HandOver(person=user, reason=REASON_MOVED)
    return hand_over(session=session, now=now, actor=actor, person=user, reason=REASON_MOVED)


def load_org_file(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    text: str,
    source: str = "org.yaml",
    deactivate_missing: bool = False,
) -> org.OrgLoadResult:
    """`org.load_org`, then what people coming and going needs: the items of anyone the
    file moved to another unit go to their former head's list, and with
    `deactivate_missing` (the file is the whole staff list) every active account the file
    does not list is deactivated the same way. All in the caller's transaction."""
    before = {u.username: org_audit.values_of(u) for u in session.exec(select(User)).all()}
    result = org.load_org(session=session, text=text, source=source)
    for listed in session.exec(
        select(User).where(col(User.username).in_(result.listed_usernames))
    ).all():
        old = before.get(listed.username)
        changes = org_audit.diff(old or {}, org_audit.values_of(listed))
        if old is None:
            action = OrgAction.CREATED
        elif "unit_id" in changes:
            action = OrgAction.MOVED
        else:
            action = OrgAction.UPDATED
        if changes:
            org_audit.record(
                session=session, now=now, actor=actor, user=listed, action=action, changes=changes
            )
    for user_id in result.moved_ids:
        user = session.get(User, user_id)
        if user is not None:
            done = hand_over(
                session=session, now=now, actor=actor, person=user, reason=REASON_MOVED
            )
            result.handed_over += len(done.items)
    if deactivate_missing:
        missing = session.exec(
            select(User)
            .where(col(User.is_active), col(User.username).not_in(result.listed_usernames))
            .order_by(col(User.username))
        ).all()
        for user in missing:
            done = deactivate(session=session, now=now, actor=actor, user=user)
            result.deactivated.append(f"user {user.username}")
            result.handed_over += len(done.items)
    return result


def to_reassign(*, session: Session, head: User) -> list[WorkItem]:
    """The open items waiting on `head` to be reassigned: their assignee left or moved and
    `head` is who answers for their lead unit now (`line_above`)."""
    if not head.is_active:
        return []
    rows = session.exec(
        select(WorkItem, User)
        .join(User, col(User.id) == col(WorkItem.assignee_id))
        .where(
            col(WorkItem.state).in_([s.value for s in OPEN_STATES]),
            (col(User.is_active).is_(False)) | (col(User.unit_id) != col(WorkItem.lead_unit_id)),
        )
        .order_by(col(WorkItem.due_at), col(WorkItem.id))
    ).all()
    answers: dict[int, int | None] = {}
    out: list[WorkItem] = []
    for item, _assignee in rows:
        if item.lead_unit_id not in answers:
            above = line_above(session=session, unit_id=item.lead_unit_id)
            answers[item.lead_unit_id] = above.id if above else None
        if answers[item.lead_unit_id] == head.id:
            out.append(item)
    return out


# --- absences --------------------------------------------------------------------------


def may_manage_absences(*, actor: User, person: User) -> bool:
    """A person records their own absences; their unit's head and administrators too."""
    if not actor.is_active:
        return False
    if actor.id == person.id or actor.role == Role.ADMIN.value:
        return True
    return actor.role == Role.UNIT_HEAD.value and actor.unit_id == person.unit_id


def record_absence(
    *,
    session: Session,
    now: datetime,
    actor: User,
    user_id: int,
    delegate_id: int,
    starts_on: date,
    ends_on: date,
    note: str | None = None,
) -> Absence:
    """Record an absence of `user_id` with `delegate_id` standing in, both days included.

    The delegate is an active colleague of the same unit or the person's head (who answers
    for the unit anyway); the dates are in order, not already over, and do not overlap
    another absence of the person (InvalidInput, Conflict)."""
    person = session.get(User, user_id)
    if person is None:
        raise NotFound(f"user {user_id} not found")
    if not may_manage_absences(actor=actor, person=person):
        raise NotAllowed(f"{actor.username} may not record absences of {person.username}")
    delegate = session.get(User, delegate_id)
    if delegate is None or not delegate.is_active:
        raise InvalidInput(f"no active user with id {delegate_id}", code="absence_delegate")
    if delegate.id == person.id:
        raise InvalidInput("the delegate is someone else", code="absence_delegate")
    head = line_above(session=session, unit_id=person.unit_id)
    if delegate.unit_id != person.unit_id and (head is None or head.id != delegate.id):
        raise InvalidInput(
            f"{delegate.username} is not in {person.username}'s unit", code="absence_delegate"
        )
    if ends_on < starts_on:
        raise InvalidInput("the absence ends before it starts", code="absence_dates")
    if ends_on < local_date(now, tz=get_settings().timezone):
        raise InvalidInput("the absence is already over", code="absence_dates")
    clash = session.exec(
        select(Absence).where(
            Absence.user_id == person.id,
            col(Absence.cancelled_at).is_(None),
            col(Absence.starts_on) <= ends_on,
            col(Absence.ends_on) >= starts_on,
        )
    ).first()
    if clash is not None:
        raise Conflict(
            f"{person.username} is already absent from {clash.starts_on:%d/%m/%Y}"
            f" to {clash.ends_on:%d/%m/%Y}"
        )
    text = (note or "").strip() or None
    if text is not None and len(text) > 500:
        raise InvalidInput("the note is longer than 500 characters", code="absence_note")
    absence = Absence(
        user_id=person.id or 0,
        delegate_id=delegate.id or 0,
        starts_on=starts_on,
        ends_on=ends_on,
        note=text,
        created_by_id=actor.id,
        created_at=now,
    )
    session.add(absence)
    session.flush()
    return absence


def cancel_absence(*, session: Session, now: datetime, actor: User, absence_id: int) -> Absence:
    """End an absence early or call it off (the row stays, `cancelled_at` set)."""
    absence = session.get(Absence, absence_id)
    person = session.get(User, absence.user_id) if absence is not None else None
    if absence is None or person is None:
        raise NotFound(f"absence {absence_id} not found")
    if not may_manage_absences(actor=actor, person=person):
        raise NotAllowed(f"{actor.username} may not change absences of {person.username}")
    if absence.cancelled_at is None:
        absence.cancelled_at = now
        session.add(absence)
        session.flush()
    return absence


def absences_for(*, session: Session, actor: User, now: datetime) -> list[Absence]:
    """The current and coming absences `actor` may see and manage: their own, and as a
    unit's head their unit's (administrators: everyone's)."""
    today = local_date(now, tz=get_settings().timezone)
    query = (
        select(Absence)
        .join(User, col(User.id) == col(Absence.user_id))
        .where(col(Absence.cancelled_at).is_(None), col(Absence.ends_on) >= today)
        .order_by(col(Absence.starts_on), col(Absence.id))
    )
    if actor.role == Role.UNIT_HEAD.value:
        query = query.where((User.unit_id == actor.unit_id) | (Absence.delegate_id == actor.id))
    elif actor.role != Role.ADMIN.value:
        query = query.where((Absence.user_id == actor.id) | (Absence.delegate_id == actor.id))
    return list(session.exec(query).all())
