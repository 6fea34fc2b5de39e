"""The working calendar page (lịch làm việc): the year's days off and special working days,
the working days per month, and for the coordinator and administrators the overrides.

Every signed-in user reads the page: public holidays with their names (from the `holidays`
package, in the page's language), days off in lieu (nghỉ bù), swapped days off and the
weekend days worked for them (làm bù), and each override with its reason, author and time,
marked apart from the law's calendar. The coordinator and administrators (the same rule as
the API's calendar writes, `api.deps.CoordinatorUser`) add and remove overrides here; each
form is one transaction (the request's), answers 303 back to the year with a notice saying
how many open items' deadlines moved, and a refusal shows the page again with the reason in
the user's language and nothing written. The CSRF token is checked by the user dependency.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from babel.dates import get_month_names
from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import render, to_login
from api.schemas.calendar import OverrideCreate, OverrideDay
from api.schemas.forms import form_errors, typed_day
from workflow.calendar import (
    LawDay,
    WorkCalendar,
    law_days,
    load_calendar,
    local_date,
    weekday_name,
)
from workflow.dates import FIRST_YEAR, LAST_YEAR, parse_day
from workflow.errors import NotAllowed, NotFound, WorkflowError
from workflow.models import User
from workflow.models.calendar import CalendarOverride
from workflow.models.org import Role
from workflow.services.calendar import add_override, list_overrides, remove_override
from workflow.settings import get_settings

router = APIRouter(include_in_schema=False)

REASON_MAX = 500  # CalendarOverride.reason
EDITORS = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})
# The `holidays` package's language for each page language.
HOLIDAY_LANGUAGE = {"vi": "vi", "en": "en_US"}


def may_edit(user: User) -> bool:
    """The coordinator and administrators keep the calendar (as `CoordinatorUser`)."""
    return user.is_active and user.role in EDITORS


@dataclass(frozen=True)
class DayRow:
    """One notable day: what the law says of it, the override (if any), the outcome."""

    day: date
    law: LawDay | None
    override: CalendarOverride | None
    author: str  # who entered the override
    working: bool  # after the override, as deadlines count it


@dataclass
class OverrideForm:
    """The add form as typed, so a refused form comes back unchanged."""

    day: str = ""
    kind: str = ""
    reason: str = ""


@dataclass
class Outcome:
    """After a form: the notice to show (i18n key and its values) or the error."""

    notice: str | None = None
    values: dict[str, Any] = field(default_factory=dict)


def day_rows(session: Session, *, calendar: WorkCalendar, year: int, lang: str) -> list[DayRow]:
    """The law's notable days of `year` and the year's overrides, in date order."""
    law = {d.day: d for d in law_days(year, language=HOLIDAY_LANGUAGE[lang])}
    overrides = {o.day: o for o in list_overrides(session=session, year=year)}
    author_ids = {o.created_by_id for o in overrides.values() if o.created_by_id is not None}
    authors = {
        u.id: u.full_name
        for u in session.exec(select(User).where(col(User.id).in_(author_ids))).all()
    }
    return [
        DayRow(
            day=day,
            law=law.get(day),
            override=overrides.get(day),
            author=authors.get(overrides[day].created_by_id, "") if day in overrides else "",
            working=calendar.is_working_day(day),
        )
        for day in sorted(law.keys() | overrides.keys())
    ]


def working_days_by_month(calendar: WorkCalendar, *, year: int) -> list[int]:
    """The working days of each month of `year` (overrides applied), January first."""
    counts = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)
        counts.append(len(calendar.working_days_in(first, last)))
    return counts


def calendar_page(
    request: Request,
    session: Session,
    *,
    user: User,
    year: int,
    form: OverrideForm | None = None,
    errors: list[str] | None = None,
    error_values: dict[str, Any] | None = None,
    outcome: Outcome | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    lang = language(request, user)
    calendar = load_calendar(session=session)
    counts = working_days_by_month(calendar, year=year)
    # Month names from CLDR (Babel): "Tháng 5" / "May".
    names = get_month_names("wide", context="stand-alone", locale=lang)
    months = [(names[m], n) for m, n in enumerate(counts, start=1)]
    context: dict[str, Any] = {
        "year": year,
        "prev_year": year - 1 if year > FIRST_YEAR else None,
        "next_year": year + 1 if year < LAST_YEAR else None,
        "rows": day_rows(session, calendar=calendar, year=year, lang=lang),
        "weekdays": [weekday_name(date(2024, 1, d), lang) for d in range(1, 8)],  # Mon-Sun
        "months": months,
        "total": sum(counts),
        "may_edit": may_edit(user),
        "form": form or OverrideForm(),
        "errors": errors or [],
        "error_values": error_values or {},
        "outcome": outcome,
        "reason_max": REASON_MAX,
        "tz": get_settings().timezone,
    }
    return render(request, "calendar.html", context, user=user, status_code=status_code)


@router.get("/ui/calendar", response_class=HTMLResponse)
def calendar_view(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    year: Annotated[int | None, Query(ge=FIRST_YEAR, le=LAST_YEAR)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
    day: Annotated[str | None, Query(max_length=20)] = None,
    moved: Annotated[int | None, Query(ge=0)] = None,
) -> Response:
    """The year's calendar (this year by default, in the agency's zone); `done`, `day` and
    `moved` are the notice of the form that redirected here (only shown, so a hand-made
    link can word a notice but never change anything)."""
    if user is None:
        return to_login(request)
    shown = year if year is not None else local_date(now, tz=settings.timezone).year
    outcome = None
    noticed = parse_day(day or "")
    if done in ("added", "removed") and noticed is not None and moved is not None:
        notice = msg.CALENDAR_ADDED if done == "added" else msg.CALENDAR_REMOVED
        outcome = Outcome(notice, {"day": noticed.strftime("%d/%m/%Y"), "n": moved})
    return calendar_page(request, session, user=user, year=shown, outcome=outcome)


def _back(year: int, *, done: str, day: date, moved: int) -> RedirectResponse:
    query = urlencode({"year": year, "done": done, "day": day.isoformat(), "moved": moved})
    return RedirectResponse(f"/ui/calendar?{query}", status_code=303)


def _shown_year(text: str, fallback: date) -> int:
    """The year the form was sent from (to show it again), else the form's day's."""
    text = text.strip()
    if text.isdigit() and FIRST_YEAR <= int(text) <= LAST_YEAR:
        return int(text)
    return fallback.year


def _refused(
    request: Request,
    session: Session,
    *,
    user: User,
    year: int,
    error: str | list[str],
    status: int,
    form: OverrideForm | None = None,
    values: dict[str, Any] | None = None,
) -> HTMLResponse:
    # Nothing of the refused form may be committed with the page rendered after it.
    session.rollback()
    return calendar_page(
        request,
        session,
        user=user,
        year=year,
        form=form,
        errors=[error] if isinstance(error, str) else error,
        error_values=values,
        status_code=status,
    )


# The model's fields → the page's messages.
CODES = {
    "day": msg.CALENDAR_ERROR_DAY,
    "is_working": msg.CALENDAR_ERROR_KIND,
    "reason:string_too_long": msg.CALENDAR_ERROR_REASON_LONG,
    "reason": msg.CALENDAR_ERROR_REASON,
}
# The form's two choices; the API's model says it as a boolean.
KINDS = {"working": True, "off": False}


@router.post("/ui/calendar/overrides", response_class=HTMLResponse)
def calendar_add(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    day: Annotated[str, Form(max_length=40)] = "",
    kind: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=5 * REASON_MAX)] = "",
    year: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Declare a day off or a working day, then back to its year with the moved count."""
    if user is None:
        return to_login(request)
    today = local_date(now, tz=settings.timezone)
    shown = _shown_year(year, today)
    form = OverrideForm(day=day, kind=kind, reason=reason)
    if not may_edit(user):
        return _refused(
            request, session, user=user, year=shown, error=msg.ERROR_NOT_ALLOWED, status=403
        )
    data = {"day": typed_day(day), "is_working": KINDS.get(kind, kind), "reason": reason.strip()}
    body, errors = form_errors(OverrideCreate, data, codes=CODES, fallback=msg.ERROR_GENERIC)
    if body is None:
        return _refused(
            request,
            session,
            user=user,
            year=shown,
            error=errors,
            status=422,
            form=form,
        )
    try:
        result = add_override(
            session=session,
            now=now,
            actor=user,
            day=body.day,
            is_working=body.is_working,
            reason=body.reason,
        )
    except NotAllowed:
        return _refused(
            request, session, user=user, year=shown, error=msg.ERROR_NOT_ALLOWED, status=403
        )
    except WorkflowError as exc:
        return _refused(
            request,
            session,
            user=user,
            year=shown,
            error=msg.ERROR_GENERIC,
            status=exc.status,
            form=form,
        )
    return _back(body.day.year, done="added", day=body.day, moved=len(result.moved_item_ids))


@router.post("/ui/calendar/overrides/remove", response_class=HTMLResponse)
def calendar_remove(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    day: Annotated[str, Form(max_length=40)] = "",
    year: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Remove the override of a day: the law's calendar rules it again."""
    if user is None:
        return to_login(request)
    body, errors = form_errors(
        OverrideDay, {"day": typed_day(day)}, codes=CODES, fallback=msg.CALENDAR_ERROR_DAY
    )
    shown = _shown_year(year, body.day if body else local_date(now, tz=settings.timezone))
    if not may_edit(user):
        return _refused(
            request, session, user=user, year=shown, error=msg.ERROR_NOT_ALLOWED, status=403
        )
    if body is None:
        return _refused(request, session, user=user, year=shown, error=errors, status=422)
    parsed = body.day
    try:
        result = remove_override(session=session, now=now, actor=user, day=parsed)
    except NotFound:
        values = {"day": parsed.strftime("%d/%m/%Y")}
        return _refused(
            request,
            session,
            user=user,
            year=shown,
            error=msg.CALENDAR_ERROR_NO_OVERRIDE,
            status=404,
            values=values,
        )
    except NotAllowed:
        return _refused(
            request, session, user=user, year=shown, error=msg.ERROR_NOT_ALLOWED, status=403
        )
    except WorkflowError as exc:
        return _refused(
            request, session, user=user, year=shown, error=msg.ERROR_GENERIC, status=exc.status
        )
    return _back(parsed.year, done="removed", day=parsed, moved=len(result.moved_item_ids))
