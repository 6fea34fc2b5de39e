"""People coming and going: a head's list of items to reassign (their assignee left or moved)
and absences with a delegate (nghỉ phép, ủy quyền). The rules are
`workflow.services.people` and `workflow.services.stand_ins`."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from sqlmodel import Field, SQLModel

from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from api.queries import due_soon_limit
from api.schemas.common import Id
from api.schemas.items import WorkItemPublic
from workflow.deadlines import flag_of
from workflow.models import Absence
from workflow.services import people

router = APIRouter(tags=["people"])


class AbsenceCreate(SQLModel):
    """An absence; `user_id` defaults to the caller (a head records one for their people)."""

    user_id: Id | None = None
    delegate_id: Id
    starts_on: date
    ends_on: date
    note: str | None = Field(default=None, max_length=500)


class AbsencePublic(SQLModel):
    id: int
    user_id: int
    delegate_id: int
    starts_on: date
    ends_on: date
    note: str | None
    created_by_id: int | None
    created_at: datetime
    cancelled_at: datetime | None


@router.get("/me/to-reassign", response_model=list[WorkItemPublic])
def my_items_to_reassign(
    user: CurrentUser, session: SessionDep, now: NowDep, settings: SettingsDep
) -> list[WorkItemPublic]:
    """Open items whose assignee left or moved and that the caller answers for (cần giao
    lại): their reminders come to the caller until each is reassigned."""
    soon = due_soon_limit(session, now=now, settings=settings)
    return [
        WorkItemPublic.model_validate(i, update={"flag": flag_of(i, now=now, soon=soon)})
        for i in people.to_reassign(session=session, head=user)
    ]


@router.get("/absences", response_model=list[AbsencePublic])
def list_absences(user: CurrentUser, session: SessionDep, now: NowDep) -> list[AbsencePublic]:
    """Current and coming absences the caller may see: their own, those they stand in for,
    and a unit head's unit's (administrators: all)."""
    rows = people.absences_for(session=session, actor=user, now=now)
    return [AbsencePublic.model_validate(a) for a in rows]


@router.post("/absences", response_model=AbsencePublic, status_code=201)
def create_absence(
    body: AbsenceCreate, user: CurrentUser, session: SessionDep, now: NowDep
) -> AbsencePublic:
    """Record an absence with a delegate who receives the person's reminders and may act on
    their items from `starts_on` to `ends_on` (both included)."""
    absence = people.record_absence(
        session=session,
        now=now,
        actor=user,
        user_id=body.user_id or user.id or 0,
        delegate_id=body.delegate_id,
        starts_on=body.starts_on,
        ends_on=body.ends_on,
        note=body.note,
    )
    return AbsencePublic.model_validate(absence)


@router.delete("/absences/{absence_id}", response_model=AbsencePublic)
def cancel_absence(
    absence_id: Id, user: CurrentUser, session: SessionDep, now: NowDep
) -> AbsencePublic:
    """End an absence now (or call it off): everything returns to the person."""
    absence: Absence = people.cancel_absence(
        session=session, now=now, actor=user, absence_id=absence_id
    )
    return AbsencePublic.model_validate(absence)
