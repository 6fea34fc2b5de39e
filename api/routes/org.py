"""Units (đơn vị) for everyone signed in; user accounts for administrators.

A taken username or e-mail and a change leaving no active administrator are 409 problems
(the rules are in `workflow.services.org`)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from api.auth import set_password
from api.deps import AdminUser, CurrentUser, NowDep, SessionDep
from api.schemas.common import Id
from api.schemas.org import UnitPublic, UserAdminPublic, UserCreate, UserPublic, UserUpdate
from workflow.errors import InvalidInput, NotFound
from workflow.models import Unit, User
from workflow.services import people
from workflow.services.org import ensure_admin_remains, ensure_contact_free

router = APIRouter(tags=["org"])


def admin_public(user: User) -> UserAdminPublic:
    return UserAdminPublic.model_validate(
        user, update={"has_password": user.password_hash is not None}
    )


@router.get("/units", response_model=list[UnitPublic])
def list_units(_user: CurrentUser, session: SessionDep) -> list[UnitPublic]:
    """The agency's units, in code order."""
    units = session.exec(select(Unit).order_by(col(Unit.code))).all()
    return [UnitPublic.model_validate(u) for u in units]


@router.get("/users", response_model=list[UserPublic])
def list_users(
    _user: CurrentUser, session: SessionDep, unit_id: Id | None = None
) -> list[UserPublic]:
    """Colleagues (names, units, roles) to pick an assignee from; no contact details."""
    query = select(User).where(col(User.is_active)).order_by(col(User.username))
    if unit_id is not None:
        query = query.where(User.unit_id == unit_id)
    return [UserPublic.model_validate(u) for u in session.exec(query).all()]


@router.get("/admin/users", response_model=list[UserAdminPublic])
def admin_list_users(_admin: AdminUser, session: SessionDep) -> list[UserAdminPublic]:
    """Every account with its state (quản trị tài khoản)."""
    return [admin_public(u) for u in session.exec(select(User).order_by(col(User.id))).all()]


def _check_unit(session: SessionDep, unit_id: int) -> None:
    if session.get(Unit, unit_id) is None:
        raise InvalidInput(f"unknown unit {unit_id}")


@router.post("/admin/users", response_model=UserAdminPublic, status_code=201)
def admin_create_user(body: UserCreate, _admin: AdminUser, session: SessionDep) -> UserAdminPublic:
    """Create an account."""
    _check_unit(session, body.unit_id)
    ensure_contact_free(
        session=session, username=body.username, email=str(body.email), user_id=None
    )
    user = User(
        username=body.username,
        email=str(body.email),
        full_name=body.full_name,
        title=body.title,
        unit_id=body.unit_id,
        role=body.role.value,
        language=body.language,
    )
    if body.password:
        set_password(session=session, user=user, password=body.password)
    session.add(user)
    session.flush()
    return admin_public(user)


@router.patch("/admin/users/{user_id}", response_model=UserAdminPublic)
def admin_update_user(
    user_id: Id, body: UserUpdate, admin: AdminUser, session: SessionDep, now: NowDep
) -> UserAdminPublic:
    """Change an account: name, e-mail, unit, role, activation.

    Deactivating a person or moving them to another unit puts their open items on their
    former head's "to reassign" list (`GET /me/to-reassign`) and mails that head once."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    if body.unit_id is not None:
        _check_unit(session, body.unit_id)
    if body.email is not None:
        ensure_contact_free(session=session, username=None, email=str(body.email), user_id=user.id)
    ensure_admin_remains(
        session=session,
        user=user,
        role=body.role.value if body.role is not None else user.role,
        is_active=body.is_active if body.is_active is not None else user.is_active,
    )
    changes = body.model_dump(exclude_unset=True)
    # Leaving and moving go through the one service that hands the open items over.
    if changes.get("unit_id") not in (None, user.unit_id):
        people.move(
            session=session,
            now=now,
            actor=admin,
            user=user,
            unit_id=changes.pop("unit_id"),
            role=body.role.value if body.role is not None else None,
        )
    if changes.get("is_active") is False and user.is_active:
        people.deactivate(session=session, now=now, actor=admin, user=user)
    elif changes.get("is_active") is True and not user.is_active:
        people.reactivate(session=session, user=user)
    changes.pop("is_active", None)
    for key, value in changes.items():
        if value is None:
            continue
        setattr(
            user, key, value.value if key == "role" else str(value) if key == "email" else value
        )
    session.add(user)
    session.flush()
    return admin_public(user)
