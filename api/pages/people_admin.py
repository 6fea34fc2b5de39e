"""The administration of people (Cán bộ, /ui/org; administrators, and a unit's head for the
officers of their unit): the unit tree with each unit's head and the deputy director in
charge; the people with unit, role, title, e-mail and state; a person's page to edit,
move, deactivate or reactivate them, with the account's audit; a form to add a person.

The forms are read by the API's own models (`UserCreate`, `UserUpdate`) and the changes
made by `workflow.services.accounts`, as `POST|PATCH /admin/users` and `planflow user` do.
Each form is one transaction answering 303 to the person's page; a refusal shows the form
again with the reason, nothing written."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import not_found, refusal, render, to_login
from api.pages.unit_names import unit_names
from api.schemas.forms import typed, validated
from api.schemas.org import UserCreate, UserUpdate
from workflow.errors import InvalidInput, WorkflowError
from workflow.models import User, WorkItem
from workflow.models.org import Role
from workflow.services import accounts, org_audit
from workflow.services.org import ContactTaken
from workflow.settings import get_settings
from workflow.states import OPEN_STATES

router = APIRouter(include_in_schema=False)

PAGE = "/ui/org"
PEOPLE = "/ui/org/people"
STATES = ("active", "inactive", "all")
PAGE_SIZE = 50  # people per page of the list

# A refused field of UserCreate/UserUpdate → the message the form shows.
FIELD_CODES = {
    "username": msg.PEOPLE_ERROR_USERNAME,
    "email": msg.PEOPLE_ERROR_EMAIL,
    "full_name": msg.PEOPLE_ERROR_NAME,
    "title": msg.PEOPLE_ERROR_TITLE,
    "unit_id": msg.PEOPLE_ERROR_UNIT,
    "unit": msg.PEOPLE_ERROR_UNIT,
    "role": msg.PEOPLE_ERROR_ROLE,
}


def _gate(request: Request, user: User | None) -> User | Response:
    if user is None:
        return to_login(request)
    if not accounts.may_administer(user):
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    return user


def _error(exc: WorkflowError) -> tuple[str, dict[str, Any]]:
    """The message key (and its values) a refusal shows on the forms."""
    if isinstance(exc, ContactTaken):
        if exc.field == "email":
            return msg.PEOPLE_EMAIL_TAKEN, {"email": exc.value, "holder": exc.holder or ""}
        return msg.PEOPLE_USERNAME_TAKEN, {"username": exc.value}
    if exc.status == 403:
        return msg.PEOPLE_ERROR_ADMIN_ONLY, {}
    if exc.code == "last_admin":
        return msg.PEOPLE_LAST_ADMIN, {}
    return FIELD_CODES.get(exc.code or "", msg.ERROR_INVALID), {}


def _roles_for(actor: User) -> list[str]:
    if actor.role == Role.ADMIN.value:
        return [r.value for r in Role]
    return [Role.OFFICER.value]


def _units_for(session: Session, actor: User, lang: str) -> tuple[list[Any], dict[int, str]]:
    units, names, _by_code = unit_names(session, lang)
    if actor.role != Role.ADMIN.value:
        units = [u for u in units if u.id == actor.unit_id]
    return units, names


@router.get(PAGE, response_class=HTMLResponse)
def org_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """The unit tree: each unit's head, deputy director in charge, and people."""
    gate = _gate(request, user)
    if not isinstance(gate, User):
        return gate
    rows = accounts.org_chart(session=session)
    if gate.role != Role.ADMIN.value:
        rows = [r for r in rows if r.unit.id == gate.unit_id]
    _units, names = _units_for(session, gate, language(request, gate))
    context = {"rows": rows, "names": names}
    return render(request, "org_chart.html", context, user=gate)


@router.get(PEOPLE, response_class=HTMLResponse)
def people_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    unit: str = "",
    state: str = "active",
    q: str = "",
    page: str = "1",
) -> Response:
    """The people the reader manages, filtered by unit (empty: all), state and a name,
    username or e-mail."""
    gate = _gate(request, user)
    if not isinstance(gate, User):
        return gate
    state = state if state in STATES else "active"
    unit_id = int(unit) if unit.strip().isdigit() and len(unit.strip()) < 10 else None
    people = accounts.people_for(
        session=session, actor=gate, unit_id=unit_id, state=state, query=q[:100]
    )
    units, names = _units_for(session, gate, language(request, gate))
    pages = max(1, -(-len(people) // PAGE_SIZE))
    number = min(pages, max(1, int(page) if page.isdigit() and len(page) < 6 else 1))
    context = {
        "people": people[(number - 1) * PAGE_SIZE : number * PAGE_SIZE],
        "total": len(people),
        "page": number,
        "pages": pages,
        "units": units,
        "names": names,
        "filters": {"unit": unit_id, "state": state, "q": q[:100]},
        "may_add": True,
    }
    return render(request, "org_people.html", context, user=gate)


def _new_form(
    request: Request,
    session: Session,
    actor: User,
    *,
    form: dict[str, str],
    error: str | None = None,
    error_args: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    units, _names = _units_for(session, actor, language(request, actor))
    context = {
        "form": form,
        "units": units,
        "roles": _roles_for(actor),
        "error": error,
        "error_args": error_args or {},
    }
    return render(request, "org_person_new.html", context, user=actor, status_code=status_code)


@router.get(PEOPLE + "/new", response_class=HTMLResponse)
def new_person_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    """The form to add a person."""
    gate = _gate(request, user)
    if not isinstance(gate, User):
        return gate
    form = {
        "unit_id": str(gate.unit_id) if gate.role != Role.ADMIN.value else "",
        "role": "officer",
    }
    return _new_form(request, session, gate, form=form)


@router.post(PEOPLE + "/new", response_class=HTMLResponse)
def new_person(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    username: Annotated[str, Form(max_length=200)] = "",
    full_name: Annotated[str, Form(max_length=500)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    unit_id: Annotated[str, Form(max_length=12)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
    language: Annotated[str, Form(max_length=5)] = "vi",
) -> Response:
    """Add a person (audited) and open their page."""
    gate = _gate(request, user)
    if not isinstance(gate, User):
        return gate
    form = {
        "username": username,
        "full_name": full_name,
        "email": email,
        "unit_id": unit_id,
        "role": role,
        "title": title,
        "language": language,
    }
    try:
        body = validated(
            UserCreate,
            {
                "username": username.strip().lower(),
                "full_name": full_name.strip(),
                "email": email.strip(),
                "unit_id": typed(unit_id),
                "role": typed(role),
                "title": typed(title),
                "language": language if language in ("vi", "en") else "vi",
            },
            codes={k: k for k in FIELD_CODES},
        )
        person = accounts.create_account(
            session=session, now=now, actor=gate, **body.account_fields()
        )
    except WorkflowError as exc:
        session.rollback()
        error, args = _error(exc)
        return _new_form(
            request, session, gate, form=form, error=error, error_args=args, status_code=exc.status
        )
    return RedirectResponse(f"{PEOPLE}/{person.id}?done=created", status_code=303)


def _person(
    request: Request, session: Session, user: User | None, person_id: int
) -> tuple[User, User] | Response:
    gate = _gate(request, user)
    if not isinstance(gate, User):
        return gate
    person = session.get(User, person_id)
    if person is None:
        return not_found(request, gate)
    if not accounts.may_manage(actor=gate, person=person):
        # A head manages their unit's officers (colleagues' names are no secret: GET /users).
        return refusal(request, gate, msg.ERROR_NOT_ALLOWED, status=403, back=PEOPLE)
    return gate, person


def _person_page(
    request: Request,
    session: Session,
    actor: User,
    person: User,
    *,
    form: dict[str, str] | None = None,
    error: str | None = None,
    error_args: dict[str, Any] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request, actor)
    units, names = _units_for(session, actor, lang)
    all_units, all_names, _codes = unit_names(session, lang)
    history = org_audit.history(session=session, user_id=person.id or 0)
    people_ids = {h.actor_id for h in history if h.actor_id is not None}
    actors = {
        u.id: u.full_name
        for u in session.exec(select(User).where(col(User.id).in_(people_ids))).all()
    }
    open_items = len(
        session.exec(
            select(WorkItem.id).where(
                WorkItem.assignee_id == person.id,
                col(WorkItem.state).in_([s.value for s in OPEN_STATES]),
            )
        ).all()
    )
    context = {
        "person": person,
        "form": form
        or {
            "full_name": person.full_name,
            "title": person.title or "",
            "email": person.email,
            "language": person.language,
            "role": person.role,
            "unit_id": str(person.unit_id),
        },
        "units": all_units if actor.role == Role.ADMIN.value else units,
        "names": all_names | names,
        "roles": _roles_for(actor),
        "is_admin": actor.role == Role.ADMIN.value,
        "history": history,
        "actors": actors,
        "open_items": open_items,
        "error": error,
        "error_args": error_args or {},
        "done": request.query_params.get("done"),
        "tz": get_settings().timezone,
    }
    return render(request, "org_person.html", context, user=actor, status_code=status_code)


@router.get(PEOPLE + "/{person_id}", response_class=HTMLResponse)
def person_page(
    request: Request, session: SessionDep, user: OptionalUser, person_id: int
) -> Response:
    """A person: the edit form, moving, (de)activating, and the account's audit."""
    found = _person(request, session, user, person_id)
    if not isinstance(found, tuple):
        return found
    return _person_page(request, session, *found)


def _change(
    request: Request,
    session: Session,
    user: User | None,
    person_id: int,
    *,
    now: Any,
    data: dict[str, Any],
    done: str,
    form: dict[str, str] | None = None,
) -> Response:
    """Validate `data` with `UserUpdate` and apply it; the person's page again on refusal."""
    found = _person(request, session, user, person_id)
    if not isinstance(found, tuple):
        return found
    actor, person = found
    try:
        body = validated(UserUpdate, data, codes={k: k for k in FIELD_CODES})
        changes = body.model_dump(exclude_unset=True)
        if "title" in data and data["title"] is None:
            changes["title"] = None
        accounts.update_account(session=session, now=now, actor=actor, user=person, changes=changes)
    except WorkflowError as exc:
        session.rollback()
        session.refresh(person)
        error, args = _error(exc)
        return _person_page(
            request,
            session,
            actor,
            person,
            form=form,
            error=error,
            error_args=args,
            status_code=exc.status,
        )
    return RedirectResponse(f"{PEOPLE}/{person_id}?done={done}", status_code=303)


@router.post(PEOPLE + "/{person_id}", response_class=HTMLResponse)
def edit_person(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    person_id: int,
    full_name: Annotated[str, Form(max_length=500)] = "",
    title: Annotated[str, Form(max_length=500)] = "",
    email: Annotated[str, Form(max_length=500)] = "",
    language: Annotated[str, Form(max_length=5)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Correct a person's name, title, e-mail, language (and, administrators, role)."""
    form = {"full_name": full_name, "title": title, "email": email, "language": language}
    data: dict[str, Any] = {
        "full_name": full_name.strip(),
        "title": typed(title),
        "email": email.strip(),
        "language": typed(language),
    }
    if typed(role):
        data["role"] = role.strip()
        form["role"] = role
    return _change(request, session, user, person_id, now=now, data=data, done="saved", form=form)


@router.post(PEOPLE + "/{person_id}/move", response_class=HTMLResponse)
def move_person(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    person_id: int,
    unit_id: Annotated[str, Form(max_length=12)] = "",
    role: Annotated[str, Form(max_length=40)] = "",
) -> Response:
    """Move a person to another unit (and role): the open items they leave go to the head."""
    if not typed(unit_id):
        found = _person(request, session, user, person_id)
        if not isinstance(found, tuple):
            return found
        error, _args = _error(InvalidInput("unit", code="unit"))
        return _person_page(request, session, *found, error=error, status_code=422)
    data = {"unit_id": typed(unit_id), "role": typed(role)}
    return _change(request, session, user, person_id, now=now, data=data, done="moved")


@router.post(PEOPLE + "/{person_id}/deactivate", response_class=HTMLResponse)
def deactivate_person(
    request: Request, session: SessionDep, user: OptionalUser, now: NowDep, person_id: int
) -> Response:
    """Deactivate a person (left, retired): their open items go to the head to reassign."""
    data = {"is_active": False}
    return _change(request, session, user, person_id, now=now, data=data, done="deactivated")


@router.post(PEOPLE + "/{person_id}/reactivate", response_class=HTMLResponse)
def reactivate_person(
    request: Request, session: SessionDep, user: OptionalUser, now: NowDep, person_id: int
) -> Response:
    """Let a person sign in again."""
    data = {"is_active": True}
    return _change(request, session, user, person_id, now=now, data=data, done="reactivated")
