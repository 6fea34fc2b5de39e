"""The web UI: cookie sign-in with CSRF, my items with deadline flags, item page, plan tree."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth import set_password
from tests.integration.api.conftest import Sample, make_item, reset_links, user_named

PASSWORD = "mat-khau-giao-dien-1"


@pytest.fixture
def linh(org: Session) -> str:
    set_password(session=org, user=user_named(org, "cchc.linh"), password=PASSWORD)
    org.flush()
    return "cchc.linh"


def csrf_of(client: TestClient) -> str:
    page = client.get("/login")
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match
    return match.group(1)


def sign_in(client: TestClient, username: str, password: str = PASSWORD) -> object:
    token = csrf_of(client)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": "/my"},
        follow_redirects=False,
    )


def test_pages_redirect_to_login(client: TestClient) -> None:
    r = client.get("/my", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/my"


def test_sign_in_shows_my_items_with_flags(
    client: TestClient, linh: str, org: Session, now: datetime, sample: Sample
) -> None:
    make_item(
        org,
        now=now,
        lead="CCHC",
        assignee=linh,
        assigner="cchc.truong",
        title="Quá hạn rồi",
        due_in_days=-2,
    )
    make_item(
        org,
        now=now,
        lead="CCHC",
        assignee=linh,
        assigner="cchc.truong",
        title="Sắp đến hạn",
        due_in_days=1,
    )
    r = sign_in(client, linh)
    assert r.status_code == 303 and r.headers["location"] == "/my"
    assert "httponly" in r.headers["set-cookie"].lower()
    page = client.get("/my")
    assert page.status_code == 200
    assert "Công việc của tôi" in page.text
    assert re.search(r'<tr class="overdue"[^>]*>\s*<td><a[^>]*>Quá hạn rồi', page.text)
    assert re.search(r'<tr class="due_soon"[^>]*>\s*<td><a[^>]*>Sắp đến hạn', page.text)
    # Scope: B (CCHC supports) is listed, C (XDCQ only) is not.
    assert ">B</a>" in page.text and ">C</a>" not in page.text
    assert client.get(f"/ui/items/{sample.cchc.id}").status_code == 200
    assert client.get(f"/ui/items/{sample.xdcq.id}").status_code == 404


def test_wrong_password_and_missing_csrf_are_refused(client: TestClient, linh: str) -> None:
    assert sign_in(client, linh, "sai-mat-khau-000").status_code == 401
    r = client.post(
        "/login",
        data={"username": linh, "password": PASSWORD, "csrf_token": "forged"},
        follow_redirects=False,
    )
    assert r.status_code == 403


def test_cookie_session_needs_csrf_for_unsafe_api_calls(client: TestClient, linh: str) -> None:
    sign_in(client, linh)
    assert client.get("/me").status_code == 200  # safe method: cookie is enough
    r = client.patch("/me", json={"language": "en"})
    assert r.status_code == 403
    token = client.cookies.get("pf_csrf")
    assert token
    ok = client.patch("/me", json={"language": "en"}, headers={"X-CSRF-Token": token})
    assert ok.status_code == 200 and ok.json()["language"] == "en"


def test_english_switch(client: TestClient, linh: str) -> None:
    sign_in(client, linh)
    client.get("/lang/en?next=/my")
    page = client.get("/my")
    assert "My work items" in page.text


def test_a_first_visit_follows_the_browser_language_until_a_choice_or_a_profile(
    client: TestClient, linh: str
) -> None:
    english = {"Accept-Language": "en-GB,en;q=0.9"}
    assert '<html lang="en">' in client.get("/login", headers=english).text
    assert '<html lang="vi">' in client.get("/login").text
    assert (
        '<html lang="vi">' in client.get("/login", headers={"Accept-Language": "fr, vi;q=0.5"}).text
    )
    sign_in(client, linh)  # her profile says Vietnamese: it wins over an English browser
    assert '<html lang="vi">' in client.get("/my", headers=english).text


def test_open_redirects_are_refused(client: TestClient, linh: str) -> None:
    token = csrf_of(client)
    r = client.post(
        "/login",
        data={
            "username": linh,
            "password": PASSWORD,
            "csrf_token": token,
            "next": "//evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/my"


def test_logout_clears_the_session(client: TestClient, linh: str) -> None:
    sign_in(client, linh)
    token = client.cookies.get("pf_csrf")
    client.post("/logout", data={"csrf_token": token}, follow_redirects=False)
    assert client.get("/my", follow_redirects=False).status_code == 303


def test_reset_link_page_sets_a_new_password(client: TestClient, org: Session, linh: str) -> None:
    client.post("/auth/password-reset", json={"login": linh})
    path = reset_links(org, linh)[0].split("127.0.0.1:8000", 1)[1]
    form = client.get(path)
    assert form.status_code == 200 and "Đặt lại mật khẩu" in form.text
    token = re.search(r'name="token" value="([^"]+)"', form.text)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token and csrf
    done = client.post(
        "/reset-password",
        data={
            "token": token.group(1),
            "password": "mat-khau-moi-qua-link",
            "password_confirm": "mat-khau-moi-qua-link",
            "csrf_token": csrf.group(1),
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert sign_in(client, linh, "mat-khau-moi-qua-link").status_code == 303
