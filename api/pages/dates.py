"""What the date fields ask while a date is typed (api/static/datefield.js).

`/ui/dates/days-off?year=` lists a year's days off (weekends, holidays, the coordinator's
overrides) so the picker greys them; `/ui/dates/check?day=` answers, as a line of the
form, the working day a due date typed on a day off becomes and whether it is past
("Chủ nhật 31/05/2026 là ngày nghỉ → hạn là Thứ Hai 01/06/2026"). Both ask the rule in
workflow.dates; the form's submission checks again.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from markupsafe import escape

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import to_login
from workflow.calendar import load_calendar, local_date
from workflow.dates import (
    FIRST_YEAR,
    LAST_YEAR,
    check_due_day,
    days_off,
    format_day,
    parse_day,
    weekday_day,
)
from workflow.i18n import translate

router = APIRouter(include_in_schema=False)


@router.get("/ui/dates/days-off")
def days_off_of_year(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    year: Annotated[int, Query(ge=FIRST_YEAR, le=LAST_YEAR)],
) -> Response:
    """{"year": 2026, "days_off": ["2026-01-01", ...]} for the picker."""
    if user is None:
        return to_login(request)
    calendar = load_calendar(session=session)
    off = days_off(calendar=calendar, first=date(year, 1, 1), last=date(year, 12, 31))
    return JSONResponse(
        {"year": year, "days_off": [d.isoformat() for d in off]},
        headers={"Cache-Control": "private, max-age=300"},
    )


@router.get("/ui/dates/check", response_class=HTMLResponse)
def check_day(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    day: Annotated[str, Query(max_length=40)] = "",
) -> Response:
    """The hint under a due-date field, in the reader's language (empty for an empty field)."""
    if user is None:
        return to_login(request)
    lang = language(request, user)
    if not day.strip():
        return HTMLResponse("")
    parsed = parse_day(day)
    if parsed is None:
        return _hint("bad", translate(lang, msg.DATE_HINT_BAD))
    calendar = load_calendar(session=session)
    check = check_due_day(
        calendar=calendar, day=parsed, today=local_date(now, tz=settings.timezone)
    )
    shown = weekday_day(parsed, language=lang)
    if check.moves:
        becomes = weekday_day(check.becomes, language=lang)
        text = translate(lang, msg.DATE_HINT_MOVES, day=shown, becomes=becomes)
    else:
        text = translate(lang, msg.DATE_HINT_WORKING, day=shown)
    if check.past:
        return _hint(
            "past", f"{text}. {translate(lang, msg.DATE_HINT_PAST, day=format_day(parsed))}"
        )
    return _hint("moves" if check.moves else "ok", text)


def _hint(kind: str, text: str) -> HTMLResponse:
    return HTMLResponse(f'<span class="date-hint {kind}" data-kind="{kind}">{escape(text)}</span>')
