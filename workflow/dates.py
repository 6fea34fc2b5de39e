"""Dates as people read and type them: day first, dd/mm/yyyy, the one parser and formatter.

Vietnamese write 31/05/2026; a browser's `<input type=date>` shows the OS locale's order
(often mm/dd/yyyy on agency PCs), so the forms use a text field that this module parses
and every page shows dates through `format_day`. ISO (2026-05-31) is still read: API
clients and bookmarked form links send it.

`check_due_day` is the rule a due date typed in a form meets before it is saved: a day off
becomes the next working day (Civil Code Art. 148, as `WorkCalendar.roll_to_working_day`),
and a day in the past is refused unless the person confirms it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from workflow.calendar import WorkCalendar, weekday_name

DAY_FORMAT = "%d/%m/%Y"
DAY_TIME_FORMAT = "%d/%m/%Y %H:%M"
# What the text field's `pattern` attribute accepts (the browser's own hint; the server
# checks again with `parse_day`).
DAY_PATTERN = r"\d{1,2}/\d{1,2}/\d{4}"
# The years a typed date may fall in: a slip of the keyboard (0026, 20266) is an error,
# not a deadline two thousand years away.
FIRST_YEAR, LAST_YEAR = 2000, 2100

_DAY_FIRST = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


def parse_day(text: str) -> date | None:
    """The day typed as dd/mm/yyyy (also d/m/yyyy, dd.mm.yyyy, dd-mm-yyyy) or ISO
    yyyy-mm-dd, within FIRST_YEAR..LAST_YEAR; None for anything else."""
    text = text.strip()
    try:
        if match := _DAY_FIRST.fullmatch(text):
            d, m, y = (int(p) for p in match.groups())
        elif match := _ISO.fullmatch(text):
            y, m, d = (int(p) for p in match.groups())
        else:
            return None
        day = date(y, m, d)
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def format_day(day: date | None) -> str:
    """`day` as dd/mm/yyyy ("" for None)."""
    return "" if day is None else day.strftime(DAY_FORMAT)


def format_moment(moment: datetime | None, *, tz: str, fmt: str = DAY_TIME_FORMAT) -> str:
    """A stored UTC instant in the agency's zone, day first ("" for None)."""
    return "" if moment is None else moment.astimezone(ZoneInfo(tz)).strftime(fmt)


def weekday_day(day: date, *, language: str = "vi") -> str:
    """'Chủ nhật 31/05/2026' / 'Sunday 31/05/2026'."""
    return f"{weekday_name(day, language)} {format_day(day)}"


@dataclass(frozen=True)
class DueDayCheck:
    """A typed due date against the working calendar and today.

    `becomes` is the working day the deadline falls on (the day itself when it is a
    working day); `past` says the day is before today.
    """

    day: date
    becomes: date
    past: bool

    @property
    def moves(self) -> bool:
        return self.becomes != self.day


def check_due_day(*, calendar: WorkCalendar, day: date, today: date) -> DueDayCheck:
    """Where a deadline typed as `day` lands, and whether it is already past."""
    return DueDayCheck(day=day, becomes=calendar.roll_to_working_day(day), past=day < today)


def days_off(*, calendar: WorkCalendar, first: date, last: date) -> list[date]:
    """The days off (weekends, holidays, overrides) from `first` to `last`, for a picker."""
    working = set(calendar.working_days_in(first, last))
    span = (last - first).days + 1
    every = (date.fromordinal(first.toordinal() + i) for i in range(span))
    return [d for d in every if d not in working]
