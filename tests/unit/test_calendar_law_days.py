"""The law's notable days (the calendar page's rows): kinds, names in both languages, swaps."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.calendar import LawDay, LawDayKind, WorkCalendar, law_days


def by_day(year: int, language: str = "vi") -> dict[date, LawDay]:
    return {d.day: d for d in law_days(year, language=language)}


def test_2026_kinds_and_vietnamese_names() -> None:
    days = by_day(2026)
    assert days[date(2026, 2, 17)] == LawDay(
        date(2026, 2, 17), LawDayKind.HOLIDAY, "Tết Nguyên Đán"
    )
    assert days[date(2026, 9, 2)].name == "Quốc khánh"
    assert days[date(2026, 4, 27)].kind is LawDayKind.OBSERVED  # Giỗ Tổ fell on a Sunday
    assert days[date(2026, 8, 31)].kind is LawDayKind.SWAPPED_OFF
    assert days[date(2026, 8, 31)].paired == date(2026, 8, 22)
    assert days[date(2026, 8, 22)] == LawDay(
        date(2026, 8, 22), LawDayKind.WORKING_WEEKEND, "", date(2026, 8, 31)
    )
    assert all(d.year == 2026 for d in days)


def test_english_names() -> None:
    days = by_day(2026, "en_US")
    assert days[date(2026, 2, 17)].name == "Lunar New Year"
    assert days[date(2026, 9, 2)].name == "National Day"
    assert days[date(2026, 8, 31)].kind is LawDayKind.SWAPPED_OFF


def test_tet_2025_day_in_lieu_and_a_swap_across_the_new_year() -> None:
    assert by_day(2025)[date(2025, 1, 27)].kind is LawDayKind.OBSERVED  # 29 Tết
    # 2 January 2015 off, worked on Saturday 27 December 2014.
    assert by_day(2015)[date(2015, 1, 2)].paired == date(2014, 12, 27)
    assert by_day(2014)[date(2014, 12, 27)].paired == date(2015, 1, 2)


@pytest.mark.parametrize("year", range(2015, 2027))
def test_the_kinds_agree_with_the_working_calendar(year: int) -> None:
    calendar = WorkCalendar()
    for d in law_days(year):
        if d.kind is LawDayKind.WORKING_WEEKEND:
            assert calendar.is_working_day(d.day), d
        else:
            assert not calendar.is_working_day(d.day), d
