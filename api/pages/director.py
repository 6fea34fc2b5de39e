"""The Director's dashboard (`/ui/director`, bảng điều hành): which areas and units are
behind and why, in one screen (`workflow.reporting.director` counts everything), with links
down to the lists: the unit page's overdue items, the board, the plan's timeline.

For those who answer for units (director, coordinator, deputy directors, unit heads), each
over their own work scope (`workflow.reporting.dashboard.work_scope`); others get a 403.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import refusal, render, to_login
from api.pages.unit_names import unit_names
from api.templating import templates
from workflow.calendar import load_calendar
from workflow.models import Area, Plan
from workflow.reporting.dashboard import manages_units, work_scope
from workflow.reporting.director import director_board
from workflow.reporting.wording import wording

router = APIRouter(include_in_schema=False)

# base.html's "Điều hành" link: whoever may open the page.
templates.env.globals["shows_director"] = manages_units


@router.get("/ui/director", response_class=HTMLResponse)
def director_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    plan: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """Behind and why, for the user's work scope (one plan's work when `plan` is given)."""
    if user is None:
        return to_login(request)
    scope = work_scope(session=session, user=user)
    if not scope.manages:
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    plans = session.exec(select(Plan).order_by(col(Plan.id).desc())).all()
    plan_id = int(plan) if plan.isdigit() and int(plan) in {p.id for p in plans} else None
    board = director_board(
        session=session,
        scope=scope,
        now=now,
        calendar=load_calendar(session=session),
        tz=settings.timezone,
        at_risk_ratio=settings.indicator_at_risk_ratio,
        plan_id=plan_id,
    )
    lang = language(request, user)
    units, names, _ = unit_names(session, lang)
    words = wording(lang)
    context: dict[str, Any] = {
        "d": board,
        "plans": [(p.id, p.title) for p in plans],
        "plan_id": plan_id,
        "unit_of_code": {u.code: u.id or 0 for u in units},
        "unit_names": names,
        "pct": words.pct,
        "working_days": words.working_days,
        "period_label": words.period_label,
        "plan_of_area": _plans_of_areas(session, [a.id for a in board.areas if a.id]),
    }
    return render(request, "director.html", context, user=user)


def _plans_of_areas(session: Session, area_ids: list[int]) -> dict[int, int]:
    """Each area's plan (the links to its timeline)."""
    rows = session.exec(select(Area).where(col(Area.id).in_(area_ids))).all()
    return {a.id or 0: a.plan_id for a in rows}
