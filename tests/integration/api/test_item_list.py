"""The item list's fast path: reused statements, JSON built from rows, prefetched calendar.

Each answer is checked against the plain ORM reading of the same rules (scope, filters,
flags), so an optimisation that changes a result fails here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.deps import SessionDep
from api.schemas.items import WorkItemPage
from tests.integration.api.conftest import make_item, user_named
from workflow.models import Unit, WorkItem
from workflow.services.scope import visible_items
from workflow.states import OPEN_STATES

Auth = Callable[[str], dict[str, str]]
OPEN = sorted(s.value for s in OPEN_STATES)


@pytest.fixture
def spread(org: Session, now: datetime) -> dict[str, WorkItem]:
    """CCHC items overdue, due soon, on track and closed; one TCBC item CCHC supports."""
    common: dict[str, Any] = {"now": now, "lead": "CCHC", "assigner": "cchc.truong"}
    return {
        "overdue": make_item(org, **common, assignee="cchc.linh", title="O", due_in_days=-3),
        # Monday 09:00 + 2 days: Wednesday, within 3 working days.
        "soon": make_item(org, **common, assignee="cchc.nam", title="S", due_in_days=2),
        "later": make_item(org, **common, assignee="cchc.linh", title="L", due_in_days=30),
        "done": make_item(
            org, **common, assignee="cchc.linh", title="D", due_in_days=5, state="done"
        ),
        "support": make_item(
            org,
            now=now,
            lead="TCBC",
            assignee="tcbc.hoa",
            assigner="tcbc.truong",
            support=("CCHC",),
            title="T",
            due_in_days=10,
        ),
        "foreign": make_item(
            org, now=now, lead="XDCQ", assignee="xdcq.mai", assigner="xdcq.truong", title="X"
        ),
    }


def listed(client: TestClient, headers: dict[str, str], **params: Any) -> WorkItemPage:
    r = client.get("/items", params={"page_size": 200, **params}, headers=headers)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/json"
    return WorkItemPage.model_validate_json(r.content)


def expected(org: Session, username: str, *conditions: Any) -> list[int]:
    user = user_named(org, username)
    query = (
        select(WorkItem.id)
        .where(visible_items(user), *conditions)
        .order_by(col(WorkItem.due_at), col(WorkItem.id))
    )
    return [i for i in org.exec(query).all() if i is not None]


def test_filters_match_the_orm_reading_for_each_user(
    client: TestClient, org: Session, auth_for: Auth, spread: dict[str, WorkItem], now: datetime
) -> None:
    due = col(WorkItem.due_at)
    state = col(WorkItem.state)
    after, before = now - timedelta(days=5), now + timedelta(days=6)
    window = {"due_after": after.isoformat(), "due_before": before.isoformat()}
    cases: list[tuple[dict[str, Any], tuple[Any, ...]]] = [
        ({}, ()),
        ({"state": OPEN}, (state.in_(OPEN),)),
        ({"state": ["done"]}, (state == "done",)),
        (window, (due >= after, due < before)),
        ({"mine": True, **window}, ()),  # checked per user below
        (
            {"unit_id": spread["support"].lead_unit_id},
            (col(WorkItem.lead_unit_id) == spread["support"].lead_unit_id,),
        ),
        (
            {"assignee_id": spread["soon"].assignee_id},
            (col(WorkItem.assignee_id) == spread["soon"].assignee_id,),
        ),
        ({"flag": "overdue"}, (state.in_(OPEN), due < now)),
        ({"flag": "closed"}, (state.not_in(OPEN),)),
    ]
    # The same statement shapes serve users of different units and roles in turn.
    for username in ("cchc.truong", "cchc.linh", "tcbc.truong", "pgd.dong", "gd.minh"):
        me = user_named(org, username)
        for params, conditions in cases:
            if params.get("mine"):
                conditions = (col(WorkItem.assignee_id) == me.id, due >= after, due < before)
            page = listed(client, auth_for(username), **params)
            got = [i.id for i in page.items]
            assert got == expected(org, username, *conditions), (username, params)


def test_flags_and_fields_are_those_of_the_public_model(
    client: TestClient, auth_for: Auth, spread: dict[str, WorkItem]
) -> None:
    page = listed(client, auth_for("cchc.truong"))
    flags = {i.title: i.flag.value for i in page.items}
    assert flags == {
        "O": "overdue",
        "S": "due_soon",
        "L": "on_track",
        "D": "closed",
        "T": "on_track",
    }
    soon = next(i for i in page.items if i.title == "S")
    stored = spread["soon"]
    assert soon.due_at == stored.due_at and soon.version == stored.version
    assert soon.lead_unit_id == stored.lead_unit_id and soon.state == stored.state
    r = listed(client, auth_for("cchc.truong"), flag="due_soon")
    assert [i.title for i in r.items] == ["S"]


def test_paging_reports_has_more(
    client: TestClient, auth_for: Auth, spread: dict[str, WorkItem]
) -> None:
    headers = auth_for("cchc.truong")
    first = listed(client, headers, page_size=2)
    second = listed(client, headers, page_size=2, page=3)
    assert first.has_more and len(first.items) == 2
    assert not second.has_more and len(second.items) == 1


def test_due_soon_follows_a_new_calendar_override(
    client: TestClient, org: Session, auth_for: Auth, now: datetime
) -> None:
    # Monday 2 March 2026: due soon = within 3 working days, i.e. up to Thursday 17:00.
    friday = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
    item = make_item(
        org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong", title="F"
    )
    item.due_at = item.original_due_at = friday
    org.add(item)
    org.flush()
    headers = auth_for("cchc.linh")
    assert listed(client, headers).items[0].flag.value == "on_track"
    day_off = {"day": "2026-03-04", "is_working": False, "reason": "QĐ nghỉ bù"}
    r = client.post("/calendar/overrides", json=day_off, headers=auth_for("vp.cchc"))
    assert r.status_code == 201, r.text
    # Wednesday off: the third working day is now Friday.
    assert listed(client, headers).items[0].flag.value == "due_soon"
    assert client.get(f"/items/{item.id}", headers=headers).json()["flag"] == "due_soon"
    r = client.delete("/calendar/overrides/2026-03-04", headers=auth_for("vp.cchc"))
    assert r.status_code == 200, r.text
    assert listed(client, headers).items[0].flag.value == "on_track"


def test_readyz_reports_an_unreachable_database(
    monkeypatch: pytest.MonkeyPatch, var_dir: object
) -> None:
    from api.app import create_app
    from workflow import db
    from workflow.settings import get_settings

    monkeypatch.setenv("PLANFLOW_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        app: FastAPI = create_app()
        with TestClient(app) as c:
            r = c.get("/readyz")
        assert r.status_code == 503 and "database" in r.json()["detail"]
    finally:
        get_settings.cache_clear()
        db.get_engine.cache_clear()


def test_a_get_request_cannot_write(app: FastAPI, org: Session) -> None:
    @app.get("/_probe/write")
    def write(session: SessionDep) -> dict[str, str]:
        unit = session.exec(select(Unit)).first()
        assert unit is not None
        unit.name = "Đổi tên trong một GET"
        session.flush()
        return {"status": "wrote"}

    with TestClient(app, raise_server_exceptions=False) as c:
        assert c.get("/_probe/write").status_code == 500
    org.expire_all()
    assert "Đổi tên" not in " ".join(u.name for u in org.exec(select(Unit)))
