"""Deadline phrases as officers write them → a due date, a recurrence or a warning."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from workflow.calendar import WorkCalendar, working_day_for
from workflow.due_phrases import (
    DueReading,
    ReportingDuty,
    find_reporting_duty,
    period_rule,
    read_due_phrase,
)
from workflow.recurrence import occurrences

QUARTER_ENDS = "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
MONTH_ENDS = "FREQ=MONTHLY;BYMONTHDAY=-1"
HALF_ENDS = "FREQ=MONTHLY;BYMONTH=6,12;BYMONTHDAY=-1"
YEAR_END = "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=-1"

# (phrase, kind, due or RRULE) for a plan of 2026 that states no reporting duty.
PHRASES: list[tuple[str, str, date | str | None]] = [
    # Exact dates in every common form.
    ("15/12/2026", "fixed", date(2026, 12, 15)),
    ("15-12-2026", "fixed", date(2026, 12, 15)),
    ("15.12.2026", "fixed", date(2026, 12, 15)),
    ("15/12/26", "fixed", date(2026, 12, 15)),
    ("ngày 15 tháng 12 năm 2026", "fixed", date(2026, 12, 15)),
    ("Ngày 5/3/2026", "fixed", date(2026, 3, 5)),
    # Months → their last day.
    ("Tháng 6/2026", "fixed", date(2026, 6, 30)),
    ("tháng 6 năm 2026", "fixed", date(2026, 6, 30)),
    ("Tháng 02/2028", "fixed", date(2028, 2, 29)),
    ("Tháng 12", "fixed", date(2026, 12, 31)),
    ("Trong tháng 9/2026", "fixed", date(2026, 9, 30)),
    # Quarters → their last day.
    ("Quý I/2026", "fixed", date(2026, 3, 31)),
    ("Quý II/2026", "fixed", date(2026, 6, 30)),
    ("Quý III năm 2026", "fixed", date(2026, 9, 30)),
    ("Quý IV", "fixed", date(2026, 12, 31)),
    ("Quý 2 năm 2026", "fixed", date(2026, 6, 30)),
    ("quý 3/2026", "fixed", date(2026, 9, 30)),
    # Halves and years of the plan year.
    ("6 tháng đầu năm", "fixed", date(2026, 6, 30)),
    ("6 tháng cuối năm", "fixed", date(2026, 12, 31)),
    ("Sáu tháng đầu năm 2026", "fixed", date(2026, 6, 30)),
    ("Năm 2026", "fixed", date(2026, 12, 31)),
    ("Cả năm", "fixed", date(2026, 12, 31)),
    ("Trong năm 2026", "fixed", date(2026, 12, 31)),
    ("Trong năm", "fixed", date(2026, 12, 31)),
    # "Before" and "at the latest".
    ("Trước ngày 15/12/2026", "fixed", date(2026, 12, 15)),
    ("Trước ngày 15/12", "fixed", date(2026, 12, 15)),
    ("Trước 30/6", "fixed", date(2026, 6, 30)),
    ("Trước ngày 15 tháng 12", "fixed", date(2026, 12, 15)),
    ("Chậm nhất ngày 30/9/2026", "fixed", date(2026, 9, 30)),
    ("Chậm nhất trong Quý III/2026", "fixed", date(2026, 9, 30)),
    ("Hoàn thành trước 31/10/2026", "fixed", date(2026, 10, 31)),
    # Ranges → the end of the range.
    ("Tháng 3-6/2026", "fixed", date(2026, 6, 30)),
    ("Tháng 3 – 6/2026", "fixed", date(2026, 6, 30)),
    ("Quý II-III", "fixed", date(2026, 9, 30)),
    ("Quý II - Quý III/2026", "fixed", date(2026, 9, 30)),
    ("Từ tháng 3 đến tháng 6/2026", "fixed", date(2026, 6, 30)),
    ("Từ ngày 01/3 đến 30/6/2026", "fixed", date(2026, 6, 30)),
    ("Quý IV/2026 - Quý I/2027", "fixed", date(2027, 3, 31)),
    ("Giai đoạn 2026-2027", "fixed", date(2027, 12, 31)),
    # Case and diacritics do not matter.
    ("TRƯỚC NGÀY 15/12/2026", "fixed", date(2026, 12, 15)),
    ("quy II/2026", "fixed", date(2026, 6, 30)),
    ("thang 6/2026", "fixed", date(2026, 6, 30)),
    # Frequencies → recurrences on the period's last day.
    ("Hằng tháng", "recurring", MONTH_ENDS),
    ("Hàng tháng", "recurring", MONTH_ENDS),
    ("Hằng quý", "recurring", QUARTER_ENDS),
    ("Hàng quý", "recurring", QUARTER_ENDS),
    ("Định kỳ hằng quý", "recurring", QUARTER_ENDS),
    ("HÀNG QUÝ", "recurring", QUARTER_ENDS),
    ("6 tháng/lần", "recurring", HALF_ENDS),
    ("6 tháng một lần", "recurring", HALF_ENDS),
    ("Định kỳ 6 tháng", "recurring", HALF_ENDS),
    ("Hằng năm", "recurring", YEAR_END),
    ("Năm 2026 và các năm tiếp theo", "recurring", YEAR_END),
    ("Định kỳ hằng quý, 6 tháng, năm", "recurring", QUARTER_ENDS),
    ("Hằng quý và đột xuất", "recurring", QUARTER_ENDS),
    ("Hằng tuần", "recurring", "FREQ=WEEKLY;BYDAY=FR"),
    ("Hằng năm, trước ngày 15/12", "recurring", "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=15"),
    ("Hằng tháng, trước ngày 25", "recurring", "FREQ=MONTHLY;BYMONTHDAY=25"),
    (
        "Trước ngày 10 của tháng cuối quý",
        "recurring",
        "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=10",
    ),
    # No fixed due: a quarterly progress report.
    ("Thường xuyên", "ongoing", QUARTER_ENDS),
    ("thuong xuyen", "ongoing", QUARTER_ENDS),
    ("Thường xuyên, báo cáo hằng tháng", "ongoing", MONTH_ENDS),
    ("Liên tục", "ongoing", QUARTER_ENDS),
    ("Theo chỉ đạo của UBND tỉnh", "ongoing", QUARTER_ENDS),
    ("Khi có yêu cầu", "ongoing", QUARTER_ENDS),
    ("Theo yêu cầu", "ongoing", QUARTER_ENDS),
    ("Theo tiến độ", "ongoing", QUARTER_ENDS),
    ("Đột xuất", "ongoing", QUARTER_ENDS),
    # Not understood: a warning, never an exception.
    ("", "unread", None),
    ("Sau khi có hướng dẫn", "unread", None),
    ("31/6/2026", "unread", None),
    ("Tháng 13/2026", "unread", None),
]


@pytest.mark.parametrize(("phrase", "kind", "expected"), PHRASES, ids=[p[0] for p in PHRASES])
def test_phrase(phrase: str, kind: str, expected: date | str | None) -> None:
    reading = read_due_phrase(phrase, plan_year=2026)
    assert reading.kind == kind, reading
    assert reading.text == phrase.strip()
    if kind == "fixed":
        assert (reading.due, reading.recurrence) == (expected, None)
    elif kind in ("recurring", "ongoing"):
        assert (reading.due, reading.recurrence) == (None, expected)
        assert reading.warning is None
    else:
        assert reading.due is None and reading.recurrence is None
        assert reading.warning


def test_the_table_has_at_least_forty_phrasings() -> None:
    assert len({p[0] for p in PHRASES}) >= 40


def test_unread_warnings_say_what_was_not_understood() -> None:
    assert read_due_phrase(None, plan_year=2026).warning == "no deadline given"
    assert "31/6/2026" in (read_due_phrase("31/6/2026", plan_year=2026).warning or "")
    assert "Sau khi" in (read_due_phrase("Sau khi có hướng dẫn", plan_year=2026).warning or "")


def test_a_date_before_the_plan_year_is_read_with_a_warning() -> None:
    reading = read_due_phrase("Quý II/2025", plan_year=2026)
    assert (reading.kind, reading.due) == ("fixed", date(2025, 6, 30))
    assert reading.warning == "30/06/2025 is before the plan year 2026"


def test_a_plain_periodic_word_assumes_quarterly_and_says_so() -> None:
    reading = read_due_phrase("Định kỳ", plan_year=2026)
    assert (reading.kind, reading.recurrence) == ("recurring", QUARTER_ENDS)
    assert reading.warning == "no frequency named: quarterly assumed"


def test_the_plan_year_fills_dates_without_a_year() -> None:
    assert read_due_phrase("6 tháng đầu năm", plan_year=2027).due == date(2027, 6, 30)
    assert read_due_phrase("Trước ngày 15/12", plan_year=2030).due == date(2030, 12, 15)


DUTY_QUARTER = ReportingDuty(text="…", day=10)
DUTY_HALF = ReportingDuty(text="…", day=15, months=(6, 12))


@pytest.mark.parametrize(
    ("phrase", "duty", "rule"),
    [
        ("Hằng quý", DUTY_QUARTER, "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=10"),
        ("Hằng tháng", DUTY_QUARTER, "FREQ=MONTHLY;BYMONTHDAY=10"),
        ("6 tháng/lần", DUTY_QUARTER, "FREQ=MONTHLY;BYMONTH=6,12;BYMONTHDAY=10"),
        ("Hằng năm", DUTY_QUARTER, "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=10"),
        ("Thường xuyên", DUTY_QUARTER, "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=10"),
        ("Theo chỉ đạo", DUTY_QUARTER, "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=10"),
        ("6 tháng/lần", DUTY_HALF, "FREQ=MONTHLY;BYMONTH=6,12;BYMONTHDAY=15"),
        ("Hằng quý", DUTY_HALF, "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=15"),
        # The phrase's own day wins over the plan's duty.
        ("Hằng năm, trước ngày 20/11", DUTY_QUARTER, "FREQ=YEARLY;BYMONTH=11;BYMONTHDAY=20"),
    ],
)
def test_recurrences_follow_the_reporting_duty(phrase: str, duty: ReportingDuty, rule: str) -> None:
    assert read_due_phrase(phrase, plan_year=2026, duty=duty).recurrence == rule


def test_a_fixed_date_ignores_the_reporting_duty() -> None:
    reading = read_due_phrase("Quý II/2026", plan_year=2026, duty=DUTY_QUARTER)
    assert reading == DueReading("Quý II/2026", "fixed", due=date(2026, 6, 30))


@pytest.mark.parametrize(
    ("body", "day", "months"),
    [
        (
            "Các phòng, đơn vị báo cáo kết quả thực hiện trước ngày 10 của tháng cuối quý "
            "về Văn phòng để tổng hợp.",
            10,
            (),
        ),
        ("Định kỳ báo cáo kết quả trước ngày 15/6 và 15/12 hằng năm.", 15, (6, 12)),
        ("Báo cáo quý gửi trước ngày 20 hằng tháng cuối quý.", 20, ()),
        (
            "Chế độ báo cáo: chậm nhất ngày 15 tháng 6 và ngày 15 tháng 12, gửi báo cáo về Sở.",
            15,
            (6, 12),
        ),
    ],
)
def test_reporting_duty_is_found_in_the_plan_body(
    body: str, day: int, months: tuple[int, ...]
) -> None:
    paragraphs = ["Bảo đảm thực hiện đúng tiến độ trước ngày 30/6.", body]
    duty = find_reporting_duty(paragraphs)
    assert duty is not None
    assert (duty.day, duty.months) == (day, months)
    assert "báo cáo" in duty.text.casefold()


def test_no_reporting_duty_without_a_report_sentence() -> None:
    assert find_reporting_duty(["Hoàn thành trước ngày 30/6.", "Báo cáo kịp thời."]) is None


def test_rules_are_month_end_safe() -> None:
    got = occurrences(QUARTER_ENDS, dtstart=date(2026, 1, 1), until=None,
                      start=date(2026, 1, 1), end=date(2026, 12, 31))  # fmt: skip
    assert got == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
    rule = period_rule(3, duty=ReportingDuty(text="…", day=31))
    got = occurrences(rule, dtstart=date(2026, 1, 1), until=None,
                      start=date(2026, 1, 1), end=date(2026, 12, 31))  # fmt: skip
    assert got == [date(2026, 3, 31), date(2026, 6, 30), date(2026, 9, 30), date(2026, 12, 31)]
    rule = read_due_phrase("Hằng quý", plan_year=2026, duty=DUTY_QUARTER).recurrence or ""
    got = occurrences(rule, dtstart=date(2026, 1, 1), until=None,
                      start=date(2026, 1, 1), end=date(2026, 12, 31))  # fmt: skip
    assert got == [date(2026, 3, 10), date(2026, 6, 10), date(2026, 9, 10), date(2026, 12, 10)]


def test_a_due_date_on_a_day_off_shows_the_working_day_it_becomes() -> None:
    calendar = WorkCalendar()
    sunday = working_day_for(date(2026, 5, 31), calendar=calendar)
    assert (sunday.moved, sunday.working) == (True, date(2026, 6, 1))
    assert sunday.describe() == "31/05/2026 (Chủ nhật) → 01/06/2026"
    assert working_day_for(date(2026, 5, 31), calendar=calendar, language="en").describe() == (
        "31/05/2026 (Sunday) → 01/06/2026"
    )
    holiday = working_day_for(date(2026, 4, 30), calendar=calendar)
    assert holiday.describe() == "30/04/2026 (Ngày Chiến thắng) → 04/05/2026"
    monday = working_day_for(date(2026, 6, 15), calendar=calendar)
    assert (monday.moved, monday.describe()) == (False, "15/06/2026")
    decided = WorkCalendar({date(2026, 6, 15): False})
    assert working_day_for(date(2026, 6, 15), calendar=decided).describe() == (
        "15/06/2026 (ngày nghỉ theo quyết định) → 16/06/2026"
    )


@given(st.text(alphabet=st.sampled_from("0123456789/.-– ngàytháquýIVđầucuốiHằHàg,"), max_size=40))
def test_no_phrase_raises(text: str) -> None:
    reading = read_due_phrase(text, plan_year=2026, duty=DUTY_QUARTER)
    assert reading.kind in ("fixed", "recurring", "ongoing", "unread")
    assert (reading.due is not None) == (reading.kind == "fixed")
    assert reading.kind != "unread" or reading.warning
