"""The page Tên đơn vị (/ui/units): the names plans use for units, kept by the coordinator
and administrators (`workflow.services.unit_aliases.KEEPERS`).

It lists the units with their kind, the unit groups (built-in and the organisation's) with
their members today, and every alias with what it names; forms add and remove an alias (to
map a name an import refused, so the next import resolves it) and an organisation group. A
"try a name" box shows what the import would make of any name (the same resolver,
`workflow.importer.unit_names`). Each form is one transaction (the request's) and answers
303 back to the page with a notice; a refusal shows the page again with the reason in the
user's language and nothing written. Anybody else gets a 403 page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import NowDep, OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.ui import refusal, render, to_login
from workflow.errors import WorkflowError
from workflow.importer.unit_names import Resolved, load_directory
from workflow.models import User
from workflow.models.org import UnitKind
from workflow.services.unit_aliases import (
    NAME_MAX,
    add_alias,
    add_group,
    list_aliases,
    list_groups,
    may_keep_names,
    remove_alias,
    remove_group,
)

router = APIRouter(include_in_schema=False)

PAGE = "/ui/units"
# The service's refusal codes → the page's messages (i18n keys).
ERRORS = {
    "alias_name": msg.NAMES_ERROR_ALIAS_NAME,
    "alias_target": msg.NAMES_ERROR_ALIAS_TARGET,
    "alias_taken": msg.NAMES_ERROR_ALIAS_TAKEN,
    "alias_unknown": msg.NAMES_ERROR_ALIAS_UNKNOWN,
    "group_code": msg.NAMES_ERROR_GROUP_CODE,
    "group_name": msg.NAMES_ERROR_GROUP_NAME,
    "group_members": msg.NAMES_ERROR_GROUP_MEMBERS,
    "group_unknown": msg.NAMES_ERROR_GROUP_UNKNOWN,
    "not_allowed": msg.ERROR_NOT_ALLOWED,
}
NOTICES = ("alias_added", "alias_removed", "group_added", "group_removed")


@dataclass
class AliasForm:
    name: str = ""
    target: str = ""


@dataclass
class GroupForm:
    code: str = ""
    name: str = ""
    units: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    alias_form: AliasForm | None = None,
    group_form: GroupForm | None = None,
    error: str | None = None,
    notice: tuple[str, str] | None = None,
    tried: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    directory = load_directory(session=session)
    trial: dict[str, Any] | None = None
    if tried:
        found = directory.resolve(tried)
        trial = {"name": tried, "found": found, "resolved": isinstance(found, Resolved)}
    context: dict[str, Any] = {
        "units": directory.units,
        "kinds": [k.value for k in UnitKind],
        "groups": list_groups(session=session),
        "aliases": list_aliases(session=session),
        "alias_form": alias_form or AliasForm(name=tried or ""),
        "group_form": group_form or GroupForm(),
        "error": error,
        "notice": notice,
        "trial": trial,
        "name_max": NAME_MAX,
    }
    return render(request, "org_names.html", context, user=user, status_code=status_code)


def _refused(
    request: Request,
    session: Session,
    user: User,
    exc: WorkflowError,
    **forms: Any,
) -> HTMLResponse:
    # Nothing of the refused form may be committed with the page rendered after it.
    session.rollback()
    error = ERRORS.get(exc.code or "", msg.ERROR_GENERIC)
    return _page(request, session, user=user, error=error, status_code=exc.status, **forms)


def _done(notice: str, name: str) -> RedirectResponse:
    return RedirectResponse(f"{PAGE}?{urlencode({'done': notice, 'what': name})}", status_code=303)


def _submit(
    request: Request,
    session: Session,
    user: User | None,
    notice: str,
    work: Callable[[User], str],
    **forms: Any,
) -> Response:
    """Run `work` (it returns the name it changed) for whoever keeps the names: back to the
    page with `notice`, or the page with the refusal and the typed `forms` refilled."""
    if (gate := _gate(request, user)) is not None:
        return gate
    assert user is not None
    try:
        name = work(user)
    except WorkflowError as exc:
        return _refused(request, session, user, exc, **forms)
    return _done(notice, name)


def _gate(request: Request, user: User | None) -> Response | None:
    """A redirect to sign in, or the 403 page, for whoever may not keep the names."""
    if user is None:
        return to_login(request)
    if not may_keep_names(user):
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    return None


@router.get(PAGE, response_class=HTMLResponse)
def names_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    done: Annotated[str | None, Query(max_length=20)] = None,
    what: Annotated[str | None, Query(max_length=300)] = None,
    name: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The page; `done` and `what` word the notice of the form that redirected here (only
    shown), `name` is a name to try (and to prefill the alias form with)."""
    if (gate := _gate(request, user)) is not None:
        return gate
    assert user is not None
    notice = (done, what or "") if done in NOTICES else None
    tried = name.strip() if name and name.strip() else None
    return _page(request, session, user=user, notice=notice, tried=tried)


@router.post(f"{PAGE}/aliases", response_class=HTMLResponse)
def alias_add(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    name: Annotated[str, Form(max_length=1000)] = "",
    target: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Map a name to a unit or group (an alias kept for the next imports)."""
    return _submit(
        request,
        session,
        user,
        "alias_added",
        lambda actor: (
            add_alias(session=session, now=now, actor=actor, name=name, target=target)[0].name
        ),
        alias_form=AliasForm(name=name, target=target),
    )


@router.post(f"{PAGE}/aliases/remove", response_class=HTMLResponse)
def alias_remove(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    name: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    """Forget an alias."""
    return _submit(
        request,
        session,
        user,
        "alias_removed",
        lambda actor: remove_alias(session=session, actor=actor, name=name).name,
    )


@router.post(f"{PAGE}/groups", response_class=HTMLResponse)
def group_add(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    code: Annotated[str, Form(max_length=100)] = "",
    name: Annotated[str, Form(max_length=1000)] = "",
    units: Annotated[list[str], Form(max_length=500)] = [],  # noqa: B006
    kinds: Annotated[list[str], Form(max_length=20)] = [],  # noqa: B006
) -> Response:
    """A new organisation group: the ticked units, or every unit of the ticked kinds."""
    return _submit(
        request,
        session,
        user,
        "group_added",
        lambda actor: (
            add_group(
                session=session, actor=actor, code=code, name=name, unit_codes=units, kinds=kinds
            ).name
        ),
        group_form=GroupForm(code=code, name=name, units=units, kinds=kinds),
    )


@router.post(f"{PAGE}/groups/remove", response_class=HTMLResponse)
def group_remove(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    code: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Remove an organisation group and the aliases that name it."""
    return _submit(
        request,
        session,
        user,
        "group_removed",
        lambda actor: remove_group(session=session, actor=actor, code=code).name,
    )
