"""Working-day calendar overrides (ngày nghỉ bù, ngày làm bù) kept by the coordinator."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query

from api.deps import CoordinatorUser, CurrentUser, NowDep, SessionDep
from api.schemas.calendar import OverrideCreate, OverridePublic, OverrideResultPublic
from workflow.services.calendar import add_override, list_overrides, remove_override

router = APIRouter(prefix="/calendar/overrides", tags=["calendar"])


@router.get("", response_model=list[OverridePublic])
def read_overrides(
    _user: CurrentUser,
    session: SessionDep,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
) -> list[OverridePublic]:
    """Published decisions about days, in date order."""
    return [OverridePublic.model_validate(o) for o in list_overrides(session=session, year=year)]


@router.post("", response_model=OverrideResultPublic, status_code=201)
def create_override(
    body: OverrideCreate, user: CoordinatorUser, session: SessionDep, now: NowDep
) -> OverrideResultPublic:
    """Declare a day worked or off; deadlines counted in working days move accordingly."""
    result = add_override(
        session=session,
        now=now,
        actor=user,
        day=body.day,
        is_working=body.is_working,
        reason=body.reason,
    )
    return OverrideResultPublic(
        override=OverridePublic.model_validate(result.override) if result.override else None,
        moved_item_ids=result.moved_item_ids,
    )


@router.delete("/{day}", response_model=OverrideResultPublic)
def delete_override(
    day: date, user: CoordinatorUser, session: SessionDep, now: NowDep
) -> OverrideResultPublic:
    """Forget the decision about a day."""
    result = remove_override(session=session, now=now, actor=user, day=day)
    return OverrideResultPublic(override=None, moved_item_ids=result.moved_item_ids)
