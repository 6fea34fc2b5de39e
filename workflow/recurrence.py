"""Recurring work (việc định kỳ) from RFC 5545 RRULEs, month-end safe, on working days.

A rule gives occurrence dates; each occurrence is due on that date rolled to a working
day (forward by default, backward for "last working day" series) and starts
`duration_working_days` working days earlier.

Month ends: RFC 5545 *skips* months without the day (BYMONTHDAY=31 has no February),
which is never what an office means by "on the 31st". `normalize_rule` rewrites such a
day d > 28 as "the last of days 28..d" (BYMONTHDAY=28,...,d;BYSETPOS=-1): the 31st,
else the 30th, 29th or 28th.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil.rrule import rrulestr

from workflow.calendar import WorkCalendar
from workflow.errors import InvalidInput


def _parts(rule: str) -> dict[str, str]:
    body = rule.strip()
    if body.upper().startswith("RRULE:"):
        body = body[6:]
    parts: dict[str, str] = {}
    for chunk in filter(None, body.split(";")):
        key, sep, value = chunk.partition("=")
        if not sep:
            raise InvalidInput(f"bad RRULE part {chunk!r}")
        parts[key.strip().upper()] = value.strip().upper()
    if "FREQ" not in parts:
        raise InvalidInput("an RRULE needs FREQ")
    return parts


def normalize_rule(rule: str, *, dtstart: date) -> str:
    """The rule with month-end days clamped (see the module docstring)."""
    parts = _parts(rule)
    freq = parts["FREQ"]
    monthly = freq == "MONTHLY" or (freq == "YEARLY" and "," not in parts.get("BYMONTH", ""))
    if monthly and "BYSETPOS" not in parts and "BYDAY" not in parts:
        day_text = parts.get("BYMONTHDAY")
        if day_text is None and "BYYEARDAY" not in parts and "BYWEEKNO" not in parts:
            day_text = str(dtstart.day)
            if freq == "YEARLY" and "BYMONTH" not in parts:
                parts["BYMONTH"] = str(dtstart.month)
        if day_text is not None and day_text.isdigit() and 28 < int(day_text) <= 31:
            parts["BYMONTHDAY"] = ",".join(str(d) for d in range(28, int(day_text) + 1))
            parts["BYSETPOS"] = "-1"
    return ";".join(f"{k}={v}" for k, v in parts.items())


def occurrences(
    rule: str, *, dtstart: date, until: date | None, start: date, end: date
) -> list[date]:
    """Rule dates in [start, end] (and not after `until`)."""
    try:
        parsed = rrulestr(
            normalize_rule(rule, dtstart=dtstart), dtstart=datetime.combine(dtstart, time())
        )
    except (ValueError, TypeError) as exc:
        raise InvalidInput(f"bad RRULE {rule!r}: {exc}") from exc
    last = min(end, until) if until else end
    if last < start:
        return []
    hits = parsed.between(datetime.combine(start, time()), datetime.combine(last, time()), inc=True)
    return [moment.date() for moment in hits]


@dataclass(frozen=True)
class Occurrence:
    """One occurrence: its rule date (the series' unique key), start and due working days."""

    occurrence_on: date
    start_on: date
    due_on: date


def plan_occurrence(
    occurrence_on: date, *, calendar: WorkCalendar, duration_working_days: int, roll: str
) -> Occurrence:
    """Where an occurrence falls on the working calendar."""
    if calendar.is_working_day(occurrence_on):
        due = occurrence_on
    elif roll == "backward":
        due = calendar.previous_working_day(occurrence_on)
    else:
        due = calendar.next_working_day(occurrence_on)
    start = calendar.subtract_working_days(due, max(0, duration_working_days))
    return Occurrence(occurrence_on, start, due)
