"""A Q1 2026 report from a fixture with hand-counted numbers, frozen once on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from tests.integration.report_fixture import BUILD_NOW, eod, seed
from workflow.errors import InvalidInput
from workflow.models import ReportRun, WorkItem
from workflow.reporting.build import build_report
from workflow.reporting.periods import quarter
from workflow.reporting.snapshot import Counts, ReportSnapshot


@pytest.fixture
def built(org: Session) -> tuple[Session, ReportSnapshot, ReportRun]:
    seed(org)
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    return org, ReportSnapshot.from_json(run.snapshot), run


def test_totals_classify_each_item_as_of_the_cutoff(built: tuple) -> None:
    _, snap, run = built
    assert run.label == "quý I năm 2026"
    assert (run.period_start, run.period_end) == (date(2025, 12, 15), date(2026, 3, 14))
    assert snap.totals == Counts(
        total=12,
        done_on_time=3,
        done_late=2,
        in_progress_on_time=3,
        overdue=4,
        overdue_working_days=18,
        max_overdue_working_days=10,
        new_overdue=4,
        escalated=1,
        extension_requests=2,
        # Due by the cutoff: every item but c, g (done after it) and n; 4 tasks: the three
        # plan tasks and o, outside the plan.
        due=9,
        tasks=4,
    )
    # The rate is over what fell due: 5 of 9, not 5 of 12.
    assert snap.totals.completion_rate == pytest.approx(5 / 9)
    assert snap.cutoff_at == datetime(2026, 3, 14, 17, 0, tzinfo=UTC)


def test_rows_per_area_and_per_unit(built: tuple) -> None:
    _, snap, _ = built
    areas = {r.name: r.counts for r in snap.by_area}
    assert list(areas) == [
        "Cải cách thể chế",
        "Cải cách thủ tục hành chính",
        "Xây dựng chính quyền số",
        "Nhiệm vụ khác (ngoài kế hoạch)",
    ]
    a1 = areas["Cải cách thể chế"]
    assert (a1.total, a1.done_on_time, a1.done_late, a1.in_progress_on_time, a1.overdue) == (
        7,
        2,
        1,
        2,
        2,
    )
    assert (a1.overdue_working_days, a1.extension_requests) == (7, 1)
    a2 = areas["Cải cách thủ tục hành chính"]
    assert (a2.total, a2.done_on_time, a2.overdue, a2.overdue_working_days) == (2, 1, 1, 10)
    units = {r.code: r.counts for r in snap.by_unit}
    assert list(units) == ["VP", "TTRA", "TCBC", "CCHC"]
    cchc = units["CCHC"]
    assert (cchc.total, cchc.done_on_time, cchc.done_late, cchc.in_progress_on_time) == (6, 2, 1, 1)
    assert (cchc.overdue, cchc.overdue_working_days, cchc.extension_requests) == (2, 15, 2)
    assert (units["TCBC"].total, units["TCBC"].overdue_working_days) == (3, 2)
    assert (units["VP"].done_late, units["VP"].in_progress_on_time) == (1, 1)
    assert (units["TTRA"].overdue, units["TTRA"].overdue_working_days) == (1, 1)


def test_overdue_list_names_unit_and_assignee_longest_first(built: tuple) -> None:
    _, snap, _ = built
    rows = [(r.title, r.unit_code, r.assignee, r.working_days_overdue) for r in snap.overdue_items]
    assert rows == [
        ("Nhiệm vụ k", "CCHC", "Cao Văn Nam", 10),
        ("Nhiệm vụ d", "CCHC", "Cao Văn Nam", 5),
        ("Nhiệm vụ e", "TCBC", "Phan Thị Hoa", 2),
        ("Nhiệm vụ o", "TTRA", "Ngô Thị Bình", 1),
    ]
    assert snap.overdue_items[0].due_on == date(2026, 2, 27)
    assert snap.overdue_items_total == 4
    # Due in the week after the cutoff and still open then: g (done only on 16/03).
    assert [r.title for r in snap.due_soon] == ["Nhiệm vụ g"]


def test_indicators_next_milestone_against_latest_reading_in_period(built: tuple) -> None:
    _, snap, _ = built
    rows = {r.name: r for r in snap.indicators}
    online = rows["Tỷ lệ hồ sơ TTHC được xử lý trực tuyến"]
    # 2026 is on the path from ≥ 80 % (2025) to ≥ 100 % (2030): 84 %; 99 % was read after
    # the period ended.
    assert (online.target_year, online.target_value, online.actual) == (2026, 84.0, 92.0)
    assert (online.towards_year, online.as_of, online.status) == (
        2030,
        date(2026, 3, 10),
        "on_track",
    )
    assert rows["Xếp hạng Chỉ số CCHC của tỉnh"].status == "on_track"
    assert rows["Mức độ hài lòng của người dân"].status == "off_track"
    assert rows["Mức độ hài lòng của người dân"].target_year == 2026
    assert rows["Tỷ lệ hồ sơ được số hóa"].status == "no_data"


def test_trend_recomputes_previous_periods_from_timestamps(built: tuple) -> None:
    _, snap, _ = built
    assert [p.key for p in snap.trend] == ["2025Q2", "2025Q3", "2025Q4", "2026Q1"]
    q4 = snap.trend[2].counts
    # As of 15/12/2025: i was done on time, the 11 others created by then were open, none late.
    assert (q4.total, q4.done_on_time, q4.in_progress_on_time, q4.overdue) == (12, 1, 11, 0)
    assert snap.trend[0].counts.total == 0
    assert snap.trend[-1].counts == snap.totals


def test_rerun_returns_the_frozen_run_unchanged(built: tuple) -> None:
    session, snap, run = built
    item = session.get(WorkItem, snap.overdue_items[0].id)
    assert item is not None
    item.state, item.closed_at, item.closed_on_time = "done", BUILD_NOW, False
    session.add(item)
    session.flush()
    again = build_report(
        session=session, now=datetime(2026, 6, 1, tzinfo=UTC), kind="quarterly", period="2026Q1"
    )
    assert again.id == run.id
    assert ReportSnapshot.from_json(again.snapshot) == snap
    runs = session.exec(select(ReportRun)).all()
    assert len(runs) == 1


def test_a_period_still_running_is_refused(org: Session) -> None:
    with pytest.raises(InvalidInput, match="not over"):
        build_report(
            session=org,
            now=datetime(2026, 3, 14, 16, 0, tzinfo=UTC),
            kind="quarterly",
            period=quarter(2026, 1),
        )
    with pytest.raises(InvalidInput, match="not quarterly"):
        build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026H1")


def test_an_item_overdue_for_years_is_counted_exactly(org: Session) -> None:
    """Deadlines older than the working-day table sent to PostgreSQL take the slow path."""
    from tests.integration.report_fixture import eod
    from workflow.calendar import load_calendar

    seeded = seed(org)
    old = org.get(WorkItem, seeded.items["o"])
    assert old is not None
    old.due_at = old.original_due_at = eod(date(2019, 6, 3))
    old.created_at = datetime(2019, 5, 1, tzinfo=UTC)
    org.add(old)
    org.flush()
    snap = ReportSnapshot.from_json(
        build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1").snapshot
    )
    years = load_calendar(session=org).working_days_between(date(2019, 6, 3), date(2026, 3, 14))
    assert years > 1600
    assert snap.totals.overdue_working_days == 17 + years  # 5 + 2 + 10, and the old one
    assert snap.totals.max_overdue_working_days == years
    assert {r.code: r.counts.overdue_working_days for r in snap.by_unit}["TTRA"] == years


def test_an_item_due_on_the_cut_off_day_is_due_not_overdue(org: Session) -> None:
    """Due 14/03/2026, the last day of Q1, still open at the cutoff: counted as due (in the
    rate's denominator) and in progress, never as overdue by 0 days."""
    seeded = seed(org)
    item = org.get(WorkItem, seeded.items["c"])
    assert item is not None
    item.due_at = item.original_due_at = eod(date(2026, 3, 14))
    org.add(item)
    org.flush()
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    snap = ReportSnapshot.from_json(run.snapshot)
    assert (snap.totals.overdue, snap.totals.in_progress_on_time, snap.totals.due) == (4, 3, 10)
    assert item.id not in {r.id for r in snap.overdue_items}
    assert all(r.working_days_overdue > 0 for r in snap.overdue_items)


def test_a_recurring_task_counts_once_with_its_occurrences(org: Session) -> None:
    """Three more items of task 1 (monthly occurrences): 4 tasks still, 15 occurrences."""
    seeded = seed(org)
    template = org.get(WorkItem, seeded.items["a"])
    assert template is not None
    for month in (1, 2, 3):
        org.add(
            WorkItem(
                **template.model_dump(exclude={"id", "title", "due_at", "original_due_at"}),
                title=f"Báo cáo tháng {month}",
                due_at=eod(date(2026, month, 5)),
                original_due_at=eod(date(2026, month, 5)),
            )
        )
    org.flush()
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    snap = ReportSnapshot.from_json(run.snapshot)
    assert (snap.totals.tasks, snap.totals.total) == (4, 15)
    area = next(r for r in snap.by_area if r.name == "Cải cách thể chế")
    assert (area.counts.tasks, area.counts.total) == (1, 10)
