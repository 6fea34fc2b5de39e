"""The plan tree: Plan → Area → Objective → Indicator (targets, readings) and PlanTask."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.types import JSONType, UTCDateTime, in_check

COMPARATORS = [">=", ">", "=", "<=", "<", "rank<=", "increase>="]


class Plan(SQLModel, table=True):
    """An imported plan (kế hoạch) with its metadata."""

    __tablename__ = "plan"

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=120, unique=True, index=True)
    number: str | None = Field(default=None, max_length=80)
    title: str = Field(max_length=500)
    place: str | None = Field(default=None, max_length=120)
    issued_on: date | None = None
    legal_basis: str | None = Field(default=None, sa_column=Column(Text))
    start_year: int | None = None
    end_year: int | None = None
    # Sections kept as data: principles, general goal, measures, funding, responsibilities.
    sections: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType))
    # Reminder/escalation ladders per plan (None → defaults of workflow.deadlines).
    policy: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONType))
    source_sha256: str | None = Field(default=None, max_length=64)
    imported_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class Area(SQLModel, table=True):
    """One of the reform areas (lĩnh vực), numbered as in the plan."""

    __tablename__ = "area"
    __table_args__ = (UniqueConstraint("plan_id", "number", name="uq_area_plan_number"),)

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    number: int
    title: str = Field(max_length=500)


class Objective(SQLModel, table=True):
    """An objective (mục tiêu) of an area; qualitative unless it carries indicators."""

    __tablename__ = "objective"
    __table_args__ = (UniqueConstraint("area_id", "key", name="uq_objective_area_key"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    key: str = Field(max_length=200)
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    milestone_year: int | None = None
    withdrawn: bool = Field(default=False)


class Indicator(SQLModel, table=True):
    """A measurable indicator (chỉ tiêu) with one target per milestone year."""

    __tablename__ = "indicator"
    __table_args__ = (UniqueConstraint("area_id", "key", name="uq_indicator_area_key"),)

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    objective_id: int | None = Field(default=None, foreign_key="objective.id")
    key: str = Field(max_length=200)
    name: str = Field(sa_column=Column(Text, nullable=False))
    measure_unit: str = Field(default="%", max_length=20)


class IndicatorTarget(SQLModel, table=True):
    """The target of an indicator for a milestone year, e.g. ≥ 80 % by 2025."""

    __tablename__ = "indicator_target"
    __table_args__ = (
        UniqueConstraint("indicator_id", "year", name="uq_indicator_target_year"),
        in_check("comparator", COMPARATORS),
    )

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    year: int
    comparator: str = Field(max_length=12)
    value: float
    text: str = Field(sa_column=Column(Text, nullable=False))


class IndicatorReading(SQLModel, table=True):
    """A measured value of an indicator as of a date, recorded by a coordinator."""

    __tablename__ = "indicator_reading"

    id: int | None = Field(default=None, primary_key=True)
    indicator_id: int = Field(foreign_key="indicator.id", index=True)
    value: float
    as_of: date
    note: str | None = Field(default=None, sa_column=Column(Text))
    recorded_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    recorded_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class PlanTask(SQLModel, table=True):
    """A task (nhiệm vụ) or sub-task of an area; `parent_id` links sub-tasks (`+`).

    Units (docs/decisions/0013-unit-groups.md): `lead_unit_id` is the one lead unit (đơn vị
    chủ trì). When the plan names a group as the lead ("Các phòng chuyên môn"), every member
    leads its own share of the task: `lead_unit_id` is None, `lead_group` keeps the name as
    written and `lead_group_codes` the member units' codes (expanded at import, in the
    organisation's order), one work item each when the task is issued.
    `supporting_unit_codes` are the supporting units (đơn vị phối hợp), a group already
    expanded, never one of the lead units.
    """

    __tablename__ = "plan_task"
    __table_args__ = (
        UniqueConstraint("plan_id", "key", name="uq_plan_task_plan_key"),
        in_check("status", ["active", "withdrawn"]),
    )

    id: int | None = Field(default=None, primary_key=True)
    plan_id: int = Field(foreign_key="plan.id", index=True)
    area_id: int = Field(foreign_key="area.id", index=True)
    parent_id: int | None = Field(default=None, foreign_key="plan_task.id")
    key: str = Field(max_length=200)
    position: int
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="active", max_length=20)
    lead_unit_id: int | None = Field(default=None, foreign_key="unit.id")
    supporting_unit_codes: list[str] = Field(default_factory=list, sa_column=Column(JSONType))
    lead_group: str | None = Field(default=None, max_length=255)
    lead_group_codes: list[str] = Field(default_factory=list, sa_column=Column(JSONType))
    due_text: str | None = Field(default=None, max_length=255)
    product: str | None = Field(default=None, sa_column=Column(Text))
