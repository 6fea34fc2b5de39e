"""The "Phân công" form: the coordinator (or the director, an administrator) sets a plan
task's lead unit and supporting units from the plan page, so the lead unit's head can then
assign it ("Giao việc").

The form's one POST is one transaction (the request's); it goes back to the plan page at
the task's row (PRG). A refused form comes back with the reason in the page's language and
writes nothing. The rules are `workflow.services.plan_units`; the plan page shows every
leaf task's units to everybody and the link only to who may change them
(`api.pages.unit_names.plan_units_context`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.gate import row_for
from api.pages.i18n import language
from api.pages.ui import refusal, render
from api.pages.unit_names import unit_names
from api.schemas.common import Id
from api.schemas.forms import form_errors, typed
from api.schemas.plans import TaskUnitsUpdate
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed
from workflow.models import PlanTask, Unit, User
from workflow.services.plan_units import may_distribute, set_task_units

router = APIRouter(include_in_schema=False)

# The model's fields → the page's messages: an id that is no number names no unit.
CODES = {
    "supporting_unit_ids:too_long": msg.UNITS_ERROR_GENERIC,
    "lead_unit_id": msg.UNITS_ERROR_UNKNOWN,
    "supporting_unit_ids": msg.UNITS_ERROR_UNKNOWN,
}
# Why the service refused the form (its error codes) → the page's message (i18n keys).
ERRORS = {
    "unknown_unit": msg.UNITS_ERROR_UNKNOWN,
    "lead_supports": msg.UNITS_ERROR_LEAD_SUPPORTS,
}


@dataclass
class UnitsForm:
    """The form's values as shown again (an unparsable id as -1, which no unit has)."""

    lead_unit_id: int | None = None
    supporting: list[int] = field(default_factory=list)


def _unit_id(text: str) -> int:
    return int(text) if text.strip().isdigit() else -1


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    task: PlanTask,
    form: UnitsForm,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units, names, _by_code = unit_names(session, language(request, user))
    context = {
        "task": task,
        "form": form,
        "units": units,
        "unit_names": names,
        "error": error,
    }
    return render(request, "task_units.html", context, user=user, status_code=status_code)


def _back(task: PlanTask) -> str:
    return f"/ui/plans/{task.plan_id}"


def _task_or_page(
    request: Request, session: Session, user: User | None, task_id: int
) -> tuple[User, PlanTask] | Response:
    """The user and the task, or the page saying why its units cannot be changed here."""
    found = row_for(request, session, user, PlanTask, task_id, may=may_distribute, back=_back)
    if not isinstance(found, Response) and found[1].status != "active":
        return refusal(
            request, found[0], msg.UNITS_ERROR_WITHDRAWN, status=409, back=_back(found[1])
        )
    return found


@router.get("/ui/tasks/{task_id}/units", response_class=HTMLResponse)
def units_form(request: Request, task_id: Id, session: SessionDep, user: OptionalUser) -> Response:
    """The form, filled with the task's current units."""
    found = _task_or_page(request, session, user, task_id)
    if isinstance(found, Response):
        return found
    user, task = found
    codes = set(task.supporting_unit_codes or [])
    units = session.exec(select(Unit).where(col(Unit.code).in_(codes))).all() if codes else []
    form = UnitsForm(lead_unit_id=task.lead_unit_id, supporting=[u.id or 0 for u in units])
    return _page(request, session, user=user, task=task, form=form)


@router.post("/ui/tasks/{task_id}/units", response_class=HTMLResponse)
def units_submit(
    request: Request,
    task_id: Id,
    session: SessionDep,
    user: OptionalUser,
    lead_unit_id: Annotated[str, Form(max_length=20)] = "",
    supporting_unit_ids: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006
) -> Response:
    """Set the units and go back to the task's row on the plan page; a mistake shows the
    form again with the reason."""
    found = _task_or_page(request, session, user, task_id)
    if isinstance(found, Response):
        return found
    user, task = found
    form = UnitsForm(
        lead_unit_id=_unit_id(lead_unit_id) if lead_unit_id.strip() else None,
        supporting=[_unit_id(v) for v in supporting_unit_ids if v.strip()],
    )
    back = _back(task)
    data = {
        "lead_unit_id": typed(lead_unit_id),
        "supporting_unit_ids": [v.strip() for v in supporting_unit_ids if v.strip()],
    }
    body, errors = form_errors(TaskUnitsUpdate, data, codes=CODES, fallback=msg.UNITS_ERROR_GENERIC)
    if body is None:
        return _page(
            request, session, user=user, task=task, form=form, error=errors[0], status_code=422
        )
    try:
        set_task_units(
            session=session,
            actor=user,
            task_id=task_id,
            lead=body.lead_unit_id,
            supporting=body.supporting_unit_ids,
        )
    except NotAllowed:
        session.rollback()
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back=back)
    except InvalidTransition:
        session.rollback()
        return refusal(request, user, msg.UNITS_ERROR_WITHDRAWN, status=409, back=back)
    except InvalidInput as exc:
        session.rollback()
        error = ERRORS.get(exc.code or "", msg.UNITS_ERROR_GENERIC)
        return _page(
            request, session, user=user, task=task, form=form, error=error, status_code=422
        )
    return RedirectResponse(f"{back}#task-{task.id}", status_code=303)
