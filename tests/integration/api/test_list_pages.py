"""The list pages' filters, saved views, export and bulk forms, the search page and the
search/bulk API, through the app on PostgreSQL."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from datetime import datetime, timedelta

import openpyxl
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.auth import TokenKind, issue_token
from api.deps import CSRF_COOKIE, SESSION_COOKIE
from tests.integration.api.conftest import make_item, user_named
from workflow.models import Comment, SavedView, WorkItem
from workflow.settings import get_settings

CSRF = "list-pages-csrf"


def _sign_in(client: TestClient, org: Session, now: datetime, username: str) -> None:
    client.cookies.clear()
    token = issue_token(
        user_named(org, username), kind=TokenKind.SESSION, now=now, settings=get_settings()
    )
    client.cookies.set(SESSION_COOKIE, token)
    client.cookies.set(CSRF_COOKIE, CSRF)


def _listed(html: str) -> list[str]:
    table = re.search(r'<table id="items".*?</table>', html, re.S)
    found = re.findall(r'<a href="/ui/items/\d+">([^<]+)</a>', table.group(0)) if table else []
    return [html_lib.unescape(t) for t in found]


def _items(org: Session, now: datetime) -> dict[str, WorkItem]:
    kw = {"lead": "CCHC", "assignee": "cchc.linh", "assigner": "cchc.truong"}
    return {
        "late": make_item(
            org, now=now, title="Số hóa hồ sơ quá hạn", due_in_days=-2, state="in_progress", **kw
        ),
        "soon": make_item(org, now=now, title="=cmd|' /C calc'!A0", due_in_days=1, **kw),
        "later": make_item(org, now=now, title="Rà soát thủ tục", due_in_days=30, **kw),
        "other": make_item(
            org,
            now=now,
            title="Số hóa TCBC",
            lead="TCBC",
            assignee="tcbc.hoa",
            assigner="tcbc.truong",
        ),
    }


def test_filters_in_the_url_and_bad_values(client: TestClient, org: Session, now: datetime) -> None:
    _items(org, now)
    _sign_in(client, org, now, "cchc.linh")
    page = client.get("/my")
    assert _listed(page.text) == ["Số hóa hồ sơ quá hạn", "=cmd|' /C calc'!A0", "Rà soát thủ tục"]
    assert 'id="site-search"' in page.text  # the search box is in every page's header
    assert _listed(client.get("/my?flag=overdue").text) == ["Số hóa hồ sơ quá hạn"]
    assert _listed(client.get("/my?state=in_progress&state=assigned&sort=-due_at").text) == [
        "Rà soát thủ tục",
        "=cmd|' /C calc'!A0",
        "Số hóa hồ sơ quá hạn",
    ]
    bad = client.get("/my?state=finished&due_from=32/01/2026")
    assert bad.status_code == 422
    error = re.search(r'id="filter-error"[^>]*>([^<]+)<', bad.text)
    assert error and "Trạng thái" in error.group(1) and "Hạn từ ngày" in error.group(1)
    assert _listed(bad.text) == []


def test_export_matches_the_filtered_list(client: TestClient, org: Session, now: datetime) -> None:
    _items(org, now)
    _sign_in(client, org, now, "cchc.truong")
    shown = _listed(client.get("/ui/team?state=all&sort=-due_at").text)
    assert len(shown) == 3
    r = client.get("/ui/export/team/xlsx?state=all&sort=-due_at")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(r.content)).active
    assert ws is not None
    assert ws["A2"].value == "Bộ lọc: state=all&sort=-due_at"
    titles = [ws.cell(row=n, column=2).value for n in range(5, ws.max_row + 1)]
    assert titles == shown
    formula = ws.cell(row=5 + shown.index("=cmd|' /C calc'!A0"), column=2)
    assert formula.data_type == "s" and formula.quotePrefix
    r = client.get("/ui/export/team/csv?flag=overdue")
    assert r.content.startswith(b"\xef\xbb\xbf") and r.headers["content-type"].startswith(
        "text/csv"
    )
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row[1] for row in rows[1:]] == ["Số hóa hồ sơ quá hạn"]
    # An officer has no unit page, so no unit export; a bad filter is refused by name.
    _sign_in(client, org, now, "cchc.linh")
    assert client.get("/ui/export/team/csv").status_code == 403
    assert client.get("/ui/export/my/csv?flag=late").status_code == 422


def test_saved_views_from_the_page(client: TestClient, org: Session, now: datetime) -> None:
    _items(org, now)
    _sign_in(client, org, now, "cchc.linh")
    r = client.post(
        "/ui/views",
        data={"csrf_token": CSRF, "list": "my", "name": "Việc quá hạn", "query": "flag=overdue"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/my?flag=overdue"
    page = client.get("/my").text
    assert re.search(r'<a href="/my\?flag=overdue"[^>]*>Việc quá hạn</a>', page)
    view = org.exec(select(SavedView)).one()
    # Another person's view cannot be deleted; one's own can.
    _sign_in(client, org, now, "cchc.nam")
    assert client.post(f"/ui/views/{view.id}/delete", data={"csrf_token": CSRF}).status_code == 403
    _sign_in(client, org, now, "cchc.linh")
    r = client.post(
        f"/ui/views/{view.id}/delete", data={"csrf_token": CSRF}, follow_redirects=False
    )
    assert r.status_code == 303
    assert org.exec(select(SavedView)).all() == []
    bad = client.post(
        "/ui/views", data={"csrf_token": CSRF, "list": "my", "name": "x", "query": "unit=a"}
    )
    assert bad.status_code == 422 and "Đơn vị chủ trì" in bad.text


def test_bulk_form_names_each_refusal(client: TestClient, org: Session, now: datetime) -> None:
    items = _items(org, now)
    _sign_in(client, org, now, "cchc.truong")
    page = client.get("/ui/team").text
    assert 'id="bulk"' in page and 'form="bulk" name="ids"' in page
    day = (now + timedelta(days=45)).strftime("%Y-%m-%d")
    r = client.post(
        "/ui/items/bulk",
        data={
            "csrf_token": CSRF,
            "action": "extend",
            "ids": [str(items["late"].id), str(items["other"].id)],
            "due_on": day,
            "reason": "Chờ hướng dẫn",
            "back": "/ui/team?flag=overdue",
        },
    )
    assert r.status_code == 200
    assert re.search(rf'id="bulk-done-list"><li data-item-id="{items["late"].id}"', r.text)
    refused = re.search(
        rf'<tr data-item-id="{items["other"].id}" data-code="not_found">.*?</tr>', r.text, re.S
    )
    assert refused and "Không tìm thấy công việc" in refused.group(0)
    assert 'href="/ui/team?flag=overdue" id="bulk-back"' in r.text
    org.refresh(items["late"])
    assert items["late"].due_at.strftime("%Y-%m-%d") >= day
    # Officers get no checkboxes.
    _sign_in(client, org, now, "cchc.linh")
    assert 'id="bulk"' not in client.get("/my").text


def test_search_page_and_api(client: TestClient, org: Session, now: datetime, auth_for) -> None:  # type: ignore[no-untyped-def]
    items = _items(org, now)
    org.add(
        Comment(
            work_item_id=items["later"].id or 0,
            author_id=items["later"].assignee_id,
            body="Cần số hóa toàn bộ",
            created_at=now,
        )
    )
    org.flush()
    _sign_in(client, org, now, "cchc.linh")
    page = client.get("/ui/search", params={"q": "so hoa"})
    assert page.status_code == 200
    hits = re.findall(r'<li data-kind="(\w+)" data-id="(\d+)">', page.text)
    # Her two items' matches (title first, then the comment); never TCBC's item.
    assert hits[0] == ("item", str(items["late"].id))
    assert ("comment", str(org.exec(select(Comment)).one().id)) in hits
    assert len(hits) == 2
    assert "<mark>Số</mark> <mark>hóa</mark>" in page.text
    assert client.get("/ui/search", params={"q": "!!"}).status_code == 422
    api = client.get("/search", params={"q": "SO HOA"}, headers=auth_for("tcbc.hoa"))
    assert api.status_code == 200
    body = api.json()
    assert [h["title"] for h in body["hits"]] == ["Số hóa TCBC"]
    assert body["hits"][0]["url"] == f"/ui/items/{items['other'].id}"
    problem = client.get("/search", params={"q": "  "}, headers=auth_for("tcbc.hoa"))
    assert problem.status_code == 422 and problem.headers["content-type"].startswith(
        "application/problem+json"
    )


def test_bulk_api(client: TestClient, org: Session, now: datetime, auth_for) -> None:  # type: ignore[no-untyped-def]
    items = _items(org, now)
    nam = user_named(org, "cchc.nam")
    r = client.post(
        "/items/bulk",
        json={
            "action": "reassign",
            "item_ids": [items["soon"].id, items["other"].id],
            "assignee_id": nam.id,
        },
        headers=auth_for("cchc.truong"),
    )
    assert r.status_code == 200
    body = r.json()
    assert (body["done"], body["refused"]) == (1, 1)
    assert body["outcomes"][1] == {
        "item_id": items["other"].id,
        "done": False,
        "code": "not_found",
        "detail": f"work item {items['other'].id} not found",
    }
    r = client.post(
        "/items/bulk",
        json={"action": "cancel", "item_ids": [items["soon"].id]},
        headers=auth_for("cchc.truong"),
    )
    assert r.status_code == 422
