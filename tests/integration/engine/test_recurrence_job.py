"""materialize_recurrences: each occurrence once, a lead time before it starts."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session, select

from tests.integration.engine.conftest import People
from workflow.models import WorkItem
from workflow.services.recurrence import create_series, materialize_recurrences


def hanoi(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC) - timedelta(hours=7)


def test_quarterly_report_created_once_at_lead_time(org: Session, people: People) -> None:
    created_at = hanoi(2026, 1, 5)
    series = create_series(
        session=org,
        now=created_at,
        actor=people["cchc.truong"],
        title="Báo cáo CCHC quý",
        rrule="FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=20",
        dtstart=date(2026, 3, 1),
        lead_unit_id=people.unit("CCHC").id or 0,
        assignee_id=people["cchc.linh"].id or 0,
        duration_working_days=5,
        lead_time_days=7,
    )
    # Due Fri 20/3, starts Fri 13/3, created from Fri 6/3.
    assert materialize_recurrences(session=org, now=hanoi(2026, 3, 5)).created == 0
    first = materialize_recurrences(session=org, now=hanoi(2026, 3, 6))
    assert first.created == 1 and first.failed == []
    again = materialize_recurrences(session=org, now=hanoi(2026, 3, 6, 10))
    assert again.created == 0 and again.existing == 1
    # A long outage: the June occurrence is created once when the job runs again.
    late = materialize_recurrences(session=org, now=hanoi(2026, 6, 30))
    assert late.created == 1
    items = org.exec(
        select(WorkItem).where(WorkItem.series_id == series.id).order_by(WorkItem.occurrence_on)
    ).all()
    assert [i.occurrence_on for i in items] == [date(2026, 3, 20), date(2026, 6, 20)]
    assert items[0].start_on == date(2026, 3, 13)
    assert items[0].due_at == hanoi(2026, 3, 20, 17)
    assert items[1].due_at == hanoi(2026, 6, 22, 17)  # 20/6 is a Saturday
    assert items[0].next_action_at is not None and items[0].title.endswith("(20/03/2026)")


def test_a_broken_series_does_not_stop_the_others(org: Session, people: People) -> None:
    now = hanoi(2026, 3, 2)
    common = dict(
        session=org,
        now=now,
        actor=people["cchc.truong"],
        dtstart=date(2026, 3, 1),
        lead_unit_id=people.unit("CCHC").id or 0,
        duration_working_days=2,
        lead_time_days=30,
    )
    broken = create_series(
        title="A",
        rrule="FREQ=MONTHLY;BYMONTHDAY=10",
        assignee_id=people["cchc.linh"].id or 0,
        **common,
    )  # type: ignore[arg-type]
    create_series(
        title="B",
        rrule="FREQ=MONTHLY;BYMONTHDAY=10",
        assignee_id=people["cchc.nam"].id or 0,
        **common,
    )  # type: ignore[arg-type]
    broken.assignee_id = people["tt.binh"].id or 0  # no longer in the lead unit
    org.add(broken)
    org.flush()
    result = materialize_recurrences(session=org, now=now)
    assert result.created == 1 and len(result.failed) == 1
