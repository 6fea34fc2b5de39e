"""Models of units (đơn vị) and users (người dùng)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import EmailStr
from sqlmodel import Field, SQLModel

from api.schemas.common import Id
from workflow.models.org import Role

Language = Literal["vi", "en"]


class UnitPublic(SQLModel):
    id: int
    code: str
    name: str
    name_en: str | None
    parent_id: int | None
    overseer_id: int | None
    is_board: bool
    kind: str  # board, office, inspectorate, division, subdepartment, public_service


class UserBase(SQLModel):
    full_name: str = Field(min_length=1, max_length=255)
    title: str | None = Field(default=None, max_length=255)
    language: Language = "vi"


class UserPublic(UserBase):
    """What any colleague may see about a user."""

    id: int
    username: str
    unit_id: int
    role: Role


class UserAdminPublic(UserPublic):
    """What an administrator sees: contact and account state too."""

    email: str
    is_active: bool
    has_password: bool


class MePublic(UserPublic):
    email: str
    unit_code: str
    unit_name: str


class MeUpdate(SQLModel):
    """What users may change about themselves: nothing that grants access."""

    language: Language | None = None


class UserCreate(UserBase):
    # `pattern` through schema_extra: SQLModel's own `regex=` is silently ignored.
    username: str = Field(min_length=2, max_length=80, schema_extra={"pattern": r"^[a-z0-9._-]+$"})
    email: EmailStr
    unit_id: Id
    role: Role
    password: str | None = Field(default=None, min_length=10, max_length=200)

    def account_fields(self) -> dict[str, Any]:
        """The keyword arguments of `workflow.services.accounts.create_account`."""
        return {
            "username": self.username,
            "email": str(self.email),
            "full_name": self.full_name,
            "unit_id": self.unit_id,
            "role": self.role,
            "title": self.title,
            "language": self.language,
        }


class UserUpdate(SQLModel):
    full_name: str | None = Field(default=None, min_length=1, max_length=255)
    title: str | None = Field(default=None, max_length=255)
    language: Language | None = None
    email: EmailStr | None = None
    unit_id: Id | None = None
    role: Role | None = None
    is_active: bool | None = None


class OrgChangePublic(SQLModel):
    """One change of an account (nhật ký): `changes` is `{field: [before, after]}`;
    `actor_id` None is the command line or the system."""

    id: int
    at: datetime
    actor_id: int | None
    user_id: int
    action: str  # created, updated, moved, deactivated, reactivated, directory_linked
    changes: dict[str, list[Any]]
