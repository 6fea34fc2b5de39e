"""Vietnamese working days checked against published facts, plus counting properties."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.calendar import WorkCalendar

CAL = WorkCalendar()


@pytest.mark.parametrize(
    "day",
    [date(2025, 1, 27), date(2025, 1, 28), date(2025, 1, 29), date(2025, 1, 30), date(2025, 1, 31)],
)
def test_tet_2025_is_off(day: date) -> None:
    assert not CAL.is_working_day(day)


def test_swap_of_2025_friday_2_may_for_saturday_26_april() -> None:
    assert not CAL.is_working_day(date(2025, 5, 2))
    assert CAL.is_working_day(date(2025, 4, 26))


def test_gio_to_2026_on_sunday_gives_monday_off() -> None:
    assert not CAL.is_working_day(date(2026, 4, 26))
    assert not CAL.is_working_day(date(2026, 4, 27))
    assert CAL.is_working_day(date(2026, 4, 28))


def test_national_day_2026_bridge() -> None:
    assert not CAL.is_working_day(date(2026, 8, 31))
    assert CAL.is_working_day(date(2026, 8, 22))
    assert not CAL.is_working_day(date(2026, 9, 1))
    assert not CAL.is_working_day(date(2026, 9, 2))


def test_deadline_on_a_day_off_rolls_forward() -> None:
    # Friday 30/1/2026 is a working day; Tết 2026 runs 16-20/2: the 16th rolls to Monday 23/2.
    assert CAL.roll_to_working_day(date(2026, 2, 16)) == date(2026, 2, 23)
    assert CAL.roll_to_working_day(date(2026, 1, 30)) == date(2026, 1, 30)


def test_add_working_days_skips_weekend_and_holidays() -> None:
    assert CAL.add_working_days(date(2026, 4, 24), 1) == date(2026, 4, 28)
    assert CAL.working_days_between(date(2026, 4, 24), date(2026, 4, 28)) == 1
    assert CAL.working_days_between(date(2026, 4, 28), date(2026, 4, 24)) == -1


def test_overrides_win_over_the_package() -> None:
    cal = WorkCalendar({date(2026, 3, 6): False, date(2026, 3, 7): True})
    assert not cal.is_working_day(date(2026, 3, 6))
    assert cal.is_working_day(date(2026, 3, 7))
    assert cal.add_working_days(date(2026, 3, 5), 1) == date(2026, 3, 7)


def test_far_years_extend_the_table() -> None:
    assert CAL.is_working_day(date(2040, 1, 3))
    assert not CAL.is_working_day(date(2010, 1, 1))


@given(
    start=st.dates(min_value=date(2018, 1, 1), max_value=date(2032, 12, 31)),
    n=st.integers(min_value=0, max_value=400),
)
def test_between_inverts_add(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    assert CAL.working_days_between(start, end) == n
    assert n == 0 or CAL.is_working_day(end)


@given(start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_next_working_day_is_strictly_after_and_working(start: date) -> None:
    nxt = CAL.next_working_day(start)
    assert nxt > start and CAL.is_working_day(nxt)
    day = start + timedelta(days=1)
    while day < nxt:
        assert not CAL.is_working_day(day)
        day += timedelta(days=1)


@given(st.dates(date(2016, 1, 1), date(2034, 12, 31)), st.integers(0, 300))
def test_subtract_inverts_add(start: date, n: int) -> None:
    end = CAL.add_working_days(start, n)
    back = CAL.subtract_working_days(end, n)
    assert CAL.working_days_between(back, end) == n
    assert n == 0 or CAL.is_working_day(back)
    assert back <= CAL.roll_to_working_day(start) if n else back == start


def test_previous_working_day_skips_tet_2025() -> None:
    assert CAL.previous_working_day(date(2025, 2, 3)) == date(2025, 1, 24)
    assert CAL.previous_working_day(date(2025, 1, 29)) == date(2025, 1, 24)


@given(
    st.dates(min_value=date(2012, 1, 1), max_value=date(2038, 12, 31)),
    st.integers(min_value=0, max_value=400),
)
def test_working_days_in_lists_what_is_working_day_says(first: date, span: int) -> None:
    last = first + timedelta(days=span)
    days = CAL.working_days_in(first, last)
    expected = [first + timedelta(days=k) for k in range(span + 1)]
    assert days == [d for d in expected if CAL.is_working_day(d)]
    assert len(days) == CAL.working_days_between(first - timedelta(days=1), last)
