"""Admin overrides of the working-day calendar (a day declared off, a Saturday worked)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from workflow.models.types import UTCDateTime


class CalendarOverride(SQLModel, table=True):
    """One published decision about a day; it wins over the `holidays` package."""

    __tablename__ = "calendar_override"

    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True, index=True)
    is_working: bool
    reason: str = Field(max_length=500)
    created_by_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
