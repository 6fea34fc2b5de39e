"""Models of the working-day calendar's overrides (ngày nghỉ bù, ngày làm bù)."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel


class OverrideCreate(SQLModel):
    """A day declared worked or off, with the decision that published it; the API's body
    and the calendar page's form."""

    day: date
    is_working: bool
    reason: str = Field(min_length=1, max_length=500)


class OverrideDay(SQLModel):
    """The day whose override the calendar page's "remove" form names (the API's path)."""

    day: date


class OverridePublic(SQLModel):
    day: date
    is_working: bool
    reason: str
    created_at: datetime


class OverrideResultPublic(SQLModel):
    override: OverridePublic | None
    moved_item_ids: list[int]
