"""The reminder and escalation ladders, pure: schedule, collapse after an outage, flags."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from workflow.calendar import WorkCalendar
from workflow.deadlines import (
    Flag,
    Ladder,
    Rung,
    classify_close,
    compute_next_action_at,
    due_rungs,
    flag,
    ladder_for,
    mark_sent,
    schedule,
)
from workflow.errors import InvalidInput
from workflow.models import WorkItem
from workflow.settings import Settings

CAL = WorkCalendar()
TZ = "Asia/Ho_Chi_Minh"
SETTINGS = Settings(_env_file=None, timezone=TZ, due_soon_working_days=3)  # type: ignore[call-arg]
LADDER = Ladder()


def hanoi(y: int, m: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    """A Hanoi wall time as aware UTC (UTC+7, no DST)."""
    return datetime(y, m, d, h, mi, tzinfo=UTC) - timedelta(hours=7)


def item(due: datetime, *, start: date = date(2026, 3, 2), state: str = "in_progress") -> WorkItem:
    return WorkItem(
        title="t",
        lead_unit_id=1,
        assignee_id=1,
        assigner_id=1,
        start_on=start,
        due_at=due,
        original_due_at=due,
        state=state,
        created_at=due,
        updated_at=due,
    )


# Due Friday 20/3/2026 17:00: 5 working days before is Fri 13/3, 1 before is Thu 19/3.
DUE = hanoi(2026, 3, 20, 17)


def test_schedule_of_default_ladder() -> None:
    rungs = schedule(item(DUE), calendar=CAL, ladder=LADDER, tz=TZ)
    assert [(r.name, r.at) for r in rungs] == [
        ("remind-5", hanoi(2026, 3, 13, 8)),
        ("remind-1", hanoi(2026, 3, 19, 8)),
        ("due-today", hanoi(2026, 3, 20, 8)),
        ("overdue", DUE),
        ("escalate-1", hanoi(2026, 3, 23, 8)),
        ("escalate-2", hanoi(2026, 3, 25, 8)),
        ("escalate-3", hanoi(2026, 3, 27, 8)),
    ]
    assert [r.level for r in rungs if r.kind == "escalation"] == [1, 2, 3]


def test_reminders_count_working_days_across_gio_to_2026() -> None:
    # Due Wed 29/4/2026; 27/4 (Giỗ Tổ in lieu) and the weekend are off.
    rungs = schedule(
        item(hanoi(2026, 4, 29, 17), start=date(2026, 4, 1)), calendar=CAL, ladder=LADDER, tz=TZ
    )
    at = {r.name: r.at for r in rungs}
    assert at["remind-1"] == hanoi(2026, 4, 28, 8)
    assert at["remind-5"] == hanoi(2026, 4, 21, 8)


def test_reminders_before_the_start_are_dropped() -> None:
    names = [
        r.name
        for r in schedule(item(DUE, start=date(2026, 3, 18)), calendar=CAL, ladder=LADDER, tz=TZ)
    ]
    assert "remind-5" not in names and "remind-1" in names


def test_outage_collapses_reminders_but_each_escalation_fires_once() -> None:
    it = item(DUE)
    # Back after an outage, four working days after the due date.
    now = hanoi(2026, 3, 26, 9)
    rungs = due_rungs(it, now=now, calendar=CAL, ladder=LADDER, tz=TZ)
    assert [r.name for r in rungs] == ["overdue", "escalate-1", "escalate-2"]
    for r in rungs:
        mark_sent(it, r)
    assert it.last_rung_sent == "escalate-2" and it.escalation_level == 2
    assert due_rungs(it, now=now, calendar=CAL, ladder=LADDER, tz=TZ) == []
    nxt = compute_next_action_at(it, calendar=CAL, ladder=LADDER, tz=TZ)
    assert nxt == hanoi(2026, 3, 27, 8)
    mark_sent(it, Rung.escalation(3), calendar=CAL, ladder=LADDER, tz=TZ)
    assert it.next_action_at is None


def test_passed_reminders_collapse_into_the_latest() -> None:
    it = item(DUE)
    rungs = due_rungs(it, now=hanoi(2026, 3, 19, 10), calendar=CAL, ladder=LADDER, tz=TZ)
    assert [r.name for r in rungs] == ["remind-1"]
    mark_sent(it, rungs[0])
    assert compute_next_action_at(it, calendar=CAL, ladder=LADDER, tz=TZ) == hanoi(2026, 3, 20, 8)


def test_mark_sent_never_moves_backwards() -> None:
    it = item(DUE)
    mark_sent(it, Rung.overdue())
    mark_sent(it, Rung.reminder(5))
    assert it.last_rung_sent == "overdue"


@pytest.mark.parametrize("state", ["done", "cancelled", "withdrawn", "returned", "paused"])
def test_no_action_for_closed_or_paused(state: str) -> None:
    it = item(DUE, state=state)
    assert compute_next_action_at(it, calendar=CAL, ladder=LADDER, tz=TZ) is None
    assert due_rungs(it, now=hanoi(2026, 4, 30), calendar=CAL, ladder=LADDER, tz=TZ) == []


def test_ladder_for_policy() -> None:
    assert ladder_for(None) == Ladder()
    custom = ladder_for({"reminders": [0, 3], "escalations": [2]})
    assert custom.reminders == (3, 0) and custom.escalations == (2,)
    names = [r.name for r in schedule(item(DUE), calendar=CAL, ladder=custom, tz=TZ)]
    assert names == ["remind-3", "due-today", "overdue", "escalate-1"]
    for bad in ({"reminders": "5"}, {"escalations": [0]}, {"escalations": [1, 2, 3, 4]}):
        with pytest.raises(InvalidInput):
            ladder_for(bad)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (hanoi(2026, 3, 2, 9), Flag.ON_TRACK),
        (hanoi(2026, 3, 17, 9), Flag.DUE_SOON),  # 3 working days left
        (hanoi(2026, 3, 16, 9), Flag.ON_TRACK),  # 4 left
        (hanoi(2026, 3, 20, 16, 59), Flag.DUE_SOON),
        (hanoi(2026, 3, 20, 17, 1), Flag.OVERDUE),
    ],
)
def test_flags(now: datetime, expected: Flag) -> None:
    assert flag(item(DUE), now=now, calendar=CAL, settings=SETTINGS, days=3) == expected


def test_flag_of_paused_item_is_frozen_and_closed_is_closed() -> None:
    paused = item(DUE, state="paused")
    paused.paused_at = hanoi(2026, 3, 3, 9)
    assert flag(paused, now=hanoi(2026, 5, 1), calendar=CAL, settings=SETTINGS) == Flag.ON_TRACK
    # Paused within the due-soon days: still not "due soon", its clock is stopped.
    paused.paused_at = hanoi(2026, 3, 19, 9)
    assert flag(paused, now=hanoi(2026, 3, 19, 10), calendar=CAL, settings=SETTINGS) == (
        Flag.ON_TRACK
    )
    # Paused after the deadline had passed: overdue, and it stays so.
    paused.paused_at = hanoi(2026, 3, 23, 9)
    assert flag(paused, now=hanoi(2026, 5, 1), calendar=CAL, settings=SETTINGS) == Flag.OVERDUE
    done = item(DUE, state="done")
    assert flag(done, now=DUE, calendar=CAL, settings=SETTINGS) == Flag.CLOSED


@pytest.mark.parametrize(
    ("completed", "expected"),
    [
        (hanoi(2026, 3, 20, 17), (True, 0)),
        (hanoi(2026, 3, 20, 18), (False, 1)),  # the evening of the due day: late
        (hanoi(2026, 3, 21, 10), (False, 1)),  # Saturday
        (hanoi(2026, 3, 24, 10), (False, 2)),
    ],
)
def test_on_time_classification(completed: datetime, expected: tuple[bool, int]) -> None:
    assert classify_close(item(DUE), completed_at=completed, calendar=CAL, tz=TZ) == expected
