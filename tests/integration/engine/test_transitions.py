"""Every allowed transition per relation, and forbidden ones, generated from the table."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlmodel import Session

from tests.integration.engine.conftest import MakeItem, People
from workflow.errors import InvalidTransition, NotAllowed
from workflow.models import Evidence, WorkItem
from workflow.services.work_items import act, actor_relations
from workflow.states import RULES, Action, ActorRelation, State

# One person per relation, chosen so each stands in exactly that relation to the item
# (the assigner is set to an officer of another unit to keep relations apart).
WHO = {
    ActorRelation.ASSIGNEE: "cchc.linh",
    ActorRelation.ASSIGNER: "tt.binh",
    ActorRelation.LEAD_UNIT_HEAD: "cchc.truong",
    ActorRelation.DEPUTY_IN_CHARGE: "pgd.dong",
    ActorRelation.DIRECTOR: "gd.minh",
    ActorRelation.COORDINATOR: "vp.cchc",
}
OUTSIDERS = ["cchc.nam", "pgd.lan", "tcbc.truong"]


def _item_in(
    session: Session, people: People, make_item: MakeItem, state: State, now: datetime
) -> WorkItem:
    item = make_item()
    item.assigner_id = people["tt.binh"].id or 0
    item.state = state.value
    if state == State.PAUSED:
        item.paused_at = now
    session.add(
        Evidence(
            work_item_id=item.id or 0, uploaded_by_id=item.assignee_id, note="x", created_at=now
        )
    )
    session.flush()
    return item


def test_people_stand_in_exactly_one_relation(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = _item_in(org, people, make_item, State.ASSIGNED, now)
    for relation, username in WHO.items():
        assert actor_relations(session=org, item=item, actor=people[username]) == {relation}
    for username in OUTSIDERS:
        assert actor_relations(session=org, item=item, actor=people[username]) == frozenset()


@pytest.mark.parametrize(
    ("state", "action"), list(RULES), ids=[f"{s.value}-{a.value}" for s, a in RULES]
)
def test_rule_allows_its_relations_and_refuses_the_others(
    org: Session, people: People, make_item: MakeItem, now: datetime, state: State, action: Action
) -> None:
    rule = RULES[(state, action)]
    later = now + timedelta(days=3)
    for relation, username in WHO.items():
        item = _item_in(org, people, make_item, state, now)
        kwargs = {"assignee_id": people["cchc.nam"].id} if action == Action.REASSIGN else {}
        call = dict(
            session=org,
            now=later,
            actor=people[username],
            item_id=item.id,
            action=action,
            comment="lý do",
            expected_version=item.version,
            **kwargs,
        )
        if relation in rule.who:
            act(**call)  # type: ignore[arg-type]
            assert item.state == rule.target.value
            assert item.version == 2
        else:
            with pytest.raises(NotAllowed):
                act(**call)  # type: ignore[arg-type]
            assert item.state == state.value
    item = _item_in(org, people, make_item, state, now)
    with pytest.raises(NotAllowed):
        act(
            session=org,
            now=later,
            actor=people[random.choice(OUTSIDERS)],
            item_id=item.id or 0,
            action=action,
            comment="lý do",
        )


FORBIDDEN = [(s, a) for s in State for a in Action if (s, a) not in RULES]


@pytest.mark.parametrize(
    ("state", "action"),
    random.Random(5).sample(FORBIDDEN, 20),
    ids=lambda v: v.value,
)
def test_transitions_not_in_the_table_are_invalid_for_everyone(
    org: Session, people: People, make_item: MakeItem, now: datetime, state: State, action: Action
) -> None:
    item = _item_in(org, people, make_item, state, now)
    for username in WHO.values():
        with pytest.raises(InvalidTransition):
            act(
                session=org,
                now=now,
                actor=people[username],
                item_id=item.id or 0,
                action=action,
                comment="lý do",
                assignee_id=people["cchc.nam"].id,
            )
    assert item.state == state.value and item.version == 1
