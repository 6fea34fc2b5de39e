"""Managing people's accounts (quản trị cán bộ): creating, editing, moving, deactivating and
reactivating a person, who may do it, and the organisation chart the administration page
shows. The administration pages, `POST|PATCH /admin/users` and `planflow user` all call
these; every change leaves an `OrgChange` row (`org_audit`).

Administrators manage every account. A unit's head (trưởng đơn vị) manages the officers of
their own unit: adds one, corrects a name, title, e-mail or language, deactivates and
reactivates; moving a person to another unit and changing roles are the administrators'
(the personnel office's decision, Quyết định điều động). Moving and deactivating go through
`workflow.services.people`, so the person's open items go to the former head to reassign.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, func, select

from workflow.errors import InvalidInput, NotAllowed
from workflow.models.org import Role, Unit, User
from workflow.models.work import WorkItem
from workflow.services import org, org_audit, people

# What `update_account` may change, and the part of it a unit head may.
EDITABLE = ("full_name", "title", "language", "email", "unit_id", "role", "is_active")
HEAD_EDITABLE = frozenset(("full_name", "title", "language", "email", "is_active"))


def may_manage(
    *, actor: User | None, person: User | None = None, unit_id: int | None = None
) -> bool:
    """May `actor` manage `person` (or add a person to `unit_id`)? None is the command line."""
    if actor is None:
        return True
    if not actor.is_active:
        return False
    if actor.role == Role.ADMIN.value:
        return True
    if actor.role != Role.UNIT_HEAD.value:
        return False
    if person is not None:
        return person.unit_id == actor.unit_id and person.role == Role.OFFICER.value
    return unit_id == actor.unit_id


def may_administer(actor: User) -> bool:
    """May `actor` open the administration pages at all (administrators, unit heads)?"""
    return actor.is_active and actor.role in (Role.ADMIN.value, Role.UNIT_HEAD.value)


def _check_unit(session: Session, unit_id: int) -> None:
    if session.get(Unit, unit_id) is None:
        raise InvalidInput(f"unknown unit {unit_id}", code="unit")


def create_account(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    username: str,
    email: str,
    full_name: str,
    unit_id: int,
    role: Role,
    title: str | None = None,
    language: str = "vi",
) -> User:
    """A new active account (no password: the person sets one from the reset link, or signs
    in through the directory). Conflict (`ContactTaken`) when the username or e-mail is
    another account's; NotAllowed when `actor` may not add people to `unit_id`."""
    if not may_manage(actor=actor, unit_id=unit_id):
        raise NotAllowed("only an administrator or the unit's head adds people to a unit")
    if actor is not None and actor.role == Role.UNIT_HEAD.value and role != Role.OFFICER:
        raise NotAllowed("a unit's head adds officers; other roles are the administrators'")
    _check_unit(session, unit_id)
    org.ensure_contact_free(session=session, username=username, email=email, user_id=None)
    user = User(
        username=username.strip(),
        email=email.strip(),
        full_name=full_name.strip(),
        title=(title or "").strip() or None,
        unit_id=unit_id,
        role=role.value,
        language=language,
    )
    org_audit.add_person(session=session, now=now, actor=actor, user=user)
    session.flush()
    return user


@dataclass
class AccountUpdate:
    """What `update_account` did: the audited changes and the items handed to heads."""

    user: User
    changes: dict[str, list[Any]] = field(default_factory=dict)
    handed_over: list[WorkItem] = field(default_factory=list)


def _normalised(changes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in changes.items():
        if key not in EDITABLE:
            raise InvalidInput(f"{key} cannot be changed here")
        if value is None and key != "title":
            continue  # not given
        if isinstance(value, Role):
            value = value.value
        elif key == "email":
            value = str(value).strip()
        elif key == "title":
            value = (value or "").strip() or None
        elif key == "full_name":
            value = str(value).strip()
        out[key] = value
    return out


def update_account(
    *,
    session: Session,
    now: datetime,
    actor: User | None,
    user: User,
    changes: Mapping[str, Any],
) -> AccountUpdate:
    """Change `user` as `changes` says (fields of `EDITABLE`; None leaves a field as it is,
    except `title`, which None clears): everything checked first (the unit, a free e-mail,
    an administrator remaining, what `actor` may change), then the move, the (de)activation
    and the other fields, each audited. Moving or deactivating hands the person's open
    items to the former head (`people`)."""
    if not may_manage(actor=actor, person=user):
        raise NotAllowed(f"{actor.username if actor else '?'} may not manage {user.username}")
    wanted = {k: v for k, v in _normalised(changes).items() if getattr(user, k) != v}
    result = AccountUpdate(user=user)
    if not wanted:
        return result
    if actor is not None and actor.role != Role.ADMIN.value and set(wanted) - HEAD_EDITABLE:
        raise NotAllowed("moving people and changing roles are the administrators'")
    if "unit_id" in wanted:
        _check_unit(session, wanted["unit_id"])
    if "role" in wanted:
        Role(wanted["role"])  # a role the table knows
    if "email" in wanted:
        org.ensure_contact_free(
            session=session, username=None, email=wanted["email"], user_id=user.id
        )
    org.ensure_admin_remains(
        session=session,
        user=user,
        role=wanted.get("role", user.role),
        is_active=wanted.get("is_active", user.is_active),
    )
    before = org_audit.values_of(user)
    if "unit_id" in wanted:
        done = people.move(
            session=session,
            now=now,
            actor=actor,
            user=user,
            unit_id=wanted.pop("unit_id"),
            role=wanted.pop("role", None),
        )
        result.handed_over += done.items
    active = wanted.pop("is_active", None)
    if active is False:
        result.handed_over += people.deactivate(
            session=session, now=now, actor=actor, user=user
        ).items
    elif active is True:
        people.reactivate(session=session, now=now, actor=actor, user=user)
    if wanted:
        org_audit.change(session=session, now=now, actor=actor, user=user, values=wanted)
        session.flush()
    result.changes = org_audit.diff(before, org_audit.values_of(user))
    return result


# --- reading: the people an actor manages, the organisation chart --------------------------


def people_for(
    *,
    session: Session,
    actor: User,
    unit_id: int | None = None,
    state: str = "active",
    query: str | None = None,
) -> list[User]:
    """The people `actor` manages (administrators: everyone; a head: their unit), of
    `unit_id`, active, inactive or `all`, whose name, username or e-mail contains `query`
    (case-insensitive), by unit then name."""
    stmt = select(User).join(Unit, col(Unit.id) == col(User.unit_id))
    if actor.role != Role.ADMIN.value:
        stmt = stmt.where(User.unit_id == actor.unit_id)
    if unit_id is not None:
        stmt = stmt.where(User.unit_id == unit_id)
    if state == "active":
        stmt = stmt.where(col(User.is_active))
    elif state == "inactive":
        stmt = stmt.where(col(User.is_active).is_(False))
    needle = (query or "").strip().lower()
    if needle:
        like = f"%{needle}%"
        stmt = stmt.where(
            func.lower(col(User.full_name)).like(like)
            | func.lower(col(User.username)).like(like)
            | func.lower(col(User.email)).like(like)
        )
    return list(session.exec(stmt.order_by(col(Unit.code), col(User.full_name))).all())


@dataclass
class ChartRow:
    """A unit in the organisation chart: its depth under the root, its head (trưởng đơn vị),
    the deputy director in charge (Phó Giám đốc phụ trách) and its people."""

    unit: Unit
    depth: int
    head: User | None
    overseer: User | None
    active: int
    inactive: int


def org_chart(*, session: Session) -> list[ChartRow]:
    """Every unit in tree order (a unit, then its sub-units), the board first."""
    units = session.exec(select(Unit).order_by(col(Unit.is_board).desc(), col(Unit.code))).all()
    counts: dict[tuple[int, bool], int] = {
        (unit_id, active): n
        for unit_id, active, n in session.exec(
            select(User.unit_id, User.is_active, func.count()).group_by(
                col(User.unit_id), col(User.is_active)
            )
        ).all()
    }
    children: dict[int | None, list[Unit]] = {}
    known = {u.id for u in units}
    for unit in units:
        parent = unit.parent_id if unit.parent_id in known else None
        children.setdefault(parent, []).append(unit)
    rows: list[ChartRow] = []

    def walk(parent: int | None, depth: int) -> None:
        for unit in children.get(parent, []):
            unit_id = unit.id or 0
            rows.append(
                ChartRow(
                    unit=unit,
                    depth=depth,
                    head=org.unit_head(session=session, unit_id=unit_id),
                    overseer=org.overseer(session=session, unit_id=unit_id),
                    active=counts.get((unit_id, True), 0),
                    inactive=counts.get((unit_id, False), 0),
                )
            )
            if depth < 10:  # a cycle in parent links must not loop forever
                walk(unit.id, depth + 1)

    walk(None, 0)
    return rows
