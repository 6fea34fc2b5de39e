"""The "Giao việc" form: a department head turns a plan task into a work item (or a monthly /
quarterly series) from the plan page.

The form is checked by the API's model (`TaskAssignment`, a `WorkItemCreate`) and the rules
between its fields, so every mistake is named in the page's language with the typed values
kept; `workflow.services.task_assignment.assign_task` then creates the item in the
request's transaction (committed by the request dependency) and the browser goes to the
new item's page. The CSRF token is checked by the user dependency (double-submit cookie).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import not_found, refusal, render, to_login
from api.pages.unit_names import unit_names
from api.schemas.common import Id
from api.schemas.forms import field_values, form_errors, typed, typed_day
from api.schemas.items import TaskAssignment
from workflow.calendar import load_calendar, local_date
from workflow.dates import check_due_day
from workflow.errors import InvalidInput, NotAllowed, NotFound, WorkflowError
from workflow.models import PlanTask, Unit, User, WorkItem
from workflow.models.org import Role
from workflow.services.scope import visible_items
from workflow.services.task_assignment import (
    AssignScope,
    Repeat,
    assign_scope,
    assign_task,
    assignable_task,
    supporting_unit_ids,
)
from workflow.services.work_items import PRIORITIES, ItemSpec
from workflow.settings import get_settings
from workflow.states import OPEN_STATES

router = APIRouter(include_in_schema=False)

MAX_WORKING_DAYS = 3650  # as the API's WorkItemCreate


@dataclass
class AssignForm:
    """The form's values as typed (strings), so a refused form comes back unchanged."""

    title: str = ""
    lead_unit_id: int | None = None
    assignee_id: str = ""
    supporting: set[int] = field(default_factory=set)
    informed: set[int] = field(default_factory=set)
    start_on: str = ""
    due_on: str = ""
    due_working_days: str = ""
    priority: str = "normal"
    description: str = ""
    evidence_required: str = ""
    repeat: str = ""
    until: str = ""
    confirm_past: bool = False  # the "due date in the past" box, ticked


@dataclass
class Parsed:
    """A checked form: the item to create, or the i18n keys of what is wrong."""

    errors: list[str] = field(default_factory=list)
    spec: ItemSpec | None = None
    repeat: Repeat | None = None
    until: date | None = None


# The model's fields → the page's messages; every message in the form's order.
CODES = {
    "lead_unit_id": msg.ASSIGN_ERROR_LEAD_UNIT,
    "title:string_too_long": msg.ASSIGN_ERROR_TOO_LONG,
    "title": msg.ASSIGN_ERROR_TITLE,
    "assignee_id": msg.ASSIGN_ERROR_ASSIGNEE,
    "supporting_unit_ids": msg.ASSIGN_ERROR_UNITS,
    "informed_unit_ids": msg.ASSIGN_ERROR_UNITS,
    "start_on": msg.ASSIGN_ERROR_START,
    "due_on": msg.ASSIGN_ERROR_DUE_DATE,
    "due_working_days": msg.ASSIGN_ERROR_WORKING_DAYS,
    "priority": msg.ASSIGN_ERROR_PRIORITY,
    "description": msg.ASSIGN_ERROR_TOO_LONG,
    "evidence_required": msg.ASSIGN_ERROR_TOO_LONG,
    "repeat": msg.ASSIGN_ERROR_REPEAT,
    "until": msg.ASSIGN_ERROR_UNTIL,
}
ORDER = [
    msg.ASSIGN_ERROR_LEAD_UNIT,
    msg.ASSIGN_ERROR_TITLE,
    msg.ASSIGN_ERROR_TOO_LONG,
    msg.ASSIGN_ERROR_ASSIGNEE,
    msg.ASSIGN_ERROR_ASSIGNEE_UNIT,
    msg.ASSIGN_ERROR_UNITS,
    msg.ASSIGN_ERROR_UNITS_LEAD,
    msg.ASSIGN_ERROR_UNITS_BOTH,
    msg.ASSIGN_ERROR_START,
    msg.ASSIGN_ERROR_DUE_BOTH,
    msg.ASSIGN_ERROR_DUE_MISSING,
    msg.ASSIGN_ERROR_DUE_DATE,
    msg.ASSIGN_ERROR_DUE_BEFORE_START,
    msg.ASSIGN_ERROR_DUE_PAST,
    msg.ASSIGN_ERROR_WORKING_DAYS,
    msg.ASSIGN_ERROR_PRIORITY,
    msg.ASSIGN_ERROR_REPEAT,
    msg.ASSIGN_ERROR_UNTIL,
    msg.ASSIGN_ERROR_GENERIC,
]


def _ids(values: list[str]) -> set[int]:
    """Unit ids of checkboxes; anything else becomes -1, which no unit has (an error)."""
    return {int(v) if v.strip().isdigit() else -1 for v in values if v.strip()}


def members(session: Session, unit_id: int | None) -> list[User]:
    """Who may be given the work: the lead unit's active people, officers first."""
    if unit_id is None:
        return []
    people = session.exec(
        select(User)
        .where(User.unit_id == unit_id, col(User.is_active))
        .order_by(col(User.full_name))
    ).all()
    return sorted(people, key=lambda u: u.role != Role.OFFICER.value)


def form_data(form: AssignForm) -> dict[str, object]:
    """The form as `TaskAssignment` reads it: an empty field is not given."""
    return {
        "title": form.title.strip(),
        "lead_unit_id": form.lead_unit_id,
        "assignee_id": typed(form.assignee_id),
        "supporting_unit_ids": sorted(form.supporting),
        "informed_unit_ids": sorted(form.informed),
        "start_on": typed_day(form.start_on),
        "due_on": typed_day(form.due_on),
        "due_working_days": typed(form.due_working_days),
        "priority": form.priority,
        "description": typed(form.description),
        "evidence_required": typed(form.evidence_required),
        "repeat": typed(form.repeat),
        # The end of a repetition counts only with a repetition chosen.
        "until": typed_day(form.until) if typed(form.repeat) else None,
    }


def _across(
    session: Session,
    form: AssignForm,
    data: dict[str, object],
    *,
    units: dict[int, Unit],
    today: date,
) -> list[str]:
    """The rules between fields and against the database, judged on the fields that are
    valid alone (so every mistake is listed at once)."""
    values = field_values(TaskAssignment, data)
    errors: list[str] = []
    assignee = values.get("assignee_id")
    if assignee is not None and assignee not in {u.id for u in members(session, form.lead_unit_id)}:
        errors.append(msg.ASSIGN_ERROR_ASSIGNEE_UNIT)
    if (form.supporting | form.informed) - set(units):
        errors.append(msg.ASSIGN_ERROR_UNITS)
    elif form.lead_unit_id in form.supporting | form.informed:
        errors.append(msg.ASSIGN_ERROR_UNITS_LEAD)
    elif form.supporting & form.informed:
        errors.append(msg.ASSIGN_ERROR_UNITS_BOTH)
    if data["due_on"] is not None and data["due_working_days"] is not None:
        errors.append(msg.ASSIGN_ERROR_DUE_BOTH)
    elif data["due_on"] is None and data["due_working_days"] is None:
        errors.append(msg.ASSIGN_ERROR_DUE_MISSING)
    due_on, start = values.get("due_on"), values.get("start_on")
    if due_on is not None and data["due_working_days"] is None:
        if start is not None and due_on < start:
            errors.append(msg.ASSIGN_ERROR_DUE_BEFORE_START)
        elif (
            not form.confirm_past
            and check_due_day(calendar=load_calendar(session=session), day=due_on, today=today).past
        ):
            errors.append(msg.ASSIGN_ERROR_DUE_PAST)
    until = values.get("until")
    if until is not None and due_on is not None and until < due_on:
        errors.append(msg.ASSIGN_ERROR_UNTIL)
    return errors


def check(session: Session, form: AssignForm, *, units: dict[int, Unit], today: date) -> Parsed:
    """What is wrong with `form` (i18n keys, in the form's order), else the item to create.

    Types and lengths are the API's (`TaskAssignment`, a `WorkItemCreate`); the lead unit
    was checked against the actor's scope before; `units` are all units. A due date before
    `today` needs the form's confirmation box (workflow.dates).
    """
    data = form_data(form)
    body, errors = form_errors(TaskAssignment, data, codes=CODES, fallback=msg.ASSIGN_ERROR_GENERIC)
    found = set(errors) | set(_across(session, form, data, units=units, today=today))
    if found or body is None:
        return Parsed(errors=sorted(found, key=ORDER.index))
    return Parsed(spec=body.spec(start_on=body.start_on), repeat=body.repeat, until=body.until)


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    task: PlanTask,
    scope: AssignScope,
    form: AssignForm,
    errors: list[str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request, user)
    all_units, names, _ = unit_names(session, lang)
    # The tasks' work already under way, so a second assignment is a choice, not an accident;
    # only items this user may see are named.
    open_items = session.exec(
        select(WorkItem)
        .where(
            WorkItem.plan_task_id == task.id,
            col(WorkItem.state).in_([s.value for s in OPEN_STATES]),
            visible_items(user),
        )
        .order_by(col(WorkItem.id))
    ).all()
    context: dict[str, Any] = {
        "task": task,
        "form": form,
        "errors": errors or [],
        # The refusal of a past due date offers the box that confirms it.
        "past_refused": msg.ASSIGN_ERROR_DUE_PAST in (errors or []),
        "lead_units": [u for u in all_units if u.id in scope.unit_ids],
        "other_units": [u for u in all_units if u.id != form.lead_unit_id],
        "unit_names": names,
        "people": members(session, form.lead_unit_id),
        "priorities": PRIORITIES,
        "repeats": [r.value for r in Repeat],
        "open_items": open_items,
    }
    return render(request, "assign.html", context, user=user, status_code=status_code)


def _task_or_page(
    request: Request, session: Session, user: User | None, task_id: int
) -> tuple[User, PlanTask, AssignScope] | Response:
    """The user, the task and their scope, or the page saying why it cannot be assigned
    here."""
    if user is None:
        return to_login(request)
    try:
        task = assignable_task(session=session, task_id=task_id)
    except NotFound:
        return not_found(request, user)
    except InvalidInput:
        found = session.get(PlanTask, task_id)
        back = f"/ui/plans/{found.plan_id}" if found else "/ui/plans"
        return refusal(request, user, msg.ASSIGN_NOT_ASSIGNABLE, status=409, back=back)
    scope = assign_scope(session=session, actor=user)
    if not scope.allows(task.lead_unit_id):
        back = f"/ui/plans/{task.plan_id}"
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back=back)
    return user, task, scope


@router.get("/ui/tasks/{task_id}/assign", response_class=HTMLResponse)
def assign_form(
    request: Request,
    task_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    unit: Id | None = None,
) -> Response:
    """The form, filled from the task; `unit` re-renders it for another lead unit."""
    found = _task_or_page(request, session, user, task_id)
    if isinstance(found, Response):
        return found
    user, task, scope = found
    lead = unit if unit in scope.unit_ids else task.lead_unit_id
    if lead not in scope.unit_ids:
        lead = None  # a task without a lead unit: the form asks for one
    supporting = set(supporting_unit_ids(session=session, task=task)) - {lead or 0}
    form = AssignForm(
        title=task.text[:500],
        lead_unit_id=lead,
        supporting=supporting,
        start_on=local_date(now, tz=settings.timezone).isoformat(),
        evidence_required=task.product or "",
    )
    return _page(request, session, user=user, task=task, scope=scope, form=form)


@router.post("/ui/tasks/{task_id}/assign", response_class=HTMLResponse)
def assign_submit(
    request: Request,
    task_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    title: Annotated[str, Form(max_length=5000)] = "",
    lead_unit_id: Annotated[str, Form(max_length=20)] = "",
    assignee_id: Annotated[str, Form(max_length=20)] = "",
    supporting_unit_ids: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006
    informed_unit_ids: Annotated[list[str], Form(max_length=200)] = [],  # noqa: B006
    start_on: Annotated[str, Form(max_length=20)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    due_working_days: Annotated[str, Form(max_length=10)] = "",
    priority: Annotated[str, Form(max_length=20)] = "normal",
    description: Annotated[str, Form(max_length=100_000)] = "",
    evidence_required: Annotated[str, Form(max_length=25_000)] = "",
    repeat: Annotated[str, Form(max_length=20)] = "",
    until: Annotated[str, Form(max_length=20)] = "",
    confirm_past: Annotated[str, Form(max_length=5)] = "",
) -> Response:
    """Create the item (or series) and go to it (PRG); a mistake shows the form again."""
    found = _task_or_page(request, session, user, task_id)
    if isinstance(found, Response):
        return found
    user, task, scope = found
    back = f"/ui/plans/{task.plan_id}"
    lead = int(lead_unit_id) if lead_unit_id.strip().isdigit() else None
    if lead is not None and lead not in scope.unit_ids:
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back=back)
    form = AssignForm(
        title=title,
        lead_unit_id=lead,
        assignee_id=assignee_id,
        supporting=_ids(supporting_unit_ids),
        informed=_ids(informed_unit_ids),
        start_on=start_on,
        due_on=due_on,
        due_working_days=due_working_days,
        priority=priority,
        description=description,
        evidence_required=evidence_required,
        repeat=repeat,
        until=until,
        confirm_past=bool(confirm_past),
    )
    units = {u.id or 0: u for u in session.exec(select(Unit)).all()}
    today = local_date(now, tz=get_settings().timezone)
    parsed = check(session, form, units=units, today=today)

    def again(errors: list[str], status: int) -> HTMLResponse:
        """The form as typed, with what is wrong."""
        return _page(
            request,
            session,
            user=user,
            task=task,
            scope=scope,
            form=form,
            errors=errors,
            status_code=status,
        )

    if parsed.spec is None:
        return again(parsed.errors, 422)
    try:
        item = assign_task(
            session=session,
            now=now,
            actor=user,
            task_id=task_id,
            spec=parsed.spec,
            repeat=parsed.repeat,
            until=parsed.until,
        )
    except NotAllowed:
        session.rollback()
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back=back)
    except WorkflowError as exc:
        # Whatever the service wrote before refusing (a series) must not be committed.
        session.rollback()
        return again([msg.ASSIGN_ERROR_GENERIC], exc.status)
    return RedirectResponse(f"/ui/items/{item.id}", status_code=303)
