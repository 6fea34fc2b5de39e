"""Statements the services send: one row write per change, batched flushes, single writers.

The simulation's speed rests on these (decision 0007): an action leaves its changes to the
caller's flush, a new item goes out as one INSERT, and a single-writer session neither
locks what it holds nor rereads the calendar.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime

import pytest
from sqlalchemy import event
from sqlmodel import Session

from tests.integration.engine.conftest import MakeItem, People
from workflow.calendar import load_calendar
from workflow.db import mark_single_writer
from workflow.errors import InvalidInput
from workflow.models.calendar import CalendarOverride
from workflow.services import calendar as calendar_service
from workflow.services import work_items

pytestmark = pytest.mark.integration


@contextmanager
def statements(session: Session) -> Iterator[Counter[str]]:
    """Count the statements `session` sends, by their first words ('INSERT INTO work_item')."""
    seen: Counter[str] = Counter()
    conn = session.connection()

    def count(_c: object, _cur: object, stmt: str, *_args: object) -> None:
        seen[" ".join(stmt.split()[:3])] += 1

    event.listen(conn, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(conn, "before_cursor_execute", count)


def test_a_new_item_is_one_insert_and_no_update(
    org: Session, people: People, now: datetime
) -> None:
    spec = work_items.ItemSpec(
        title="Rà soát quy chế làm việc",
        lead_unit_id=people.unit("CCHC").id or 0,
        assignee_id=people["cchc.linh"].id or 0,
        start_on=date(2026, 3, 2),
        due_working_days=10,
    )
    with statements(org) as seen:
        item = work_items.create_item(
            session=org, now=now, spec=spec, assigner=people["cchc.truong"]
        )
        org.flush()
    assert seen["INSERT INTO work_item"] == 1
    assert not [s for s in seen if s.startswith("UPDATE")], seen
    assert item.version == 1 and item.next_action_at is not None
    history = work_items.history(session=org, item_id=item.id or 0)
    assert [(e.action, e.to_state) for e in history] == [("assign", "assigned")]


def test_a_single_writer_batches_its_actions_into_one_flush(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item()
    officer = people["cchc.linh"]
    with statements(org) as locked:
        work_items.act(session=org, now=now, actor=officer, item_id=item.id or 0, action="accept")
    assert locked["SELECT work_item.id, work_item.plan_task_id,"] == 1  # SELECT ... FOR UPDATE
    mark_single_writer(org)
    held = (people.unit("CCHC"), load_calendar(session=org))  # what a simulation pins
    org.flush()
    with statements(org) as seen:
        work_items.act(session=org, now=now, actor=officer, item_id=item.id or 0, action="start")
        work_items.add_evidence(
            session=org, now=now, actor=officer, item_id=item.id or 0, note="Dự thảo quy chế"
        )
        # Submit finds the evidence attached above without flushing it first.
        work_items.act(session=org, now=now, actor=officer, item_id=item.id or 0, action="submit")
        before_flush = +seen
        org.flush()
    assert held and sum(before_flush.values()) == 0, before_flush
    assert seen == {
        "UPDATE work_item SET": 1,
        "INSERT INTO evidence": 1,
        "INSERT INTO search_entry": 1,  # the evidence's, in the same flush (decision 0029)
        "INSERT INTO work_item_event": 1,  # three rows, one statement
    }
    assert item.state == "awaiting_review" and item.version == 5
    actions = [e.action for e in work_items.history(session=org, item_id=item.id or 0)]
    assert actions == ["assign", "accept", "start", "add_evidence", "submit"]


def test_submit_without_evidence_is_still_refused(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item()
    officer = people["cchc.linh"]
    for action in ("accept", "start"):
        work_items.act(session=org, now=now, actor=officer, item_id=item.id or 0, action=action)
    with pytest.raises(InvalidInput, match="evidence"):
        work_items.act(session=org, now=now, actor=officer, item_id=item.id or 0, action="submit")


def test_a_single_writer_reads_the_calendar_once_until_it_changes_an_override(
    org: Session, people: People, now: datetime
) -> None:
    day = date(2026, 5, 4)  # a Monday
    mark_single_writer(org)
    assert load_calendar(session=org).is_working_day(day)
    with statements(org) as seen:
        load_calendar(session=org)
    assert sum(seen.values()) == 0
    calendar_service.add_override(
        session=org,
        now=now,
        actor=people["vp.cchc"],
        day=day,
        is_working=False,
        reason="Quyết định nghỉ bù",
    )
    assert not load_calendar(session=org).is_working_day(day)


def test_other_sessions_reread_the_calendar_every_time(org: Session, now: datetime) -> None:
    day = date(2026, 5, 4)
    assert load_calendar(session=org).is_working_day(day)
    org.add(CalendarOverride(day=day, is_working=False, reason="Nghỉ bù", created_at=now))
    org.flush()
    assert not load_calendar(session=org).is_working_day(day)
