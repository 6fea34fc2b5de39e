"""The dashboard (`/`) and the unit page (`/ui/team`): each role's numbers, the overdue
list's order, the unit page's filters and refusals, English rendering.

Seeded (now = Monday 2 March 2026, 09:00 in Hanoi; within 5 working days = by Monday 9 March):

| key | lead | assignee | state | due (days from now) | other |
|---|---|---|---|---|---|
| c1 | CCHC | cchc.linh | assigned | -10 | area 1 |
| c2 | CCHC | cchc.linh | in_progress | -2 | area 1 |
| c3 | CCHC | cchc.linh | awaiting_review | +3 | area 1 |
| c4 | CCHC | cchc.nam | done on time, closed 5 days ago | -4 | area 1 |
| c5 | CCHC | cchc.nam | done late, closed yesterday | -3 | area 1 |
| c6 | CCHC | cchc.linh | done on time, closed 2025-12-20 (last year) | -80 | area 1 |
| c7 | CCHC | cchc.linh | cancelled | -6 | area 1 |
| t1 | TCBC | tcbc.hoa | in_progress, CCHC supports | -5 | area 2 |
| t2 | TCBC | tcbc.hoa | accepted | +20 | area 2 |
| t3 | TCBC | tcbc.hoa | done on time, closed 3 days ago | -1 | area 2 |
| x1 | XDCQ | xdcq.mai | assigned | -20 | no plan task |
| x2 | XDCQ | xdcq.mai | rework | +4 | no plan task |
| v1 | VTLT | vtlt.ha | paused | +30 | no plan task |
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.auth import TokenKind, issue_token
from api.deps import SESSION_COOKIE
from api.pages.i18n import LANG_COOKIE
from tests.integration.api.conftest import VISIBILITY, make_item, unit_coded, user_named
from workflow.models import Area, Plan, PlanTask, WorkItem
from workflow.reporting.aggregate import subset_filter
from workflow.reporting.dashboard import work_scope
from workflow.services.scope import visible_items
from workflow.settings import get_settings

SignIn = Callable[[str], None]


@dataclass(frozen=True)
class Spec:
    lead: str
    assignee: str
    state: str
    due: int  # days from now
    area: int | None = None  # 1 or 2
    closed_days_ago: float | None = None
    on_time: bool | None = None
    support: tuple[str, ...] = ()


SPECS: dict[str, Spec] = {
    "c1": Spec("CCHC", "cchc.linh", "assigned", -10, 1),
    "c2": Spec("CCHC", "cchc.linh", "in_progress", -2, 1),
    "c3": Spec("CCHC", "cchc.linh", "awaiting_review", 3, 1),
    "c4": Spec("CCHC", "cchc.nam", "done", -4, 1, closed_days_ago=5, on_time=True),
    "c5": Spec("CCHC", "cchc.nam", "done", -3, 1, closed_days_ago=1, on_time=False),
    "c6": Spec("CCHC", "cchc.linh", "done", -80, 1, closed_days_ago=72, on_time=True),
    "c7": Spec("CCHC", "cchc.linh", "cancelled", -6, 1, closed_days_ago=2),
    "t1": Spec("TCBC", "tcbc.hoa", "in_progress", -5, 2, support=("CCHC",)),
    "t2": Spec("TCBC", "tcbc.hoa", "accepted", 20, 2),
    "t3": Spec("TCBC", "tcbc.hoa", "done", -1, 2, closed_days_ago=3, on_time=True),
    "x1": Spec("XDCQ", "xdcq.mai", "assigned", -20),
    "x2": Spec("XDCQ", "xdcq.mai", "rework", 4),
    "v1": Spec("VTLT", "vtlt.ha", "paused", 30),
}


@pytest.fixture
def items(org: Session, now: datetime) -> dict[str, WorkItem]:
    """The table of the module docstring; each item created 90 days ago."""
    plan = Plan(key="bang-dieu-khien", title="Kế hoạch thử bảng điều khiển", imported_at=now)
    org.add(plan)
    org.flush()
    areas = {}
    for number, title in ((1, "Cải cách thể chế"), (2, "Cải cách thủ tục hành chính")):
        area = Area(plan_id=plan.id or 0, number=number, title=title)
        org.add(area)
        org.flush()
        areas[number] = area
    made: dict[str, WorkItem] = {}
    for key, spec in SPECS.items():
        item = make_item(
            org,
            now=now,
            lead=spec.lead,
            assignee=spec.assignee,
            assigner=f"{spec.lead.lower()}.truong",
            title=f"Việc {key}",
            due_in_days=spec.due,
            state=spec.state,
            support=spec.support,
        )
        item.created_at = now - timedelta(days=90)
        if spec.closed_days_ago is not None:
            item.closed_at = now - timedelta(days=spec.closed_days_ago)
            item.closed_on_time = spec.on_time
        if spec.area is not None:
            task = PlanTask(
                plan_id=plan.id or 0,
                area_id=areas[spec.area].id or 0,
                key=f"task-{key}",
                position=len(made) + 1,
                text=f"Nhiệm vụ {key}",
                lead_unit_id=unit_coded(org, spec.lead).id,
            )
            org.add(task)
            org.flush()
            item.plan_task_id = task.id
        org.add(item)
        made[key] = item
    org.flush()
    return made


@pytest.fixture
def sign_in(client: TestClient, org: Session, now: datetime) -> SignIn:
    """Sign `username` in with a session cookie minted directly (no password hashing)."""

    def _sign_in(username: str) -> None:
        client.cookies.clear()
        user = user_named(org, username)
        token = issue_token(user, kind=TokenKind.SESSION, now=now, settings=get_settings())
        client.cookies.set(SESSION_COOKIE, token)

    return _sign_in


def counts(html: str) -> dict[str, int]:
    """The headline counts by their cell id (count-open, count-overdue, ...)."""
    return {k: int(v) for k, v in re.findall(r'<td id="count-([a-z-]+)"[^>]*>(\d+)</td>', html)}


def cells(html: str, row_attr: str) -> list[str]:
    """The text of the cells of the table row carrying `row_attr` (e.g. data-unit="CCHC")."""
    match = re.search(rf"<tr[^>]* {row_attr}[^>]*>(.*?)</tr>", html, re.S)
    assert match, row_attr
    raw = re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    return [re.sub(r"<[^>]+>", "", c).strip() for c in raw]


def row_attrs(html: str, table_id: str, attr: str) -> list[str]:
    """The `attr` values of a table's rows, in order."""
    match = re.search(rf'<table id="{table_id}"[^>]*>(.*?)</table>', html, re.S)
    return re.findall(rf'{attr}="([^"]+)"', match.group(1)) if match else []


def overdue_titles(html: str) -> list[str]:
    match = re.search(r'<table id="most-overdue"[^>]*>(.*?)</table>', html, re.S)
    return re.findall(r'<a href="/ui/items/\d+">([^<]+)</a>', match.group(1)) if match else []


# --- the dashboard -------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(client: TestClient) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/"


HEADLINES = {
    # open, overdue, due within 5 working days, awaiting review, done on time / late (2026)
    "gd.minh": (8, 4, 2, 1, 2, 1),
    "vp.cchc": (8, 4, 2, 1, 2, 1),
    "pgd.dong": (4, 2, 1, 1, 1, 1),  # CCHC, CCVC, VTLT
    "pgd.lan": (4, 2, 1, 0, 1, 0),  # TCBC, XDCQ, BTG
    "cchc.truong": (3, 2, 1, 1, 1, 1),  # led by CCHC only: t1 (CCHC supports) is TCBC's
    "cchc.linh": (3, 2, 1, 1, 0, 0),  # own; c6 was done last year, c7 cancelled
    "cchc.nam": (0, 0, 0, 0, 1, 1),
    "tt.binh": (0, 0, 0, 0, 0, 0),
}
OVERDUE_ORDER = {
    "gd.minh": ["Việc x1", "Việc c1", "Việc t1", "Việc c2"],
    "pgd.dong": ["Việc c1", "Việc c2"],
    "pgd.lan": ["Việc x1", "Việc t1"],
    "cchc.truong": ["Việc c1", "Việc c2"],
    "cchc.linh": ["Việc c1", "Việc c2"],
    "cchc.nam": [],
}


@pytest.mark.parametrize("username", sorted(HEADLINES))
def test_each_role_counts_its_own_scope(
    username: str, client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in(username)
    page = client.get("/")
    assert page.status_code == 200
    keys = ["open", "overdue", "due-soon", "awaiting-review", "done-on-time", "done-late"]
    assert counts(page.text) == dict(zip(keys, HEADLINES[username], strict=True))
    if username in OVERDUE_ORDER:
        assert overdue_titles(page.text) == OVERDUE_ORDER[username]


def test_unit_table_of_the_director(
    client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in("gd.minh")
    html = client.get("/").text
    # unit, open, overdue, done on time, done late, completion rate (done / counted this year)
    assert cells(html, 'data-unit="CCHC"') == [
        "Phòng Cải cách hành chính",
        "3",
        "2",
        "1",
        "1",
        "40%",
    ]
    assert cells(html, 'data-unit="TCBC"')[1:] == ["2", "1", "1", "0", "33,3%"]
    assert cells(html, 'data-unit="XDCQ"')[1:] == ["2", "1", "0", "0", "0%"]
    assert cells(html, 'data-unit="VTLT"')[1:] == ["1", "0", "0", "0", "0%"]
    # A unit without items this year has no rate: "0%" would read as "nothing done".
    assert cells(html, 'data-unit="TTRA"')[1:] == ["0", "0", "0", "0", "chưa có việc"]
    # Every unit but the board (which leads nothing here), in org chart order.
    order = ["VP", "TTRA", "TCBC", "XDCQ", "CCVC", "CCHC", "TDKT", "BTG", "VTLT"]
    assert row_attrs(html, "by-unit", "data-unit") == order
    # Plan areas: total, done on time, done late, in progress on track, overdue, rate.
    areas = row_attrs(html, "by-area", "data-area")
    assert len(areas) == 3 and areas[-1] == "other"
    assert cells(html, f'data-area="{areas[0]}"') == [
        "1. Cải cách thể chế",
        "5",
        "1",
        "1",
        "1",
        "2",
        "40%",
    ]
    assert cells(html, f'data-area="{areas[1]}"')[1:] == ["3", "1", "0", "1", "1", "33,3%"]
    assert cells(html, 'data-area="other"') == [
        "Nhiệm vụ khác (ngoài kế hoạch)",
        "3",
        "0",
        "0",
        "2",
        "1",
        "0%",
    ]


def test_a_deputy_sees_the_units_they_oversee(
    client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in("pgd.dong")
    html = client.get("/").text
    assert row_attrs(html, "by-unit", "data-unit") == ["CCVC", "CCHC", "VTLT"]
    assert "Phòng Công chức viên chức, Phòng Cải cách hành chính" in html
    assert 'href="/ui/team"' in html and 'id="nav-team"' in html


def test_an_officer_sees_only_their_own_items(
    client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in("cchc.linh")
    html = client.get("/").text
    assert 'id="by-unit"' not in html and 'id="nav-team"' not in html
    assert "Công việc được giao cho bạn" in html
    # Area progress of their own three open items (the cancelled and last year's are out).
    area = row_attrs(html, "by-area", "data-area")
    assert len(area) == 1 and cells(html, f'data-area="{area[0]}"')[1:] == [
        "3",
        "0",
        "0",
        "1",
        "2",
        "0%",
    ]
    links = re.findall(r'<a href="/ui/items/(\d+)">', html)
    assert {int(i) for i in links} == {items["c1"].id, items["c2"].id}
    # Every item listed opens for them.
    for item_id in links:
        assert client.get(f"/ui/items/{item_id}").status_code == 200


def test_the_dashboard_in_english(
    client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in("cchc.nam")  # profile language English
    html = client.get("/").text
    assert '<html lang="en">' in html
    assert "Done on time in 2026" in html and "Nothing is overdue." in html
    assert "Work assigned to you" in html
    sign_in("gd.minh")
    client.cookies.set(LANG_COOKIE, "en")
    html = client.get("/").text
    assert "Due within 5 working days" in html and "Most overdue work" in html
    assert cells(html, 'data-unit="TCBC"')[0] == "Organisation and Staffing Division"
    assert cells(html, 'data-unit="TCBC"')[-1] == "33.3%"
    assert cells(html, 'data-unit="TTRA"')[-1] == "no items"
    assert cells(html, 'data-area="other"')[0] == "Other tasks (outside the plan)"
    assert cells(html, 'data-unit="CCHC"')[0] == "Administrative Reform Division"
    assert cells(html, f'data-item-id="{items["x1"].id}"')[-1].endswith(" working days")


@pytest.mark.parametrize("username", sorted(VISIBILITY))
def test_the_work_scope_never_exceeds_what_the_user_sees(
    username: str, org: Session, items: dict[str, WorkItem]
) -> None:
    user = user_named(org, username)
    scope = work_scope(session=org, user=user)
    mine = set(
        org.exec(select(col(WorkItem.id)).where(*subset_filter(scope.unit_ids, scope.assignee_id)))
    )
    seen = set(org.exec(select(col(WorkItem.id)).where(visible_items(user))))
    assert mine <= seen


# --- the unit page -------------------------------------------------------------------------


def listed(html: str) -> list[str]:
    match = re.search(r'<table id="items"[^>]*>(.*?)</table>', html, re.S)
    return re.findall(r'<a href="/ui/items/\d+">([^<]+)</a>', match.group(1)) if match else []


def test_a_unit_head_sees_the_units_items_and_people(
    client: TestClient, items: dict[str, WorkItem], org: Session, sign_in: SignIn
) -> None:
    sign_in("cchc.truong")
    html = client.get("/ui/team").text
    # Open items led by CCHC, earliest deadline first; not t1, which CCHC only supports.
    assert listed(html) == ["Việc c1", "Việc c2", "Việc c3"]
    linh, nam = user_named(org, "cchc.linh"), user_named(org, "cchc.nam")
    head = user_named(org, "cchc.truong")
    # Per person: open, overdue; the unit's members with nothing open are listed too.
    assert cells(html, f'data-user-id="{linh.id}"') == ["Đinh Thị Linh", "3", "2"]
    assert cells(html, f'data-user-id="{nam.id}"') == ["Cao Văn Nam", "0", "0"]
    assert row_attrs(html, "by-person", "data-user-id")[0] == str(linh.id)
    assert str(head.id) in row_attrs(html, "by-person", "data-user-id")
    assert 'id="f-unit"' not in html  # one unit: nothing to choose


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=awaiting_review", ["Việc c3"]),
        ("state=all", [f"Việc c{n}" for n in (6, 1, 7, 4, 5, 2, 3)]),
        ("state=done", ["Việc c6", "Việc c4", "Việc c5"]),
        ("overdue=1", ["Việc c1", "Việc c2"]),
        ("overdue=1&state=in_progress", ["Việc c2"]),
        ("assignee={nam}&state=all", ["Việc c4", "Việc c5"]),
        ("assignee={linh}&overdue=1", ["Việc c1", "Việc c2"]),
        ("assignee={hoa}&state=all", []),  # TCBC's officer: not in CCHC's items
        ("unit=&assignee=&state=open", ["Việc c1", "Việc c2", "Việc c3"]),  # the empty form
    ],
)
def test_unit_page_filters(
    query: str,
    expected: list[str],
    client: TestClient,
    items: dict[str, WorkItem],
    org: Session,
    sign_in: SignIn,
) -> None:
    ids = {
        "linh": user_named(org, "cchc.linh").id,
        "nam": user_named(org, "cchc.nam").id,
        "hoa": user_named(org, "tcbc.hoa").id,
    }
    sign_in("cchc.truong")
    page = client.get(f"/ui/team?{query.format(**ids)}")
    assert page.status_code == 200
    assert listed(page.text) == expected


def test_a_deputy_filters_by_unit_within_their_scope(
    client: TestClient, items: dict[str, WorkItem], org: Session, sign_in: SignIn
) -> None:
    sign_in("pgd.lan")
    html = client.get("/ui/team").text
    assert listed(html) == ["Việc x1", "Việc t1", "Việc x2", "Việc t2"]
    choices = re.findall(
        r'<option value="(\d+)"', html.split('id="f-unit"')[1].split("</select>")[0]
    )
    assert [int(c) for c in choices] == [unit_coded(org, c).id for c in ("TCBC", "XDCQ", "BTG")]
    xdcq = unit_coded(org, "XDCQ").id
    assert listed(client.get(f"/ui/team?unit={xdcq}").text) == ["Việc x1", "Việc x2"]
    # Another deputy's unit: refused.
    cchc = unit_coded(org, "CCHC").id
    assert client.get(f"/ui/team?unit={cchc}").status_code == 403


def test_the_director_sees_every_unit(
    client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in("gd.minh")
    html = client.get("/ui/team?overdue=1").text
    assert listed(html) == ["Việc x1", "Việc c1", "Việc t1", "Việc c2"]


@pytest.mark.parametrize("username", ["cchc.linh", "vp.admin", "tt.binh"])
def test_officers_and_admins_are_refused(
    username: str, client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    sign_in(username)
    page = client.get("/ui/team")
    assert page.status_code == 403
    assert 'id="page-error"' in page.text and "Việc c1" not in page.text


def test_unit_page_in_english_and_signed_out(
    client: TestClient, items: dict[str, WorkItem], sign_in: SignIn
) -> None:
    r = client.get("/ui/team?overdue=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/ui/team%3Foverdue%3D1"
    sign_in("cchc.truong")
    client.cookies.set(LANG_COOKIE, "en")
    html = client.get("/ui/team").text
    assert "<h1>Work of the units</h1>" in html and ">Deadline</label>" in html
    assert 'id="nav-team">Units</a>' in html
    assert ">Awaiting review</td>" in html


def test_now_is_a_monday_morning(now: datetime) -> None:
    """The expectations above count 5 working days from Monday 2 March 2026."""
    assert now == datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
