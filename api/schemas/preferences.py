"""Models of the notification preferences (tùy chọn nhận thư)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import MaxLen
from pydantic import model_validator
from sqlmodel import Field, SQLModel


class PreferencesPublic(SQLModel):
    mode: str
    digest_hour: int
    quiet_start_hour: int | None
    quiet_end_hour: int | None
    opted_out_kinds: list[str]
    grouped: bool


class PreferencesUpdate(SQLModel):
    """The API's `PUT /me/notifications` body and the settings page's form."""

    mode: str = Field(default="immediate", regex="^(immediate|digest)$")
    digest_hour: int = Field(default=7, ge=0, le=23)
    quiet_start_hour: int | None = Field(default=None, ge=0, le=23)
    quiet_end_hour: int | None = Field(default=None, ge=0, le=23)
    opted_out_kinds: Annotated[list[str], MaxLen(20)] = []
    # One mail per bulk action and one morning mail (true, the default) or one per event.
    grouped: bool = True

    @model_validator(mode="after")
    def _quiet_hours_together(self) -> PreferencesUpdate:
        # Quiet hours are a span: a start without an end (or the reverse) means nothing.
        if (self.quiet_start_hour is None) != (self.quiet_end_hour is None):
            raise ValueError("quiet hours need both a start and an end")
        return self
