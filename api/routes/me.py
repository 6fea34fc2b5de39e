"""The signed-in user: profile, language, iCalendar feed token."""

from __future__ import annotations

from fastapi import APIRouter

from api.auth import new_ical_token
from api.deps import CurrentUser, SessionDep, SettingsDep
from api.schemas.org import MePublic, MeUpdate
from workflow.models import Unit, User
from workflow.services.profile import set_language

router = APIRouter(prefix="/me", tags=["me"])


def me_public(session: SessionDep, user: User) -> MePublic:
    unit = session.get(Unit, user.unit_id)
    return MePublic.model_validate(
        user,
        update={"unit_code": unit.code if unit else "", "unit_name": unit.name if unit else ""},
    )


@router.get("", response_model=MePublic)
def read_me(user: CurrentUser, session: SessionDep) -> MePublic:
    """Who am I (tài khoản của tôi)."""
    return me_public(session, user)


@router.patch("", response_model=MePublic)
def update_me(body: MeUpdate, user: CurrentUser, session: SessionDep) -> MePublic:
    """Change what a user may change about themselves (the UI language)."""
    if body.language is not None:
        set_language(session=session, user=user, language=body.language)
    return me_public(session, user)


@router.post("/ical-token", response_model=dict[str, str])
def rotate_ical_token(
    user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """Issue a new secret calendar feed URL; the previous one stops working at once."""
    user.ical_token = new_ical_token()
    session.add(user)
    return {"url": f"{settings.base_url}/ical/{user.ical_token}.ics"}


@router.delete("/ical-token", status_code=204)
def revoke_ical_token(user: CurrentUser, session: SessionDep) -> None:
    """Revoke the calendar feed URL."""
    user.ical_token = None
    session.add(user)
