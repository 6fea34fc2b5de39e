"""Smoke: assign, act, audit."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from tests.integration.engine.conftest import MakeItem, People
from workflow.services.work_items import act, add_evidence, history


def test_full_cycle(org: Session, people: People, make_item: MakeItem, now: datetime) -> None:
    item = make_item()
    assert item.version == 1
    assert item.due_at == datetime(2026, 3, 16, 10, 0, tzinfo=UTC)
    assert item.next_action_at is not None
    linh = people["cchc.linh"]
    act(session=org, now=now, actor=linh, item_id=item.id, action="accept", expected_version=1)
    act(session=org, now=now, actor=linh, item_id=item.id, action="start")
    add_evidence(session=org, now=now, actor=linh, item_id=item.id, note="Báo cáo số 5")
    act(session=org, now=now, actor=linh, item_id=item.id, action="submit")
    act(session=org, now=now, actor=people["cchc.truong"], item_id=item.id, action="approve")
    assert item.state == "done" and item.closed_on_time is True and item.next_action_at is None
    assert [e.action for e in history(session=org, item_id=item.id)] == [
        "assign",
        "accept",
        "start",
        "add_evidence",
        "submit",
        "approve",
    ]
