"""Report runs: one frozen snapshot per (kind, period_start)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from workflow.models.types import JSONType, UTCDateTime, in_check

REPORT_KINDS = ["weekly", "quarterly", "six_month", "annual", "custom"]


class ReportRun(SQLModel, table=True):
    """A report computed once for its period; re-sending shows the same numbers."""

    __tablename__ = "report_run"
    __table_args__ = (
        UniqueConstraint("kind", "period_start", "period_end", name="uq_report_run_period"),
        in_check("kind", REPORT_KINDS),
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    period_start: date
    period_end: date
    label: str = Field(max_length=200)
    snapshot: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))


class JobState(SQLModel, table=True):
    """When each scheduled job last ran, so a restarted scheduler catches up once."""

    __tablename__ = "job_state"

    name: str = Field(primary_key=True, max_length=80)
    last_run_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
