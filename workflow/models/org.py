"""The organisation: units (đơn vị) and their kinds, users and their roles, the reporting
line, and the names plans use for units: aliases and unit groups (nhóm đơn vị)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer
from sqlmodel import Field, SQLModel

from workflow.models.types import JSONType, UTCDateTime, in_check


class Role(StrEnum):
    """Roles are unit-scoped: a user holds one role in their own unit."""

    DIRECTOR = "director"
    DEPUTY_DIRECTOR = "deputy_director"
    UNIT_HEAD = "unit_head"
    OFFICER = "officer"
    COORDINATOR = "coordinator"
    ADMIN = "admin"


class UnitKind(StrEnum):
    """What a unit is in the agency's structure (cơ cấu tổ chức của Sở, docs/org-units.md);
    plans name units by kind ("Các phòng chuyên môn", "Các đơn vị sự nghiệp")."""

    BOARD = "board"  # Ban Giám đốc: the leadership, never one of "all units"
    OFFICE = "office"  # Văn phòng
    INSPECTORATE = "inspectorate"  # Thanh tra
    DIVISION = "division"  # phòng chuyên môn, nghiệp vụ
    SUBDEPARTMENT = "subdepartment"  # chi cục, ban (tổ chức hành chính thuộc Sở)
    PUBLIC_SERVICE = "public_service"  # đơn vị sự nghiệp công lập (trung tâm...)


class Unit(SQLModel, table=True):
    """A unit of the agency (phòng, ban, chi cục, Ban Giám đốc); `is_board` is
    `kind == "board"`, kept as its own column for the queries that ask only that."""

    __tablename__ = "unit"
    __table_args__ = (in_check("kind", [k.value for k in UnitKind]),)

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
    # A server default too: units inserted without a kind (older scripts) are divisions.
    kind: str = Field(
        default=UnitKind.DIVISION.value,
        max_length=20,
        sa_column_kwargs={"server_default": UnitKind.DIVISION.value},
    )


class GroupRule(StrEnum):
    """How a unit group (`UnitGroup`) finds its members."""

    ALL = "all"  # every unit but the board
    KINDS = "kinds"  # every unit of the listed kinds
    UNITS = "units"  # the listed units


class UnitGroup(SQLModel, table=True):
    """A name for several units (nhóm đơn vị), as plans write them in the lead or supporting
    column: "Khối quản lý nhà nước". Members are computed when a name is resolved
    (`workflow.importer.unit_names`), so a unit added later joins an `all` or `kinds` group. The
    phrases every agency uses ("Các phòng, đơn vị thuộc Sở", "Các phòng chuyên môn") are
    built in and need no row."""

    __tablename__ = "unit_group"
    __table_args__ = (in_check("rule", [r.value for r in GroupRule]),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=40, unique=True, index=True)
    name: str = Field(max_length=255)
    name_en: str | None = Field(default=None, max_length=255)
    rule: str = Field(max_length=10)
    kinds: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))
    unit_codes: list[str] = Field(default_factory=list, sa_column=Column(JSONType, nullable=False))


class UnitAlias(SQLModel, table=True):
    """Another spelling of a unit ("VP Sở", "Phòng CCHC") or of a group: a name a plan
    writes that resolves to `unit_id` or to the group `group_code` (an organisation
    group's code, or a built-in group's: `all`, `kind:division`...). Exactly one is set.

    `key` is the folded name (`workflow.importer.text.fold`): one alias per spelling.
    `source` is `org` for the organisation file's aliases and `mapped` for a name the
    coordinator mapped after an import refused it (kept for the next import).
    """

    __tablename__ = "unit_alias"
    __table_args__ = (
        in_check("source", ["org", "mapped"]),
        CheckConstraint("(unit_id IS NULL) <> (group_code IS NULL)", name="one_target"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=255, unique=True, index=True)
    name: str = Field(max_length=255)
    unit_id: int | None = Field(default=None, foreign_key="unit.id", index=True)
    group_code: str | None = Field(default=None, max_length=40)
    source: str = Field(default="mapped", max_length=10)
    created_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")


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
    # The directory account linked at the first directory sign-in ("ldap:<entry DN>",
    # "oidc:<issuer> <sub>"): later sign-ins find the person by it, whatever the e-mail.
    # A unique index, not a constraint: SQLite adds an index in place, while a constraint
    # would make the migration rebuild app_user, which every other table refers to.
    directory_id: str | None = Field(default=None, max_length=500, unique=True, index=True)


class Absence(SQLModel, table=True):
    """A person's absence (nghỉ phép, đi công tác) with the colleague who stands in for them
    (người được ủy quyền) from `starts_on` to `ends_on`, both days included, in the agency's
    zone. During it the delegate receives the person's reminders and may act on their items
    (`workflow.services.stand_ins`); a cancelled absence keeps its row for the history."""

    __tablename__ = "absence"
    __table_args__ = (CheckConstraint("starts_on <= ends_on", name="absence_dates"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    delegate_id: int = Field(foreign_key="app_user.id", index=True)
    starts_on: date
    ends_on: date
    note: str | None = Field(default=None, max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    cancelled_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class OrgAction(StrEnum):
    """What an `OrgChange` records."""

    CREATED = "created"  # an account was created
    UPDATED = "updated"  # name, title, e-mail, language or role changed
    MOVED = "moved"  # to another unit (điều động)
    DEACTIVATED = "deactivated"  # left (nghỉ việc): cannot sign in
    REACTIVATED = "reactivated"
    DIRECTORY_LINKED = "directory_linked"  # first sign-in through LDAP or OpenID Connect


class OrgChange(SQLModel, table=True):
    """The organisation's audit (nhật ký thay đổi nhân sự): one row per change of a person's
    account, whoever made it and through whichever door (page, API, CLI, staff list,
    directory sign-in). `changes` is `{field: [before, after]}`; `actor_id` None is the
    command line or the system. Rows are only ever added."""

    __tablename__ = "org_change"
    __table_args__ = (in_check("action", [a.value for a in OrgAction]),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="app_user.id")
    user_id: int = Field(foreign_key="app_user.id", index=True)
    action: str = Field(max_length=20)
    changes: dict[str, list[object]] = Field(
        default_factory=dict, sa_column=Column(JSONType, nullable=False)
    )
