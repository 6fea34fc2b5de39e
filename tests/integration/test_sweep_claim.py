"""The sweep reads only due open items, in batches, and isolates an item that fails."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tasks import jobs
from tests.conftest import SAMPLE_ORG, fresh_schema
from tests.workers_support import make_item, schema_name
from workflow.models.work import WorkItem
from workflow.services.org import load_org


def _clear(session: Session, item: WorkItem, now: datetime, ctx: Any) -> jobs.ItemOutcome:
    ctx.append(item.id)
    if item.title == "boom":
        item.next_action_at = None  # must be rolled back with the failing savepoint
        session.flush()
        raise RuntimeError("bad data")
    item.next_action_at = None
    return jobs.ItemOutcome(reminders=1)


def _seed(session: Session, now: datetime) -> dict[str, list[int]]:
    due = [
        make_item(session, now=now, due_at=now, next_action_at=now - timedelta(minutes=i)).id
        for i in range(23)
    ]
    later = [make_item(session, now=now, due_at=now, next_action_at=now + timedelta(hours=1)).id]
    closed = [
        make_item(session, now=now, due_at=now, next_action_at=now - timedelta(days=1), state=s).id
        for s in ("done", "cancelled")
    ]
    bad = make_item(
        session, now=now, due_at=now, next_action_at=now - timedelta(hours=2), title="boom"
    )
    return {"due": [i for i in due if i], "later": later, "closed": closed, "bad": [bad.id or 0]}


def test_sweep_claims_due_open_items_in_batches_and_isolates_failures(
    org: Session, now: datetime
) -> None:
    session = org
    ids = _seed(session, now)
    seen: list[int] = []
    result = jobs.sweep_due(
        session=session, now=now, batch_size=5, handler=_clear, make_context=lambda _s: seen
    )
    assert sorted(set(seen)) == sorted(ids["due"] + ids["bad"])
    assert result.claimed == 24 and result.reminders == 23 and result.failed_ids == ids["bad"]
    bad = session.get(WorkItem, ids["bad"][0])
    assert bad is not None and bad.next_action_at == now - timedelta(hours=2)
    # A second run finds only the failing item again: processed items are no longer due.
    again = jobs.sweep_due(
        session=session, now=now, batch_size=5, handler=_clear, make_context=lambda _s: []
    )
    assert again.claimed == 1 and again.failed == 1


def test_sweep_items_rechecks_due_state(org: Session, now: datetime) -> None:
    session = org
    ids = _seed(session, now)
    seen: list[int] = []
    given = ids["due"][:3] + ids["later"] + ids["closed"]
    result = jobs.sweep_items(
        session=session, now=now, item_ids=given, handler=_clear, make_context=lambda _s: seen
    )
    assert sorted(seen) == sorted(ids["due"][:3])
    assert result.claimed == 3


def test_max_items_bounds_one_sweep(org: Session, now: datetime) -> None:
    _seed(org, now)
    result = jobs.sweep_due(
        session=org, now=now, batch_size=4, max_items=10, handler=_clear, make_context=lambda _s: []
    )
    assert result.claimed == 10


@pytest.fixture
def committed(worker_id: str) -> Iterator[Engine]:
    engine = fresh_schema(schema_name(worker_id, "claim"))
    yield engine
    engine.dispose()


def test_concurrent_sweeps_skip_locked_rows(committed: Engine, now: datetime) -> None:
    with Session(committed) as s:
        load_org(session=s, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        ids = _seed(s, now)
        s.commit()
    with committed.connect() as other:
        other.begin()
        locked = ids["due"][:10]
        other.execute(
            text("SELECT id FROM work_item WHERE id = ANY(:ids) FOR UPDATE"), {"ids": locked}
        )
        with Session(committed) as s:
            seen: list[int] = []
            result = jobs.sweep_due(
                session=s, now=now, batch_size=4, handler=_clear, make_context=lambda _s: seen
            )
            s.commit()
        other.rollback()
    assert not set(seen) & set(locked)
    assert sorted(set(seen)) == sorted(ids["due"][10:] + ids["bad"])
    assert result.claimed == len(set(seen))
