"""The Jinja2 environment for pages (autoescape on, strict undefined) and its filters."""

from __future__ import annotations

import json
from calendar import month_name
from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined

from api.pages.i18n import translator
from notifications.operations import may_operate_mail
from workflow.dates import DAY_PATTERN, DAY_TIME_FORMAT, format_day, format_moment, parse_day
from workflow.reporting.readers import may_read_reports
from workflow.services.unit_aliases import may_keep_names
from workflow.settings import get_settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.undefined = StrictUndefined


def localdt(value: datetime | None, tz: str, fmt: str = DAY_TIME_FORMAT) -> str:
    """A stored UTC instant shown in the agency's zone, day first as Vietnamese write it."""
    return format_moment(value, tz=tz, fmt=fmt)


templates.env.filters["localdt"] = localdt
# A calendar date as dd/mm/yyyy (`{{ d | day }}`), the format the date fields accept.
templates.env.filters["day"] = format_day
templates.env.globals["DAY_PATTERN"] = DAY_PATTERN


def day_text(value: str | None) -> str:
    """A date field's value as dd/mm/yyyy when it is a date (forms start with ISO dates),
    else as typed, so a refused form shows what the person wrote."""
    parsed = parse_day(value or "")
    return format_day(parsed) if parsed is not None else (value or "")


templates.env.filters["day_text"] = day_text

_PICKER = {
    "vi": {
        "weekdays": ["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
        "months": [f"Tháng {n}" for n in range(1, 13)],
    },
    "en": {
        "weekdays": ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"],
        "months": list(month_name)[1:],
    },
}


def picker_words(lang: str) -> str:
    """The date picker's words (api/static/datefield.js) in `lang`, as JSON."""
    t = translator(lang)
    words = _PICKER.get(lang, _PICKER["vi"]) | {
        "prev": t["date_prev_month"],
        "next": t["date_next_month"],
        "pick": t["date_pick"],
        "off": t["date_day_off"],
    }
    return json.dumps(words, ensure_ascii=False)


templates.env.globals["picker_words"] = picker_words


def agency_name() -> str:
    """The agency as the header names it (a setting: names change with mergers)."""
    return get_settings().agency_name_text


templates.env.globals["agency_name"] = agency_name
# The "Báo cáo" link of the header, for the roles that may open the report pages.
templates.env.globals["may_read_reports"] = may_read_reports
# The "Tên đơn vị" link of the header (units, groups, aliases) for those who keep them.
templates.env.globals["may_keep_names"] = may_keep_names
templates.env.globals["may_operate_mail"] = may_operate_mail
