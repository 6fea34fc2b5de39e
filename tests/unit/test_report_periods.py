"""Report periods: CCHC data periods, labels, parsing, send dates and what is due."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from workflow.calendar import WorkCalendar
from workflow.errors import InvalidInput
from workflow.reporting.aggregate import indicator_status
from workflow.reporting.periods import (
    ReportKind,
    date_line,
    due_reports,
    last_closed,
    parse_period,
    previous,
    send_at,
)
from workflow.settings import Settings

CAL = WorkCalendar()


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026Q1", "quarterly", date(2025, 12, 15), date(2026, 3, 14), "quý I năm 2026"),
        ("2026q3", "quarterly", date(2026, 6, 15), date(2026, 9, 14), "quý III năm 2026"),
        ("2026H1", "six_month", date(2025, 12, 15), date(2026, 6, 14), "6 tháng đầu năm 2026"),
        ("2026", "annual", date(2025, 12, 15), date(2026, 12, 14), "năm 2026"),
        (
            "2026-W10",
            "weekly",
            date(2026, 3, 2),
            date(2026, 3, 8),
            "tuần 10 năm 2026 (từ 02/03/2026 đến 08/03/2026)",
        ),
        (
            "2026-01-01..2026-01-31",
            "custom",
            date(2026, 1, 1),
            date(2026, 1, 31),
            "từ ngày 01/01/2026 đến ngày 31/01/2026",
        ),
    ],
)
def test_parse_period(text: str, kind: str, start: date, end: date, label: str) -> None:
    p = parse_period(text)
    assert (p.kind.value, p.start, p.end, p.label) == (kind, start, end, label)
    assert parse_period(text, kind) == p


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("2026H1", "quarterly", "not quarterly"),
        ("2026Q5", None, "cannot read"),
        ("2026-W54", None, "no ISO week"),
        ("2026-03-01..2026-02-01", None, "before it starts"),
        ("2026-02-30..2026-03-01", None, "bad date"),
    ],
)
def test_bad_periods_are_refused(text: str, kind: str | None, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_period(text, kind)


def test_previous_periods_chain_without_gaps() -> None:
    assert previous(parse_period("2026Q1")).key == "2025Q4"
    assert previous(parse_period("2026Q3")).key == "2026Q2"
    assert previous(parse_period("2026H1")).key == "2025H2"
    assert previous(parse_period("2026")).key == "2025"
    assert previous(parse_period("2026-W01")).key == "2025-W52"
    custom = previous(parse_period("2026-01-11..2026-01-20"))
    assert (custom.start, custom.end) == (date(2026, 1, 1), date(2026, 1, 10))
    q = parse_period("2026Q2")
    assert previous(q).end.toordinal() + 1 == q.start.toordinal()


def test_date_line_pads_days_and_the_first_two_months() -> None:
    assert date_line("Bắc Giang", date(2025, 1, 5)) == "Bắc Giang, ngày 05 tháng 01 năm 2025"
    assert date_line("Bắc Ninh", date(2026, 3, 17)) == "Bắc Ninh, ngày 17 tháng 3 năm 2026"


def test_cchc_send_date_is_working_days_before_the_deadline() -> None:
    cfg = Settings(report_deadline_day=20, report_send_working_days_before=3)
    # Deadline Fri 20/03/2026 → three working days earlier: Tue 17/03, 07:30 Hanoi.
    at = send_at(parse_period("2026Q1"), calendar=CAL, settings=cfg)
    assert (at.date(), at.hour, at.minute) == (date(2026, 3, 17), 7, 30)
    # Deadline Sun 20/09/2026 counts back from Fri 18/09: Tue 15/09.
    assert send_at(parse_period("2026Q3"), calendar=CAL, settings=cfg).date() == date(2026, 9, 15)
    # Never before the data period closes, however early the deadline.
    early = Settings(report_deadline_day=20, report_send_working_days_before=10)
    assert send_at(parse_period("2026Q1"), calendar=CAL, settings=early).date() == date(2026, 3, 16)


def test_weekly_digest_leaves_monday_0730_after_the_week() -> None:
    at = send_at(parse_period("2026-W10"), calendar=CAL, settings=Settings())
    assert at.isoformat() == "2026-03-09T07:30:00+07:00"


def test_due_reports_lists_only_the_latest_due_period_per_kind() -> None:
    cfg = Settings(report_kinds_enabled=["weekly", "quarterly", "six_month", "annual"])
    # Tue 17/03/2026 00:31 UTC = 07:31 Hanoi: the Q1 report and last week's digest are due.
    due = due_reports(now=datetime(2026, 3, 17, 0, 31, tzinfo=UTC), calendar=CAL, settings=cfg)
    assert [p.key for p in due] == ["2026-W11", "2026Q1"]
    # A minute earlier Q1 is not yet due.
    before = due_reports(now=datetime(2026, 3, 17, 0, 29, tzinfo=UTC), calendar=CAL, settings=cfg)
    assert [p.key for p in before] == ["2026-W11"]
    # Two months later the Q1 report is past the catch-up window: not sent stale.
    later = due_reports(now=datetime(2026, 5, 20, 3, 0, tzinfo=UTC), calendar=CAL, settings=cfg)
    assert [p.kind for p in later] == [ReportKind.WEEKLY]


@pytest.mark.parametrize(
    ("today", "kind", "key"),
    [
        (date(2026, 3, 2), "weekly", "2026-W09"),  # Monday: the week that ended yesterday
        (date(2026, 3, 1), "weekly", "2026-W08"),  # Sunday: week 9 is not over
        (date(2026, 1, 1), "weekly", "2025-W52"),
        (date(2026, 3, 14), "quarterly", "2025Q3"),  # Q1 2026 closes at the end of 14/03
        (date(2026, 3, 15), "quarterly", "2026Q1"),
        (date(2026, 12, 1), "quarterly", "2026Q3"),  # Q2 and Q4: the 6-month and annual
        (date(2026, 6, 15), "six_month", "2026H1"),
        (date(2026, 6, 14), "six_month", "2025H1"),
        (date(2026, 12, 14), "annual", "2025"),
        (date(2026, 12, 15), "annual", "2026"),
    ],
)
def test_last_closed_is_the_latest_scheduled_period_over(today: date, kind: str, key: str) -> None:
    period = last_closed(ReportKind(kind), today=today)
    assert period.key == key and period.end < today


def test_custom_reports_have_no_last_period() -> None:
    with pytest.raises(InvalidInput):
        last_closed(ReportKind.CUSTOM, today=date(2026, 3, 2))


@pytest.mark.parametrize(
    ("comparator", "target", "actual", "status"),
    [
        (">=", 100.0, 100.0, "on_track"),
        (">=", 100.0, 92.0, "at_risk"),
        (">=", 100.0, 50.0, "off_track"),
        ("rank<=", 10.0, 8.0, "on_track"),
        ("rank<=", 10.0, 11.0, "at_risk"),
        ("rank<=", 10.0, 20.0, "off_track"),
        ("<=", 5.0, 0.0, "on_track"),
        (">=", 90.0, None, "no_data"),
        (None, None, 50.0, "no_target"),
    ],
)
def test_indicator_status(
    comparator: str | None, target: float | None, actual: float | None, status: str
) -> None:
    assert indicator_status(comparator, target, actual, 0.9) == status


@pytest.mark.parametrize(
    ("key", "kind", "english"),
    [
        ("2026Q1", "quarterly", "Q1 2026"),
        ("2026Q4", "quarterly", "Q4 2026"),
        ("2026H1", "six_month", "the first half of 2026"),
        ("2026H2", "six_month", "the second half of 2026"),
        ("2026", "annual", "the year 2026"),
        ("2026-W09", "weekly", "week 9 of 2026 (23 Feb 2026 to 1 Mar 2026)"),
        ("2026-01-01..2026-01-31", "custom", "1 Jan 2026 to 31 Jan 2026"),
        ("2026Q9", "quarterly", "quý IX"),  # unreadable: shown as stored
    ],
)
def test_english_report_mail_names_periods_from_their_keys(
    key: str, kind: str, english: str
) -> None:
    from workflow.reporting.wording import wording

    assert wording("en").period_label(kind, key, "quý IX") == english
    assert wording("fr").lang == "vi"  # unknown: Vietnamese
    assert wording(None).lang == "vi"
    # The Vietnamese wording names a period by the label stored with it.
    assert wording("vi").period_label(kind, key, "quý IX") == "quý IX"
