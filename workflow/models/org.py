"""The organisation: units (đơn vị), users and their roles, the reporting line."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from workflow.models.types import in_check


class Role(StrEnum):
    """Roles are unit-scoped: a user holds one role in their own unit."""

    DIRECTOR = "director"
    DEPUTY_DIRECTOR = "deputy_director"
    UNIT_HEAD = "unit_head"
    OFFICER = "officer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class Unit(SQLModel, table=True):
    """A unit of the agency (phòng, ban, chi cục, Ban Giám đốc)."""

    __tablename__ = "unit"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=255)
    name_en: str | None = Field(default=None, max_length=255)
    parent_id: int | None = Field(default=None, foreign_key="unit.id")
    # The deputy director in charge (Phó Giám đốc phụ trách): next escalation level.
    overseer_id: int | None = Field(
        default=None,
        sa_column=Column(
            Integer, ForeignKey("app_user.id", use_alter=True, name="fk_unit_overseer_id_app_user")
        ),
    )
    is_board: bool = Field(default=False)


class User(SQLModel, table=True):
    """A person with an account; `role` is held within `unit_id`."""

    __tablename__ = "app_user"
    __table_args__ = (in_check("role", [r.value for r in Role]),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=80, unique=True, index=True)
    email: str = Field(max_length=255, unique=True)
    full_name: str = Field(max_length=255)
    title: str | None = Field(default=None, max_length=255)
    unit_id: int = Field(foreign_key="unit.id", index=True)
    role: str = Field(max_length=32)
    language: str = Field(default="vi", max_length=5)
    password_hash: str | None = Field(default=None, max_length=255)
    is_active: bool = Field(default=True)
    ical_token: str | None = Field(default=None, max_length=64, unique=True)
    # Every token carries the generation it was issued in; signing out (or a new
    # password) moves it on, so cookies and tokens issued before stop working at once.
    session_generation: int = Field(default=0)
