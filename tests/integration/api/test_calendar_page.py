"""The working calendar page (/ui/calendar): the law's days off and special working days with
their names, overrides told apart, working days per month; the coordinator's and the
administrator's override forms (deadlines recomputed, the count in the notice), their
refusals (the page again with the reason, nothing written), and read-only for the others.

Signed in with a minted session cookie, as the browser would be after /login.
"""

from __future__ import annotations

import re
from datetime import date, datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.auth import TokenKind, issue_token
from tests.integration.api.conftest import make_item, user_named
from workflow.calendar import WorkCalendar, deadline_at
from workflow.models import CalendarOverride, WorkItem, WorkItemEvent
from workflow.settings import get_settings

CSRF = "calendar-page-csrf"


def browse_as(client: TestClient, org: Session, now: datetime, username: str) -> None:
    """The browser of `username`: a session cookie and the CSRF cookie its forms echo."""
    client.cookies.clear()
    user = user_named(org, username)
    token = issue_token(user, kind=TokenKind.SESSION, now=now, settings=get_settings())
    client.cookies.set("pf_session", token)
    client.cookies.set("pf_csrf", CSRF)


def send(client: TestClient, url: str, data: dict[str, str]) -> httpx.Response:
    return client.post(url, data={"csrf_token": CSRF, **data}, follow_redirects=False)


def row_of(page: str, day: str) -> str:
    """The table row of `day` (ISO) on the page."""
    found = re.search(rf'<tr data-day="{day}"[^>]*>(.*?)</tr>', page, re.S)
    assert found, f"no row for {day}"
    return found.group(0)


def month_count(page: str, month: int | str) -> int:
    found = re.search(rf'data-month="{month}">(\d+)<', page)
    assert found
    return int(found.group(1))


def page_error(r: httpx.Response) -> str:
    found = re.search(r'id="calendar-error"[^>]*>(.*?)</div>', r.text, re.S)
    assert found, r.text[:500]
    return re.sub(r"<[^>]+>", " ", found.group(1)).strip()


def overrides(org: Session) -> list[tuple[date, bool, str]]:
    org.expire_all()
    rows = org.exec(select(CalendarOverride).order_by(CalendarOverride.day)).all()  # type: ignore[arg-type]
    return [(o.day, o.is_working, o.reason) for o in rows]


@pytest.fixture
def counted_item(org: Session, now: datetime) -> WorkItem:
    """An open item due 10 working days after Monday 2 March 2026 (Monday 16 March)."""
    item = make_item(org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong")
    due = deadline_at(WorkCalendar().add_working_days(item.start_on, 10))
    item.due_working_days, item.due_at, item.original_due_at = 10, due, due
    org.flush()
    return item


def test_signed_out_goes_to_login(client: TestClient) -> None:
    r = client.get("/ui/calendar?year=2026", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/ui/calendar%3Fyear%3D2026"
    r = client.post(
        "/ui/calendar/overrides",
        data={"day": "2026-04-18", "kind": "working", "reason": "x"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_2026_lists_tet_and_national_day_with_names(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "cchc.linh")
    page = client.get("/ui/calendar").text  # this year by the request's clock: 2026
    assert "Lịch làm việc năm 2026" in page
    assert 'href="/ui/calendar?year=2025"' in page and 'href="/ui/calendar?year=2027"' in page
    assert 'id="nav-calendar"' in page and "Lịch làm việc</a>" in page
    tet = {
        "2026-02-16": "Giao thừa Tết Nguyên Đán",
        "2026-02-17": "Tết Nguyên Đán",
        "2026-02-18": "Mùng hai Tết Nguyên Đán",
        "2026-02-19": "Mùng ba Tết Nguyên Đán",
        "2026-02-20": "Mùng bốn Tết Nguyên Đán",
    }
    for day, name in tet.items():
        row = row_of(page, day)
        assert name in row and "Nghỉ lễ, Tết" in row and ">Nghỉ</td>" in row
    national = row_of(page, "2026-09-02")
    assert "Quốc khánh" in national and "Thứ Tư" in national
    # Giỗ Tổ on a Sunday: the Monday after is the day off in lieu.
    assert "trùng ngày nghỉ hằng tuần" in row_of(page, "2026-04-26")
    assert "Nghỉ bù" in row_of(page, "2026-04-27")
    # The 2026 swap: Saturday 22 August worked for Monday 31 August off.
    worked = row_of(page, "2026-08-22")
    assert "Làm bù" in worked and "31/08/2026" in worked and ">Làm việc</td>" in worked
    assert "Nghỉ hoán đổi" in row_of(page, "2026-08-31")
    # February 2026 has 20 weekdays, 5 of them Tết.
    assert month_count(page, 2) == 15
    assert "Điều chỉnh:" not in page  # no override yet


def test_english_page(client: TestClient, org: Session, now: datetime) -> None:
    browse_as(client, org, now, "cchc.linh")
    client.cookies.set("pf_lang", "en")
    page = client.get("/ui/calendar?year=2026").text
    assert "Working calendar 2026" in page and "Working days per month" in page
    assert "Lunar New Year" in row_of(page, "2026-02-17")
    national = row_of(page, "2026-09-02")
    assert "National Day" in national and "Wednesday" in national and "Public holiday" in national
    assert "Tết Nguyên Đán" not in page
    assert "Only the coordinator" in page


def test_override_moves_an_open_deadline_and_removing_restores_it(
    client: TestClient, org: Session, now: datetime, counted_item: WorkItem
) -> None:
    original = counted_item.due_at
    browse_as(client, org, now, "vp.cchc")
    page = client.get("/ui/calendar?year=2026").text
    assert 'id="override-form"' in page
    march = month_count(page, 3)
    r = send(
        client,
        "/ui/calendar/overrides",
        {
            "day": "2026-03-05",
            "kind": "off",
            "reason": "QĐ 12/QĐ-UBND ngày 01/03/2026",
            "year": "2026",
        },
    )
    assert r.status_code == 303
    assert r.headers["location"].startswith("/ui/calendar?year=2026&done=added")
    page = client.get(r.headers["location"]).text
    notice = re.search(r'id="calendar-notice"[^>]*>([^<]+)<', page)
    assert notice and "05/03/2026" in notice.group(1)
    assert "hạn xử lý của 1 công việc" in notice.group(1)
    row = row_of(page, "2026-03-05")
    assert 'class="override' in row and "Điều chỉnh: nghỉ" in row
    assert "QĐ 12/QĐ-UBND ngày 01/03/2026" in row
    assert f"Nhập bởi {user_named(org, 'vp.cchc').full_name}, lúc 02/03/2026 09:00" in row
    assert ">Nghỉ</td>" in row and month_count(page, 3) == march - 1
    org.expire_all()
    moved = org.get(WorkItem, counted_item.id)
    assert moved is not None
    assert moved.due_at == deadline_at(date(2026, 3, 17)) != original
    events = org.exec(select(WorkItemEvent).where(WorkItemEvent.work_item_id == moved.id)).all()
    assert "calendar_recomputed" in [e.action for e in events]

    r = send(client, "/ui/calendar/overrides/remove", {"day": "2026-03-05", "year": "2026"})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "Đã bỏ điều chỉnh ngày 05/03/2026" in page and "của 1 công việc" in page
    assert 'data-day="2026-03-05"' not in page and month_count(page, 3) == march
    org.expire_all()
    restored = org.get(WorkItem, counted_item.id)
    assert restored is not None and restored.due_at == original
    assert overrides(org) == []


def test_admin_declares_a_working_saturday(
    client: TestClient, org: Session, now: datetime, counted_item: WorkItem
) -> None:
    browse_as(client, org, now, "vp.admin")
    r = send(
        client,
        "/ui/calendar/overrides",
        {"day": "07/03/2026", "kind": "working", "reason": "Thông báo 5/TB-VP"},
    )
    assert r.status_code == 303 and "moved=1" in r.headers["location"]
    assert overrides(org) == [(date(2026, 3, 7), True, "Thông báo 5/TB-VP")]
    # The administrator's profile language is English.
    page = client.get(r.headers["location"]).text
    assert "Open work items whose deadline was recomputed: 1." in page
    row = row_of(page, "2026-03-07")
    assert "Override: working day" in row and ">Working day</td>" in row and "Saturday" in row
    org.expire_all()
    item = org.get(WorkItem, counted_item.id)
    assert item is not None and item.due_at == deadline_at(date(2026, 3, 13))


def test_officer_reads_only_and_may_not_post(
    client: TestClient, org: Session, now: datetime, counted_item: WorkItem
) -> None:
    org.add(CalendarOverride(day=date(2026, 4, 6), is_working=False, reason="QĐ 3", created_at=now))
    org.flush()
    original = counted_item.due_at
    browse_as(client, org, now, "cchc.linh")
    page = client.get("/ui/calendar?year=2026").text
    assert "QĐ 3" in row_of(page, "2026-04-06")
    assert 'id="override-form"' not in page and "remove-form" not in page
    assert 'id="calendar-read-only"' in page
    before = overrides(org)
    r = send(client, "/ui/calendar/overrides", {"day": "2026-03-05", "kind": "off", "reason": "x"})
    assert r.status_code == 403 and "không có quyền" in page_error(r)
    r = send(client, "/ui/calendar/overrides/remove", {"day": "2026-04-06"})
    assert r.status_code == 403
    assert overrides(org) == before
    org.expire_all()
    item = org.get(WorkItem, counted_item.id)
    assert item is not None and item.due_at == original


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"day": "2026-03-05", "kind": "off", "reason": "  "}, "Cần ghi lý do"),
        ({"day": "2026-02-30", "kind": "off", "reason": "QĐ 1"}, "Ngày không hợp lệ"),
        ({"day": "2026-03-05", "kind": "maybe", "reason": "QĐ 1"}, "Chọn ngày này là"),
        ({"day": "2026-03-05", "kind": "off", "reason": "x" * 501}, "tối đa 500 ký tự"),
    ],
)
def test_bad_input_shows_the_page_again(
    client: TestClient,
    org: Session,
    now: datetime,
    counted_item: WorkItem,
    data: dict[str, str],
    message: str,
) -> None:
    original = counted_item.due_at
    browse_as(client, org, now, "vp.cchc")
    r = send(client, "/ui/calendar/overrides", {**data, "year": "2026"})
    assert r.status_code == 422
    assert message in page_error(r)
    assert "Lịch làm việc năm 2026" in r.text and 'id="override-form"' in r.text
    # What was typed comes back, a date shown day first as the field takes it.
    shown = (
        "/".join(reversed(data["day"].split("-"))) if data["day"] != "2026-02-30" else data["day"]
    )
    assert f'value="{shown}"' in r.text
    assert overrides(org) == []
    org.expire_all()
    item = org.get(WorkItem, counted_item.id)
    assert item is not None and item.due_at == original


def test_removing_a_missing_override_is_refused_in_english(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    client.cookies.set("pf_lang", "en")
    r = send(client, "/ui/calendar/overrides/remove", {"day": "2026-04-06", "year": "2026"})
    assert r.status_code == 404
    assert "There is no override for 06/04/2026" in page_error(r)
    r = send(client, "/ui/calendar/overrides/remove", {"day": "not a day", "year": "2026"})
    assert r.status_code == 422 and "not a valid day" in page_error(r)


def test_a_form_without_the_csrf_token_writes_nothing(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = client.post(
        "/ui/calendar/overrides",
        data={"day": "2026-03-05", "kind": "off", "reason": "QĐ 1"},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert overrides(org) == []
