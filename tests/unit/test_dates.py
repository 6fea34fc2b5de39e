"""workflow.dates: dates typed and shown day first, and where a typed due date lands."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflow.calendar import WorkCalendar
from workflow.dates import (
    check_due_day,
    days_off,
    format_day,
    format_moment,
    parse_day,
    weekday_day,
)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("31/05/2026", date(2026, 5, 31)),
        (" 1/6/2026 ", date(2026, 6, 1)),
        ("01.06.2026", date(2026, 6, 1)),
        ("01-06-2026", date(2026, 6, 1)),
        ("2026-06-01", date(2026, 6, 1)),  # ISO, as API clients and old links send it
        ("29/02/2028", date(2028, 2, 29)),
    ],
)
def test_parse_day_reads_day_first(text: str, day: date) -> None:
    assert parse_day(text) == day


@pytest.mark.parametrize(
    "text",
    ["", "05/31/2026", "31/02/2026", "29/02/2027", "1/6/26", "31/05/0026", "31/05/2101", "mai"],
)
def test_parse_day_refuses_what_is_not_a_day(text: str) -> None:
    assert parse_day(text) is None


def test_formatting_is_day_first() -> None:
    assert format_day(date(2026, 6, 1)) == "01/06/2026" and format_day(None) == ""
    moment = datetime(2026, 6, 1, 10, 0, tzinfo=UTC)
    assert format_moment(moment, tz="Asia/Ho_Chi_Minh") == "01/06/2026 17:00"
    assert parse_day(format_day(date(2026, 12, 9))) == date(2026, 12, 9)
    assert weekday_day(date(2026, 5, 31)) == "Chủ nhật 31/05/2026"
    assert weekday_day(date(2026, 6, 1), language="en") == "Monday 01/06/2026"


def test_a_day_off_becomes_the_next_working_day() -> None:
    calendar = WorkCalendar()
    today = date(2026, 5, 20)
    sunday = check_due_day(calendar=calendar, day=date(2026, 5, 31), today=today)
    assert sunday.moves and sunday.becomes == date(2026, 6, 1) and not sunday.past
    # 30 April and 1 May 2026 (Thursday, Friday) are holidays: the weekend follows.
    holiday = check_due_day(calendar=calendar, day=date(2026, 4, 30), today=today)
    assert holiday.becomes == date(2026, 5, 4) and holiday.past
    monday = check_due_day(calendar=calendar, day=date(2026, 6, 1), today=today)
    assert not monday.moves and not monday.past
    assert not check_due_day(calendar=calendar, day=today, today=today).past


def test_days_off_follow_the_calendar_and_its_overrides() -> None:
    first, last = date(2026, 4, 27), date(2026, 5, 3)
    # Monday 27 April: the Hùng Kings' day (26 April) fell on a Sunday, observed the next day.
    assert days_off(calendar=WorkCalendar(), first=first, last=last) == [
        date(2026, 4, 27),
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 5, 2),
        date(2026, 5, 3),
    ]
    worked = WorkCalendar({date(2026, 5, 2): True, date(2026, 4, 28): False})
    assert days_off(calendar=worked, first=first, last=last) == [
        date(2026, 4, 27),
        date(2026, 4, 28),
        date(2026, 4, 30),
        date(2026, 5, 1),
        date(2026, 5, 3),
    ]
