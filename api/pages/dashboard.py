"""The home page as a dashboard (tổng quan) and the unit page (`/ui/team`, công việc của đơn
vị), in the signed-in user's language.

What each user's numbers cover (their work scope: the agency, the units they oversee or
head, or their own items) is `workflow.reporting.dashboard.work_scope`; the numbers are
counted there in SQL. The unit page is for those who answer for units; its filters (unit,
state, assignee, overdue only) are applied in the query.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import refusal, render, to_login
from api.pages.unit_names import unit_names
from api.queries import due_soon_limit, flag_of
from api.templating import templates
from workflow.calendar import load_calendar
from workflow.models import User
from workflow.reporting.dashboard import (
    dashboard,
    manages_units,
    person_loads,
    units_in,
    work_scope,
)
from workflow.reporting.wording import wording
from workflow.services.people import to_reassign
from workflow.services.work_items import list_items
from workflow.states import OPEN_STATES, State

router = APIRouter(include_in_schema=False)

DUE_WITHIN_WORKING_DAYS = 5  # "đến hạn trong 5 ngày làm việc" on the dashboard
MOST_OVERDUE = 10
TEAM_LIST_LIMIT = 200

# base.html shows the "Đơn vị" link to whoever may open the unit page.
templates.env.globals["shows_team"] = manages_units


@router.get("/", response_class=HTMLResponse)
def home(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """The signed-in user's dashboard; visitors go to the sign-in page."""
    if user is None:
        return to_login(request)
    lang = language(request, user)
    scope = work_scope(session=session, user=user)
    soon = due_soon_limit(session, now=now, settings=settings, days=DUE_WITHIN_WORKING_DAYS)
    board = dashboard(
        session=session,
        scope=scope,
        now=now,
        due_soon_until=soon,
        calendar=load_calendar(session=session),
        tz=settings.timezone,
        overdue_limit=MOST_OVERDUE,
    )
    units, names, _ = unit_names(session, lang)
    by_code = {u.code: u.id or 0 for u in units}
    words = wording(lang)
    context: dict[str, Any] = {
        "board": board,
        "scope_units": [names[u] for u in scope.unit_ids or ()],
        "units": names,
        "unit_of_code": by_code,
        "due_within": DUE_WITHIN_WORKING_DAYS,
        "pct": words.pct,
        "working_days": words.working_days,
        "area_name": words.area_name,
    }
    return render(request, "dashboard.html", context, user=user)


def _id(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _states(state: str) -> list[str] | None:
    """The states the list shows: open ones (default), all (None), or the one chosen."""
    if state == "all":
        return None
    if state in {s.value for s in State}:
        return [state]
    return sorted(s.value for s in OPEN_STATES)


@router.get("/ui/team", response_class=HTMLResponse)
def team_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    unit_id: Annotated[str, Query(alias="unit", max_length=12)] = "",
    state: Annotated[str, Query(max_length=20)] = "open",
    assignee_id: Annotated[str, Query(alias="assignee", max_length=12)] = "",
    overdue: bool = False,
) -> Response:
    """The items of the units the user answers for, filtered, and each person's load.

    The filter form sends empty fields for "all units" and "everyone"; an id that is not
    a number is taken as empty too.
    """
    if user is None:
        return to_login(request)
    unit = _id(unit_id)
    assignee = _id(assignee_id)
    scope = work_scope(session=session, user=user)
    if not scope.manages:
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    in_scope = units_in(session=session, scope=scope)
    unit_ids: tuple[int, ...] | None = scope.unit_ids
    if unit is not None:
        # Units are no secret (GET /units lists them): one outside the scope is a 403.
        if unit not in {u.id for u in in_scope}:
            return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/ui/team")
        unit_ids = (unit,)
    # The head's list of items whose assignee left or moved (workflow.services.people).
    waiting = to_reassign(session=session, head=user)
    items = list_items(
        session=session,
        unit_ids=unit_ids,
        assignee_id=assignee,
        states=_states(state),
        overdue_at=now if overdue else None,
        limit=TEAM_LIST_LIMIT + 1,
    )
    loads = person_loads(session=session, unit_ids=unit_ids, now=now)
    lang = language(request, user)
    _units, names, _ = unit_names(session, lang)
    people = {p.user_id: p.full_name for p in loads}
    missing = {i.assignee_id for i in [*items, *waiting]} - people.keys()
    if missing:
        found = session.exec(select(User).where(col(User.id).in_(missing))).all()
        people |= {u.id or 0: u.full_name for u in found}
    soon = due_soon_limit(session, now=now, settings=settings)
    context: dict[str, Any] = {
        "choices": [(u.id, names[u.id or 0]) for u in in_scope],
        "units": names,
        "people": people,
        "loads": loads,
        "rows": [
            {"item": i, "flag": flag_of(i, now=now, soon=soon).value}
            for i in items[:TEAM_LIST_LIMIT]
        ],
        "more": len(items) > TEAM_LIST_LIMIT,
        "limit": TEAM_LIST_LIMIT,
        "states": [s.value for s in State],
        "chosen": {"unit": unit, "state": state, "assignee": assignee, "overdue": overdue},
        "tz": settings.timezone,
        "to_reassign": waiting,
    }
    return render(request, "team.html", context, user=user)
