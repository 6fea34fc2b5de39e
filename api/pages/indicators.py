"""An indicator's page (chỉ tiêu, `/ui/indicators/{id}`): its targets by year, every reading
(date, value, note or source, who recorded it and when), a yearly trend with the report's
judgement, and for those who may record readings the form to add one.

Every signed-in user reads it (plans are agency-wide, as `GET /plans/...`). Recording
follows the API's rule (`POST /plans/indicators/{id}/readings`, docs/decisions/0010): the
coordinator and administrators, through `workflow.services.indicators.record_reading`, so
the page and the API refuse the same things. The form posts with the CSRF token (checked
with the session cookie in `api.deps`), runs in the request's one transaction and answers
303 back to the page; a refusal rolls back and shows the page again with the reason in the
user's language and what was typed, nothing written. The service keeps history: a second
reading of the same date supersedes the first (the report takes the later one), and the
page marks the earlier one as replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.indicator_views import (
    assessments,
    now_period,
    readings_of,
    target_views,
    trend,
)
from api.pages.ui import not_found, render, to_login
from api.schemas.common import Id
from api.schemas.forms import form_errors, typed_day
from api.schemas.plans import ReadingCreate
from workflow.calendar import local_date
from workflow.errors import NotAllowed, NotFound, WorkflowError
from workflow.models import Area, Indicator, IndicatorTarget, Objective, User
from workflow.services.indicators import may_record, plan_of, record_reading
from workflow.settings import Settings

router = APIRouter(include_in_schema=False)

NOTE_MAX = 2000  # as the API's ReadingCreate.note
# A number as people type it: a decimal comma (Vietnamese) or point, an optional "%"; no
# thousands separators, which would make "1.234" ambiguous between the two languages.
_NUMBER = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def parse_value(text: str) -> float | None:
    """ "72,5", "72.5", "80 %" → a float; None for anything else."""
    cleaned = text.strip().removesuffix("%").strip()
    if not _NUMBER.match(cleaned):
        return None
    return float(cleaned.replace(",", "."))


@dataclass
class ReadingForm:
    """The form as typed, so a refused form comes back unchanged."""

    as_of: str = ""
    value: str = ""
    note: str = ""


def indicator_page(
    request: Request,
    session: Session,
    *,
    user: User,
    indicator: Indicator,
    today: date,
    settings: Settings,
    form: ReadingForm | None = None,
    errors: list[str] | None = None,
    recorded: int | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request, user)
    area = session.get(Area, indicator.area_id)
    plan = plan_of(session, indicator)
    assert area is not None and plan.id is not None and indicator.id is not None
    objective = session.get(Objective, indicator.objective_id) if indicator.objective_id else None
    targets = session.exec(
        select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id)
    ).all()
    readings = readings_of(session, [indicator.id], lang=lang).get(indicator.id, [])
    ratio = settings.indicator_at_risk_ratio
    judged = assessments(
        session, period=now_period(today), plan_id=plan.id, at_risk_ratio=ratio, lang=lang
    )
    just = next((r for r in readings if r.id == recorded), None)
    replaced = just is not None and any(r.as_of == just.as_of and r.id < just.id for r in readings)
    shown = [r for r in readings if r.as_of <= today]
    context: dict[str, Any] = {
        "indicator": indicator,
        "area": area,
        "plan": plan,
        "objective": objective,
        "targets": target_views(targets, indicator.measure_unit, lang),
        "readings": list(reversed(readings)),  # newest first
        "latest": shown[-1] if shown else None,
        "now": judged.get(indicator.id),
        "trend": trend(
            session,
            indicator_id=indicator.id,
            plan_id=plan.id,
            readings=readings,
            today=today,
            at_risk_ratio=ratio,
            lang=lang,
        ),
        "may_record": may_record(user),
        "form": form or ReadingForm(as_of=today.isoformat()),
        "errors": errors or [],
        "error_values": {
            "start": plan.start_year or "",
            "end": plan.end_year or "",
            "max": NOTE_MAX,
        },
        "recorded": just,
        "replaced": replaced,
        "today": today,
        "note_max": NOTE_MAX,
        "tz": settings.timezone,
    }
    return render(request, "indicator.html", context, user=user, status_code=status_code)


@router.get("/ui/indicators/{indicator_id}", response_class=HTMLResponse)
def indicator_view(
    request: Request,
    indicator_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    recorded: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None,
) -> Response:
    """The indicator's page; `recorded` names the reading the form just stored (only shown,
    so a hand-made link can at most highlight a reading of this indicator)."""
    if user is None:
        return to_login(request)
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        return not_found(request, user)
    today = local_date(now, tz=settings.timezone)
    return indicator_page(
        request,
        session,
        user=user,
        indicator=indicator,
        today=today,
        settings=settings,
        recorded=recorded,
    )


# The model's fields → the page's messages.
CODES = {
    "as_of": msg.ERROR_READING_DATE,
    "value:float_parsing": msg.ERROR_READING_NOT_A_NUMBER,
    "value:float_type": msg.ERROR_READING_NOT_A_NUMBER,
    "value": msg.ERROR_READING_TOO_LARGE,
    "note": msg.ERROR_READING_NOTE_LONG,
}


def reading_data(form: ReadingForm) -> dict[str, object]:
    """The form as `ReadingCreate` (the API's body) reads it."""
    value = parse_value(form.value)
    return {
        "as_of": typed_day(form.as_of),
        # Only a number as people type it: "1e5" or "nan" would be a float to the model.
        "value": value if value is not None else f"not a number: {form.value.strip()}",
        "note": form.note.strip() or None,
    }


@router.post("/ui/indicators/{indicator_id}/readings", response_class=HTMLResponse)
def record_view(
    request: Request,
    indicator_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    as_of: Annotated[str, Form(max_length=40)] = "",
    value: Annotated[str, Form(max_length=100)] = "",
    note: Annotated[str, Form(max_length=5 * NOTE_MAX)] = "",
) -> Response:
    """Record a reading, then back to the indicator (PRG) with it highlighted."""
    page = f"/ui/indicators/{indicator_id}"
    if user is None:
        return RedirectResponse(f"/login?next={quote(page)}", status_code=303)
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        return not_found(request, user)
    today = local_date(now, tz=settings.timezone)
    form = ReadingForm(as_of=as_of, value=value, note=note)

    def refused(errors: list[str], status: int) -> HTMLResponse:
        # Nothing of the refused form may be committed with the page rendered after it.
        session.rollback()
        return indicator_page(
            request,
            session,
            user=user,
            indicator=indicator,
            today=today,
            settings=settings,
            form=form if status != 403 else None,
            errors=errors,
            status_code=status,
        )

    if not may_record(user):
        return refused([msg.ERROR_READING_NOT_ALLOWED], 403)
    body, errors = form_errors(
        ReadingCreate, reading_data(form), codes=CODES, fallback=msg.ERROR_GENERIC
    )
    if body is None:
        return refused(errors, 422)
    try:
        reading = record_reading(
            session=session,
            now=now,
            actor=user,
            indicator_id=indicator_id,
            value=body.value,
            as_of=body.as_of,
            note=body.note,
        )
    except NotFound:
        session.rollback()
        return not_found(request, user)
    except NotAllowed:
        return refused([msg.ERROR_READING_NOT_ALLOWED], 403)
    except WorkflowError as exc:
        return refused([msg.ERROR_CODES.get(exc.code or "", msg.ERROR_GENERIC)], exc.status)
    return RedirectResponse(f"{page}?recorded={reading.id}#readings", status_code=303)
