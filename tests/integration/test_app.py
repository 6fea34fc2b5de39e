"""The web app on the embedded default (SQLite): the dashboard and the health probes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.auth import TokenKind, issue_token
from api.deps import SESSION_COOKIE
from workflow import db
from workflow.clock import utc_now
from workflow.models import Unit, User, WorkItem
from workflow.settings import get_settings


@pytest.fixture
def client(embedded_db: str) -> Iterator[TestClient]:
    from api.app import create_app

    with TestClient(create_app()) as c:
        yield c


def test_home_page_asks_visitors_to_sign_in(client: TestClient) -> None:
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"] == "/login?next=/"


def test_dashboard_on_sqlite(client: TestClient) -> None:
    """The dashboard's GROUP BY with FILTERs and the working-day recount run on SQLite."""
    now = utc_now()
    with db.session_scope() as session:
        unit = session.exec(select(Unit).where(Unit.code == "CCHC")).one()
        linh = session.exec(select(User).where(User.username == "cchc.linh")).one()
        head = session.exec(select(User).where(User.username == "cchc.truong")).one()
        director = session.exec(select(User).where(User.username == "gd.minh")).one()
        for title, days in (("Quá hạn mười ngày", -10), ("Còn một tháng", 30)):
            due = now + timedelta(days=days)
            session.add(
                WorkItem(
                    title=title,
                    lead_unit_id=unit.id,
                    assignee_id=linh.id,
                    assigner_id=head.id,
                    start_on=date.today(),
                    due_at=due,
                    original_due_at=due,
                    created_at=now - timedelta(days=20),
                    updated_at=now,
                )
            )
        token = issue_token(director, kind=TokenKind.SESSION, now=now, settings=get_settings())
    client.cookies.set(SESSION_COOKIE, token)
    page = client.get("/")
    assert page.status_code == 200
    assert '<td id="count-open">2</td>' in page.text
    assert '<td id="count-overdue" class="overdue">1</td>' in page.text
    assert re.search(r'<a href="/ui/items/\d+">Quá hạn mười ngày</a>', page.text)
    assert "Còn một tháng" not in page.text
    assert client.get("/ui/team?overdue=1").status_code == 200


def test_health_probes(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
