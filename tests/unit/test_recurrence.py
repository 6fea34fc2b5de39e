"""RRULE occurrences: month ends clamp instead of skipping; rolling onto working days."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.calendar import WorkCalendar
from workflow.errors import InvalidInput
from workflow.recurrence import normalize_rule, occurrences, plan_occurrence

CAL = WorkCalendar()


def occ(rule: str, dtstart: date, end: date) -> list[date]:
    return occurrences(rule, dtstart=dtstart, until=None, start=dtstart, end=end)


def test_monthly_on_the_31st_clamps_to_month_end() -> None:
    assert occ("FREQ=MONTHLY;BYMONTHDAY=31", date(2024, 1, 1), date(2024, 6, 30)) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
        date(2024, 4, 30),
        date(2024, 5, 31),
        date(2024, 6, 30),
    ]


def test_monthly_from_a_dtstart_on_the_30th_keeps_day_30() -> None:
    got = occ("RRULE:FREQ=MONTHLY", date(2025, 1, 30), date(2025, 4, 30))
    assert got == [date(2025, 1, 30), date(2025, 2, 28), date(2025, 3, 30), date(2025, 4, 30)]


def test_yearly_on_29_february() -> None:
    got = occ("FREQ=YEARLY", date(2024, 2, 29), date(2028, 12, 31))
    assert got == [
        date(2024, 2, 29),
        date(2025, 2, 28),
        date(2026, 2, 28),
        date(2027, 2, 28),
        date(2028, 2, 29),
    ]


def test_quarterly_cchc_report_on_day_20_of_the_quarters_last_month() -> None:
    got = occ("FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20", date(2026, 3, 1), date(2026, 12, 31))
    assert got == [date(2026, 3, 20), date(2026, 6, 20), date(2026, 9, 20), date(2026, 12, 20)]
    # 20/6/2026 is a Saturday: due Monday 22/6.
    assert plan_occurrence(
        date(2026, 6, 20), calendar=CAL, duration_working_days=5, roll="forward"
    ).due_on == date(2026, 6, 22)


def test_last_working_day_of_the_month_rolls_backward() -> None:
    ends = occ("FREQ=MONTHLY;BYMONTHDAY=-1", date(2026, 1, 1), date(2026, 8, 31))
    due = [
        plan_occurrence(d, calendar=CAL, duration_working_days=3, roll="backward").due_on
        for d in ends
    ]
    # 31/1/2026 Sat → Fri 30/1; 28/2 Sat → Fri 27/2 (after Tết 2026, 16-20/2);
    # 30/4 is a holiday → Wed 29/4; 31/5 Sun → Fri 29/5;
    # 31/8/2026 is off (Quốc khánh bridge) → Fri 28/8.
    assert due == [
        date(2026, 1, 30),
        date(2026, 2, 27),
        date(2026, 3, 31),
        date(2026, 4, 29),
        date(2026, 5, 29),
        date(2026, 6, 30),
        date(2026, 7, 31),
        date(2026, 8, 28),
    ]
    assert all(CAL.is_working_day(d) for d in due)


def test_start_is_duration_working_days_before_due() -> None:
    o = plan_occurrence(date(2026, 3, 20), calendar=CAL, duration_working_days=5, roll="forward")
    assert o.start_on == date(2026, 3, 13)
    assert CAL.working_days_between(o.start_on, o.due_on) == 5


def test_until_and_untouched_rules() -> None:
    assert (
        normalize_rule("FREQ=WEEKLY;BYDAY=MO", dtstart=date(2026, 1, 31)) == "FREQ=WEEKLY;BYDAY=MO"
    )
    got = occurrences(
        "FREQ=MONTHLY;BYMONTHDAY=5",
        dtstart=date(2026, 1, 1),
        until=date(2026, 3, 1),
        start=date(2026, 1, 1),
        end=date(2026, 12, 31),
    )
    assert got == [date(2026, 1, 5), date(2026, 2, 5)]


@pytest.mark.parametrize("rule", ["BYMONTHDAY=5", "FREQ=SOMETIMES", "FREQ=MONTHLY;BYMONTHDAY"])
def test_bad_rules_are_invalid_input(rule: str) -> None:
    with pytest.raises(InvalidInput):
        occ(rule, date(2026, 1, 1), date(2026, 12, 31))
