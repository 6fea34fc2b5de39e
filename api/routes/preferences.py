"""Notification preferences (tùy chọn nhận thư): immediate (grouped or one mail per event)
or daily digest, quiet hours."""

from __future__ import annotations

from typing import Annotated

from annotated_types import MaxLen
from fastapi import APIRouter
from sqlmodel import Field, SQLModel

from api.deps import CurrentUser, SessionDep
from notifications.preferences import preferences_of, set_preferences

router = APIRouter(prefix="/me/notifications", tags=["me"])


class PreferencesPublic(SQLModel):
    mode: str
    digest_hour: int
    quiet_start_hour: int | None
    quiet_end_hour: int | None
    opted_out_kinds: list[str]
    grouped: bool


class PreferencesUpdate(SQLModel):
    mode: str = Field(default="immediate", regex="^(immediate|digest)$")
    digest_hour: int = Field(default=7, ge=0, le=23)
    quiet_start_hour: int | None = Field(default=None, ge=0, le=23)
    quiet_end_hour: int | None = Field(default=None, ge=0, le=23)
    opted_out_kinds: Annotated[list[str], MaxLen(20)] = []
    # One mail per bulk action and one morning mail (true, the default) or one per event.
    grouped: bool = True


@router.get("", response_model=PreferencesPublic)
def read_preferences(user: CurrentUser, session: SessionDep) -> PreferencesPublic:
    """The user's mail preferences (defaults when never set)."""
    pref = preferences_of(session=session, user_id=user.id or 0)
    return PreferencesPublic.model_validate(pref)


@router.put("", response_model=PreferencesPublic)
def update_preferences(
    body: PreferencesUpdate, user: CurrentUser, session: SessionDep
) -> PreferencesPublic:
    """Replace the user's mail preferences; escalations and password resets stay on."""
    pref = set_preferences(
        session=session,
        user_id=user.id or 0,
        mode=body.mode,
        digest_hour=body.digest_hour,
        quiet_start_hour=body.quiet_start_hour,
        quiet_end_hour=body.quiet_end_hour,
        opted_out_kinds=body.opted_out_kinds,
        grouped=body.grouped,
    )
    return PreferencesPublic.model_validate(pref)
