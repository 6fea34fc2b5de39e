"""A plan's timeline (`/ui/plans/{id}/timeline`, Gantt) and the deadline calendar
(`/ui/deadlines`): pages drawing `workflow.services.timeline` and
`workflow.services.deadline_calendar`, which read, group and place everything.

Both show only the items the signed-in user may see; a bad parameter (zoom, year, month,
unit) falls back to the default view rather than failing, as a bookmark outlives a plan.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from babel.dates import get_month_names
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages.i18n import language
from api.pages.ui import not_found, render, to_login
from api.pages.unit_names import unit_label
from api.schemas.common import Id
from workflow.calendar import local_date, weekday_name
from workflow.dates import FIRST_YEAR, LAST_YEAR
from workflow.errors import InvalidInput, NotFound
from workflow.models import Plan
from workflow.services.board import board_units
from workflow.services.deadline_calendar import View, Whose, deadline_calendar
from workflow.services.timeline import Zoom, plan_timeline

router = APIRouter(include_in_schema=False)


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


@router.get("/ui/plans/{plan_id}/timeline", response_class=HTMLResponse)
def timeline_page(
    request: Request,
    plan_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    zoom: Annotated[str, Query(max_length=10)] = "plan",
    year: Annotated[str, Query(max_length=6)] = "",
    q: Annotated[str, Query(max_length=2)] = "",
    area: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The plan's areas and tasks on a month axis; `zoom` plan, year or quarter."""
    if user is None:
        return to_login(request)
    chosen = Zoom(zoom) if zoom in {z.value for z in Zoom} else Zoom.PLAN
    try:
        timeline = plan_timeline(
            session=session,
            user=user,
            plan_id=plan_id,
            now=now,
            settings=settings,
            zoom=chosen,
            year=_int(year),
            quarter=_int(q),
            area_id=_int(area),
        )
    except NotFound:
        return not_found(request, user)
    except InvalidInput:  # a year or quarter outside the plan: its default view
        timeline = plan_timeline(
            session=session, user=user, plan_id=plan_id, now=now, settings=settings, zoom=chosen
        )
    lang = language(request, user)
    months = get_month_names("abbreviated", context="stand-alone", locale=lang)
    context: dict[str, Any] = {
        "t": timeline,
        "month_names": months,
        "area_filter": _int(area),
        "tz": settings.timezone,
    }
    return render(request, "timeline.html", context, user=user)


@router.get("/ui/deadlines", response_class=HTMLResponse)
def deadlines_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    view: Annotated[str, Query(max_length=10)] = "month",
    whose: Annotated[str, Query(max_length=10)] = "mine",
    day: Annotated[str, Query(max_length=10)] = "",
    unit: Annotated[str, Query(max_length=12)] = "",
    plan: Annotated[str, Query(max_length=12)] = "",
    days_off: Annotated[str, Query(max_length=10)] = "show",
) -> Response:
    """A month or week of deadlines: the user's own, a unit's or a plan's."""
    if user is None:
        return to_login(request)
    lang = language(request, user)
    shown_view = View(view) if view in {v.value for v in View} else View.MONTH
    shown_whose = Whose(whose) if whose in {w.value for w in Whose} else Whose.MINE
    try:
        anchor = date.fromisoformat(day) if day else None
    except ValueError:
        anchor = None
    if anchor is not None and not FIRST_YEAR <= anchor.year <= LAST_YEAR:
        anchor = None
    units = board_units(session=session, user=user)
    plans = session.exec(select(Plan).order_by(col(Plan.id).desc())).all()
    unit_id = _int(unit)
    plan_id = _int(plan)
    if shown_whose is Whose.UNIT and unit_id is None and units:
        unit_id = user.unit_id if user.unit_id in {u.id for u in units} else units[0].id
    if shown_whose is Whose.PLAN and plan_id is None and plans:
        plan_id = plans[0].id
    try:
        cal = deadline_calendar(
            session=session,
            user=user,
            now=now,
            settings=settings,
            lang=lang,
            view=shown_view,
            anchor=anchor,
            whose=shown_whose,
            unit_id=unit_id,
            plan_id=plan_id,
        )
    except NotFound:
        return not_found(request, user)
    months = get_month_names("wide", context="stand-alone", locale=lang)
    context: dict[str, Any] = {
        "cal": cal,
        "month_name": months[cal.anchor.month],
        "weekdays": [weekday_name(date(2024, 1, d), lang) for d in range(1, 8)],
        "units": [(u.id, unit_label(u, lang)) for u in units],
        "plans": [(p.id, p.title) for p in plans],
        "unit_id": unit_id,
        "plan_id": plan_id,
        "hide_days_off": days_off == "hide",
        "today": local_date(now, tz=settings.timezone),
        "tz": settings.timezone,
    }
    return render(request, "deadlines.html", context, user=user)
