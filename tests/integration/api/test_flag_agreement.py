"""One deadline rule: the CLI, the API (flag and filter), the pages, the dashboard and the
reports flag every item alike, paused and closed items included (workflow.deadlines.Flag).

`now` is Monday 2 March 2026, 09:00 in Hanoi; with 3 due-soon working days the limit is
the end of Thursday 5 March. Deadlines are 17:00 local on the day named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.cli.item import item_line
from api.queries import due_soon_limit
from tests.integration.api.conftest import make_item, signed_in, user_named
from workflow.calendar import load_calendar
from workflow.deadlines import Flag
from workflow.reporting.aggregate import Window, item_rows
from workflow.reporting.dashboard import ScopeKind, WorkScope, open_counts
from workflow.settings import get_settings

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
OFFICER = "cchc.linh"


def deadline(day: date) -> datetime:
    return datetime.combine(day, time(17), tzinfo=HANOI).astimezone(UTC)


def hanoi(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=HANOI).astimezone(UTC)


@dataclass(frozen=True)
class Case:
    name: str
    state: str
    due: date
    expected: Flag
    paused_at: datetime | None = None
    closed_at: datetime | None = None


CASES = [
    Case("two weeks ahead", "in_progress", date(2026, 3, 13), Flag.ON_TRACK),
    Case("due today", "in_progress", date(2026, 3, 2), Flag.DUE_SOON),
    Case("third working day", "accepted", date(2026, 3, 5), Flag.DUE_SOON),
    Case("fourth working day", "accepted", date(2026, 3, 6), Flag.ON_TRACK),
    Case("due on a Saturday (day off)", "in_progress", date(2026, 3, 7), Flag.ON_TRACK),
    Case("due yesterday, a Sunday (day off)", "in_progress", date(2026, 3, 1), Flag.OVERDUE),
    Case("past due", "in_progress", date(2026, 2, 27), Flag.OVERDUE),
    Case("past due, awaiting review", "awaiting_review", date(2026, 2, 27), Flag.OVERDUE),
    Case(
        "paused early, due date passed while paused",
        "paused",
        date(2026, 2, 27),
        Flag.ON_TRACK,
        paused_at=hanoi(date(2026, 2, 20), 9),
    ),
    Case(
        "paused the day before it is due",
        "paused",
        date(2026, 3, 3),
        Flag.ON_TRACK,
        paused_at=hanoi(date(2026, 3, 2), 8),
    ),
    Case(
        "paused when already overdue",
        "paused",
        date(2026, 2, 25),
        Flag.OVERDUE,
        paused_at=hanoi(date(2026, 2, 27), 9),
    ),
    Case(
        "done late",
        "done",
        date(2026, 2, 27),
        Flag.CLOSED,
        closed_at=hanoi(date(2026, 2, 28), 9),
    ),
    Case("cancelled past due", "cancelled", date(2026, 2, 27), Flag.CLOSED),
]


@pytest.fixture
def cases(org: Session, now: datetime) -> dict[int, Case]:
    """Each case as an item of OFFICER, created a month before `now`."""
    by_id: dict[int, Case] = {}
    for case in CASES:
        item = make_item(
            org, now=now, lead="CCHC", assignee=OFFICER, assigner="cchc.truong", title=case.name
        )
        item.state = case.state
        item.due_at = item.original_due_at = deadline(case.due)
        item.paused_at = case.paused_at
        item.closed_at = case.closed_at
        item.created_at = now - timedelta(days=30)
        org.add(item)
        org.flush()
        assert item.id is not None
        by_id[item.id] = case
    return by_id


def expected(cases: dict[int, Case]) -> dict[int, Flag]:
    return {item_id: case.expected for item_id, case in cases.items()}


def test_cli_flags_follow_the_rule(org: Session, now: datetime, cases: dict[int, Case]) -> None:
    from workflow.models import WorkItem

    flags = {}
    for item_id in cases:
        item = org.get(WorkItem, item_id)
        assert item is not None
        flags[item_id] = Flag(item_line(org, item, now=now).split("\t")[2])
    assert flags == expected(cases)


def test_api_flags_and_flag_filters_follow_the_rule(
    client: TestClient, auth_for: object, cases: dict[int, Case]
) -> None:
    headers = auth_for(OFFICER)  # type: ignore[operator]
    body = client.get("/items", params={"page_size": 100}, headers=headers).json()
    flags = {row["id"]: Flag(row["flag"]) for row in body["items"] if row["id"] in cases}
    assert flags == expected(cases)
    for wanted in Flag:
        listed = client.get(
            "/items", params={"page_size": 100, "flag": wanted.value}, headers=headers
        ).json()["items"]
        ids = {row["id"] for row in listed if row["id"] in cases}
        assert ids == {i for i, c in cases.items() if c.expected is wanted}, wanted
    one = next(i for i, c in cases.items() if c.state == "paused")
    detail = client.get(f"/items/{one}", headers=headers).json()
    assert Flag(detail["flag"]) == cases[one].expected


def test_page_flags_follow_the_rule(
    client: TestClient, org: Session, cases: dict[int, Case]
) -> None:
    signed_in(client, org, OFFICER)
    page = client.get("/my", params={"show": "all"}).text
    rows = re.findall(r'<tr class="(\w+)" data-item-id="(\d+)"', page)
    flags = {int(item_id): Flag(flag) for flag, item_id in rows if int(item_id) in cases}
    assert flags == expected(cases)


def test_dashboard_and_report_flags_follow_the_rule(
    org: Session, now: datetime, cases: dict[int, Case]
) -> None:
    settings = get_settings()
    officer = user_named(org, OFFICER)
    soon = due_soon_limit(org, now=now, settings=settings)
    scope = WorkScope(kind=ScopeKind.OWN, unit_ids=None, assignee_id=officer.id)
    _, overdue, due_soon, _ = open_counts(session=org, scope=scope, now=now, due_soon_until=soon)
    wanted = list(expected(cases).values())
    assert (overdue, due_soon) == (wanted.count(Flag.OVERDUE), wanted.count(Flag.DUE_SOON))

    window = Window(
        begin=now - timedelta(days=60), cutoff=now, last_day=now.date(), tz="Asia/Ho_Chi_Minh"
    )
    rows = item_rows(
        org,
        window,
        calendar=load_calendar(session=org),
        overdue=True,
        limit=100,
        assignee_id=officer.id,
    )
    assert {r.id for r in rows} == {i for i, c in cases.items() if c.expected is Flag.OVERDUE}
