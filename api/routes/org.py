"""Units (đơn vị) for everyone signed in; user accounts for administrators.

A taken username or e-mail and a change leaving no active administrator are 409 problems
(the rules are in `workflow.services.org`)."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from api.auth import set_password
from api.deps import AdminUser, CurrentUser, NowDep, SessionDep
from api.schemas.common import Id
from api.schemas.org import (
    OrgChangePublic,
    UnitPublic,
    UserAdminPublic,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from workflow.errors import NotFound
from workflow.models import Unit, User
from workflow.services import accounts, org_audit

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


@router.post("/admin/users", response_model=UserAdminPublic, status_code=201)
def admin_create_user(
    body: UserCreate, admin: AdminUser, session: SessionDep, now: NowDep
) -> UserAdminPublic:
    """Create an account (audited); a taken username or e-mail is a 409 naming the field."""
    user = accounts.create_account(session=session, now=now, actor=admin, **body.account_fields())
    if body.password:
        set_password(session=session, user=user, password=body.password)
        session.add(user)
        session.flush()
    return admin_public(user)


def _user(session: SessionDep, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


@router.patch("/admin/users/{user_id}", response_model=UserAdminPublic)
def admin_update_user(
    user_id: Id, body: UserUpdate, admin: AdminUser, session: SessionDep, now: NowDep
) -> UserAdminPublic:
    """Change an account: name, title, e-mail, language, unit, role, activation (audited).

    Deactivating a person or moving them to another unit puts their open items on their
    former head's "to reassign" list (`GET /me/to-reassign`) and mails that head once."""
    user = _user(session, user_id)
    accounts.update_account(
        session=session,
        now=now,
        actor=admin,
        user=user,
        changes=body.model_dump(exclude_unset=True),
    )
    return admin_public(user)


@router.get("/admin/users/{user_id}/history", response_model=list[OrgChangePublic])
def admin_user_history(
    user_id: Id, _admin: AdminUser, session: SessionDep
) -> list[OrgChangePublic]:
    """The account's audit (nhật ký), newest first: who changed what, when."""
    user = _user(session, user_id)
    rows = org_audit.history(session=session, user_id=user.id or 0)
    return [OrgChangePublic.model_validate(r) for r in rows]
