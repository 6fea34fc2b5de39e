"""The Jinja2 environment for pages (autoescape on, strict undefined) and its filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined

from api.routes.reports import may_read_reports
from workflow.dates import DAY_PATTERN, DAY_TIME_FORMAT, format_day, format_moment
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


def agency_name() -> str:
    """The agency as the header names it (a setting: names change with mergers)."""
    return get_settings().agency_name_text


templates.env.globals["agency_name"] = agency_name
# The "Báo cáo" link of the header, for the roles that may open the report pages.
templates.env.globals["may_read_reports"] = may_read_reports
