"""Chasing (đôn đốc): who may, on which states, and that it changes nothing but the record."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session

from tests.integration.engine.conftest import MakeItem, People
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed
from workflow.services.work_items import act, actions_for, history
from workflow.states import Action


def test_managers_chase_open_work_and_only_the_record_changes(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item()
    due, next_action = item.due_at, item.next_action_at
    for username in ("cchc.truong", "pgd.dong", "gd.minh"):
        assert Action.CHASE in actions_for(session=org, item=item, actor=people[username])
        act(session=org, now=now, actor=people[username], item_id=item.id or 0,
            action="chase", comment=f"Đôn đốc từ {username}")  # fmt: skip
    assert (item.state, item.due_at, item.next_action_at) == ("assigned", due, next_action)
    chases = [e for e in history(session=org, item_id=item.id or 0) if e.action == "chase"]
    expected = [("assigned", "assigned", {})] * 3
    assert [(e.from_state, e.to_state, e.changes) for e in chases] == expected
    assert chases[-1].comment == "Đôn đốc từ gd.minh"


@pytest.mark.parametrize("username", ["cchc.linh", "cchc.nam", "vp.cchc", "tt.binh"])
def test_the_assignee_colleagues_and_the_coordinator_may_not_chase(
    org: Session, people: People, make_item: MakeItem, now: datetime, username: str
) -> None:
    item = make_item()
    assert Action.CHASE not in actions_for(session=org, item=item, actor=people[username])
    with pytest.raises(NotAllowed):
        act(session=org, now=now, actor=people[username], item_id=item.id or 0,
            action="chase", comment="x")  # fmt: skip


def test_a_chase_needs_a_comment_and_an_item_that_waits_on_its_assignee(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item, head = make_item(), people["cchc.truong"]
    with pytest.raises(InvalidInput):
        act(session=org, now=now, actor=head, item_id=item.id or 0, action="chase")
    act(session=org, now=now, actor=people["cchc.linh"], item_id=item.id or 0, action="accept")
    act(session=org, now=now, actor=head, item_id=item.id or 0, action="pause", comment="Chờ")
    with pytest.raises(InvalidTransition):
        act(session=org, now=now, actor=head, item_id=item.id or 0, action="chase", comment="x")
