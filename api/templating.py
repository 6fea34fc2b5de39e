"""The Jinja2 environment for pages (autoescape on, strict undefined) and its filters."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from babel.dates import get_day_names, get_month_names
from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined

from api.pages import messages as msg
from notifications.operations import may_operate_mail
from workflow.dates import DAY_PATTERN, DAY_TIME_FORMAT, format_day, format_moment, parse_day
from workflow.i18n import install, language_of, localized, translate
from workflow.reporting.readers import may_read_reports
from workflow.services.accounts import may_administer
from workflow.services.unit_aliases import may_keep_names
from workflow.settings import get_settings
from workflow.states import action_label, state_label

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.undefined = StrictUndefined
# `_()`, `ngettext`, `pgettext`, `{% trans %}` from the catalogs, in the page's `lang`.
install(templates.env)
templates.env.globals["state_label"] = localized(state_label)
templates.env.globals["action_label"] = localized(action_label)


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


def picker_words(lang: str) -> str:
    """The date picker's words (api/static/datefield.js) in `lang`, as JSON."""
    # Month and weekday names from CLDR (Babel): "Tháng 5"/"May", "T2"/"Mo".
    lang = language_of(lang)
    days = get_day_names("short", context="stand-alone", locale=lang)
    months = get_month_names("wide", context="stand-alone", locale=lang)
    words = {
        "weekdays": [days[i] for i in range(7)],
        "months": [months[m] for m in range(1, 13)],
        "prev": translate(lang, msg.DATE_PREV_MONTH),
        "next": translate(lang, msg.DATE_NEXT_MONTH),
        "pick": translate(lang, msg.DATE_PICK),
        "off": translate(lang, msg.DATE_DAY_OFF),
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
# The "Cán bộ" link (administration of people): administrators and unit heads.
templates.env.globals["may_administer"] = may_administer
