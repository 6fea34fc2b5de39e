"""The Jinja2 environment for pages (autoescape on, strict undefined) and its filters."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from fastapi.templating import Jinja2Templates
from jinja2 import StrictUndefined

from api.routes.reports import may_read_reports
from workflow.services.unit_aliases import may_keep_names
from workflow.settings import get_settings

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
templates.env.undefined = StrictUndefined


def localdt(value: datetime | None, tz: str, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A stored UTC instant shown in the agency's zone, day first as Vietnamese write it."""
    return "" if value is None else value.astimezone(ZoneInfo(tz)).strftime(fmt)


templates.env.filters["localdt"] = localdt


def agency_name() -> str:
    """The agency as the header names it (a setting: names change with mergers)."""
    return get_settings().agency_name_text


templates.env.globals["agency_name"] = agency_name
# The "Báo cáo" link of the header, for the roles that may open the report pages.
templates.env.globals["may_read_reports"] = may_read_reports
# The "Tên đơn vị" link of the header (units, groups, aliases) for those who keep them.
templates.env.globals["may_keep_names"] = may_keep_names
