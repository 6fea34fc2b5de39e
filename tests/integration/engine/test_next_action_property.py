"""`next_action_at` stays exact: random action sequences vs a from-scratch computation."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from tests.integration.engine.conftest import MakeItem, People
from workflow.calendar import load_calendar
from workflow.deadlines import compute_next_action_at, due_rungs, mark_sent
from workflow.errors import WorkflowError
from workflow.models import WorkItem
from workflow.services.calendar import add_override, remove_override
from workflow.services.extensions import decide_extension, request_extension
from workflow.services.work_items import act, actions_for, add_evidence, ladder_of
from workflow.settings import get_settings

USERS = ["cchc.linh", "cchc.truong", "pgd.dong", "gd.minh", "vp.cchc"]

step = st.one_of(
    st.tuples(st.just("act"), st.integers(0, 50), st.integers(0, 4)),
    st.tuples(st.just("wait"), st.integers(1, 120), st.just(0)),
    st.tuples(st.just("sweep"), st.just(0), st.just(0)),
    st.tuples(st.just("extend"), st.integers(1, 15), st.booleans().map(int)),
    st.tuples(st.just("override"), st.integers(0, 30), st.booleans().map(int)),
)


def _check(session: Session, item: WorkItem) -> None:
    expected = compute_next_action_at(
        item,
        calendar=load_calendar(session=session),
        ladder=ladder_of(session=session, item=item),
        tz=get_settings().timezone,
    )
    assert item.next_action_at == expected


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=1, max_size=12), due_days=st.integers(1, 12))
def test_next_action_at_matches_from_scratch(
    org: Session,
    people: People,
    make_item: MakeItem,
    now: datetime,
    steps: list[tuple[str, int, int]],
    due_days: int,
) -> None:
    savepoint = org.begin_nested()
    try:
        moment = now
        item = make_item(due_working_days=due_days)
        _check(org, item)
        tz = get_settings().timezone
        for kind, a, b in steps:
            try:
                if kind == "act":
                    actor = people[USERS[b]]
                    options = actions_for(session=org, item=item, actor=actor)
                    if not options:
                        continue
                    action = options[a % len(options)]
                    if action == "submit":
                        add_evidence(
                            session=org,
                            now=moment,
                            actor=people["cchc.linh"],
                            item_id=item.id or 0,
                            note="sp",
                        )
                    act(
                        session=org,
                        now=moment,
                        actor=actor,
                        item_id=item.id or 0,
                        action=action,
                        comment="lý do",
                        assignee_id=people["cchc.nam"].id,
                    )
                elif kind == "wait":
                    moment += timedelta(hours=a)
                elif kind == "sweep":
                    cal = load_calendar(session=org)
                    ladder = ladder_of(session=org, item=item)
                    for rung in due_rungs(item, now=moment, calendar=cal, ladder=ladder, tz=tz):
                        mark_sent(item, rung, calendar=cal, ladder=ladder, tz=tz)
                elif kind == "extend":
                    req = request_extension(
                        session=org,
                        now=moment,
                        actor=people["cchc.linh"],
                        item_id=item.id or 0,
                        requested_due_on=item.due_at.date() + timedelta(days=a),
                        reason="r",
                    )
                    decide_extension(
                        session=org,
                        now=moment,
                        actor=people["cchc.truong"],
                        request_id=req.id or 0,
                        approve=bool(b),
                    )
                elif kind == "override":
                    day = date(2026, 3, 2) + timedelta(days=a)
                    try:
                        remove_override(session=org, now=moment, actor=people["vp.cchc"], day=day)
                    except WorkflowError:
                        add_override(
                            session=org,
                            now=moment,
                            actor=people["vp.cchc"],
                            day=day,
                            is_working=bool(b),
                            reason="QĐ",
                        )
            except WorkflowError:
                pass  # refused steps must leave the item consistent too
            _check(org, item)
    finally:
        savepoint.rollback()
