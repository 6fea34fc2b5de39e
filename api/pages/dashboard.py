"""The home page as a dashboard (tổng quan) and the unit page (`/ui/team`, công việc của đơn
vị), in the signed-in user's language.

What each user's numbers cover (their work scope: the agency, the units they oversee or
head, or their own items) is `workflow.reporting.dashboard.work_scope`; the numbers are
counted there in SQL. The unit page is for those who answer for units; its filters (unit,
state, assignee, overdue only) are applied in the query.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.lists import Refused, list_context, read_list
from api.pages.ui import refusal, render, to_login
from api.pages.unit_names import unit_names
from api.queries import due_soon_limit
from api.templating import templates
from workflow.calendar import load_calendar
from workflow.models import User
from workflow.reporting.dashboard import (
    dashboard,
    manages_units,
    person_loads,
    work_scope,
)
from workflow.reporting.wording import wording
from workflow.services.people import to_reassign

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


@router.get("/ui/team", response_class=HTMLResponse)
def team_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """The items of the units the user answers for, with the URL's filters (the same as
    "Công việc của tôi", api/pages/lists.py), and each person's load."""
    if user is None:
        return to_login(request)
    try:
        listed = read_list(
            request, session, user=user, list_name="team", now=now, settings=settings
        )
    except Refused:
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    # The head's list of items whose assignee left or moved (workflow.services.people).
    waiting = to_reassign(session=session, head=user)
    unit_ids = (listed.view.unit,) if listed.view.unit is not None else listed.unit_ids
    loads = person_loads(session=session, unit_ids=unit_ids, now=now)
    context = list_context(request, session, user=user, listed=listed, now=now, settings=settings)
    people: dict[int, str] = context["people"]
    people |= {p.user_id: p.full_name for p in loads}
    missing = {i.assignee_id for i in waiting} - people.keys()
    if missing:
        found = session.exec(select(User).where(col(User.id).in_(missing))).all()
        people |= {u.id or 0: u.full_name for u in found}
    context |= {"loads": loads, "to_reassign": waiting}
    status = 422 if listed.error else 200
    return render(request, "team.html", context, user=user, status_code=status)
