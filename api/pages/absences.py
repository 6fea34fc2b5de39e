"""The page Vắng mặt, ủy quyền (/ui/absences): a person, or their unit's head, records an
absence with a delegate and dates; during it the delegate receives the person's reminders
and may act on their items (`workflow.services.stand_ins`). Lists the current and coming
absences the reader may see, each with a button to end it. Each form is one transaction and
answers 303 back to the page; a refusal shows the page again with the reason, nothing
written."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.ui import render, to_login
from workflow.dates import parse_day
from workflow.errors import InvalidInput, WorkflowError
from workflow.models import User
from workflow.models.org import Role
from workflow.services import people

router = APIRouter(include_in_schema=False)

PAGE = "/ui/absences"


def _people(session: Session, user: User) -> tuple[list[User], list[User]]:
    """Whom the reader may record an absence for, and who may stand in (their unit)."""
    unit_people = list(
        session.exec(
            select(User)
            .where(User.unit_id == user.unit_id, col(User.is_active))
            .order_by(col(User.full_name), col(User.id))
        ).all()
    )
    if user.role in (Role.UNIT_HEAD.value, Role.ADMIN.value):
        return unit_people, unit_people
    return [user], unit_people


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    now: Any,
    form: dict[str, str] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    absences = people.absences_for(session=session, actor=user, now=now)
    ids = {a.user_id for a in absences} | {a.delegate_id for a in absences}
    names = {
        u.id: u.full_name for u in session.exec(select(User).where(col(User.id).in_(ids))).all()
    }
    persons, delegates = _people(session, user)
    context: dict[str, Any] = {
        "absences": absences,
        "names": names,
        "persons": persons,
        "delegates": delegates,
        "form": form or {"user_id": str(user.id)},
        "error": error,
        "done": request.query_params.get("done"),
    }
    return render(request, "absences.html", context, user=user, status_code=status_code)


@router.get(PAGE, response_class=HTMLResponse)
def absences_page(
    request: Request, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    """The reader's absences and delegations, and the form to record one."""
    if user is None:
        return to_login(request)
    return _page(request, session, user=user, now=now)


@router.post(PAGE, response_class=HTMLResponse)
def absence_add(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    user_id: Annotated[str, Form(max_length=12)] = "",
    delegate_id: Annotated[str, Form(max_length=12)] = "",
    starts_on: Annotated[str, Form(max_length=20)] = "",
    ends_on: Annotated[str, Form(max_length=20)] = "",
    note: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Record an absence (the service checks who may, the delegate and the dates)."""
    if user is None:
        return to_login(request)
    form = {
        "user_id": user_id,
        "delegate_id": delegate_id,
        "starts_on": starts_on,
        "ends_on": ends_on,
        "note": note,
    }
    user_id = user_id.strip() or str(user.id)  # the form's own person by default
    try:
        start, end = parse_day(starts_on), parse_day(ends_on)
        if start is None or end is None:
            raise InvalidInput("dates dd/mm/yyyy", code="absence_dates")
        if not user_id.isdigit() or not delegate_id.isdigit():
            raise InvalidInput("choose the person and the delegate", code="absence_delegate")
        people.record_absence(
            session=session,
            now=now,
            actor=user,
            user_id=int(user_id),
            delegate_id=int(delegate_id),
            starts_on=start,
            ends_on=end,
            note=note,
        )
    except WorkflowError as exc:
        session.rollback()
        error = {
            "absence_dates": msg.ABSENCE_ERROR_DATES,
            "absence_delegate": msg.ABSENCE_ERROR_DELEGATE,
        }.get(exc.code or "", msg.ABSENCE_ERROR_OVERLAP if exc.status == 409 else msg.ERROR_GENERIC)
        if exc.status == 403:
            error = msg.ERROR_NOT_ALLOWED
        return _page(
            request, session, user=user, now=now, form=form, error=error, status_code=exc.status
        )
    return RedirectResponse(f"{PAGE}?done=added", status_code=303)


@router.post(PAGE + "/{absence_id}/cancel", response_class=HTMLResponse)
def absence_cancel(
    request: Request, session: SessionDep, user: OptionalUser, now: NowDep, absence_id: int
) -> Response:
    """End an absence now: everything returns to the person."""
    if user is None:
        return to_login(request)
    try:
        people.cancel_absence(session=session, now=now, actor=user, absence_id=absence_id)
    except WorkflowError as exc:
        session.rollback()
        error = msg.ERROR_NOT_ALLOWED if exc.status == 403 else msg.ERROR_GENERIC
        return _page(request, session, user=user, now=now, error=error, status_code=exc.status)
    return RedirectResponse(f"{PAGE}?done=cancelled", status_code=303)
