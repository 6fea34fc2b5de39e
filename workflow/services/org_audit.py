"""The organisation's audit (nhật ký thay đổi nhân sự): every change of a person's account
leaves an `OrgChange` row, whichever door it came through. The services that change
accounts (`accounts`, `people`, `staff_import`, the directory sign-in) write them here;
the administration page and `GET /admin/users/{id}/history` read them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from workflow.models.org import OrgAction, OrgChange, User

# The account fields an audit row may name (never a password hash or a token).
AUDITED = ("username", "email", "full_name", "title", "unit_id", "role", "language", "is_active")


def values_of(user: User) -> dict[str, Any]:
    """The audited fields of `user` as they are now."""
    return {name: getattr(user, name) for name in AUDITED}


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """`{field: [before, after]}` of the audited fields that differ."""
    return {
        name: [before.get(name), after.get(name)]
        for name in AUDITED
        if name in after and before.get(name) != after.get(name)
    }


def record(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    user: User,
    action: OrgAction,
    changes: Mapping[str, list[Any]] | None = None,
) -> OrgChange:
    """Add one audit row: `actor` (None: the command line or the system) did `action` to
    `user`, changing `changes` (`{field: [before, after]}`)."""
    row = OrgChange(
        at=now,
        actor_id=actor.id if actor is not None else None,
        user_id=user.id or 0,
        action=action.value,
        changes=dict(changes or {}),
    )
    session.add(row)
    return row


def history(*, session: Session, user_id: int) -> list[OrgChange]:
    """The audit rows of one person, newest first."""
    return list(
        session.exec(
            select(OrgChange)
            .where(OrgChange.user_id == user_id)
            .order_by(col(OrgChange.at).desc(), col(OrgChange.id).desc())
        ).all()
    )


def change(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    user: User,
    values: Mapping[str, Any],
    action: OrgAction = OrgAction.UPDATED,
) -> dict[str, list[Any]]:
    """Set `values` on `user` and record what changed (nothing recorded if nothing did)."""
    before = values_of(user)
    for key, value in values.items():
        setattr(user, key, value)
    session.add(user)
    changes = diff(before, values_of(user))
    if changes:
        record(session=session, now=now, actor=actor, user=user, action=action, changes=changes)
    return changes


def add_person(*, session: Session, now: datetime, actor: User | None, user: User) -> User:
    """Add the new account `user` (flushed, so it has its id) and record its creation."""
    session.add(user)
    session.flush()
    created = diff({}, values_of(user))
    record(
        session=session, now=now, actor=actor, user=user, action=OrgAction.CREATED, changes=created
    )
    return user
