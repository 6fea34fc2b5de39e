"""Notification preferences (tùy chọn nhận thư): immediate (grouped or one mail per event)
or daily digest, quiet hours."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, SessionDep
from api.schemas.preferences import PreferencesPublic, PreferencesUpdate
from notifications.preferences import preferences_of, set_preferences

router = APIRouter(prefix="/me/notifications", tags=["me"])


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
