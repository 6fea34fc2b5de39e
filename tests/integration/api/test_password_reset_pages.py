"""The forgotten-password pages: the sign-in page's link, the request form with its one
neutral answer, and the page a mailed link opens to set a new password (real PostgreSQL)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlmodel import Session, col, select

from api.auth import set_password, verify_password
from api.deps import get_now
from notifications.models import Notification
from tests.integration.api.conftest import reset_links, user_named

OLD = "mat-khau-cu-123"
NEW = "mat-khau-moi-456"


@pytest.fixture
def linh(org: Session) -> str:
    set_password(session=org, user=user_named(org, "cchc.linh"), password=OLD)
    org.flush()
    return "cchc.linh"


def _field(page: Response, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', page.text)
    assert found, f"no {name} field"
    return found.group(1)


def _ask(client: TestClient, login: str) -> Response:
    """Fill in the forgotten-password form as a browser would, following the redirect."""
    form = client.get("/forgot-password")
    assert form.status_code == 200
    return client.post(
        "/forgot-password", data={"login": login, "csrf_token": _field(form, "csrf_token")}
    )


def _link_path(org: Session, username: str, index: int = -1) -> str:
    return reset_links(org, username)[index].split("127.0.0.1:8000", 1)[1]


def _set(client: TestClient, path: str, password: str, confirm: str | None = None) -> Response:
    """Open the mailed link and submit the new password twice."""
    page = client.get(path)
    assert page.status_code == 200, page.text
    return client.post(
        "/reset-password",
        data={
            "token": _field(page, "token"),
            "password": password,
            "password_confirm": password if confirm is None else confirm,
            "csrf_token": _field(page, "csrf_token"),
        },
        follow_redirects=False,
    )


def _sign_in(client: TestClient, username: str, password: str) -> Response:
    form = client.get("/login")
    return client.post(
        "/login",
        data={
            "username": username,
            "password": password,
            "csrf_token": _field(form, "csrf_token"),
            "next": "/my",
        },
        follow_redirects=False,
    )


def _reset_rows(org: Session) -> list[Notification]:
    query = select(Notification).where(Notification.kind == "password_reset")
    return list(org.exec(query.order_by(col(Notification.id))).all())


def test_forgotten_password_from_the_sign_in_page_to_signing_in_with_the_new_one(
    client: TestClient, org: Session, linh: str
) -> None:
    login = client.get("/login")
    assert '<a href="/forgot-password" id="forgot-link">Quên mật khẩu?</a>' in login.text

    answer = _ask(client, user_named(org, linh).email.upper())  # an address, any case
    assert answer.status_code == 200 and str(answer.url).endswith("/forgot-password?sent=1")
    assert 'id="forgot-sent"' in answer.text and "có hiệu lực trong 2 giờ" in answer.text

    rows = _reset_rows(org)
    assert [(r.recipient_email, r.status) for r in rows] == [
        ("cchc.linh@sonoivu.example.vn", "pending")
    ]
    page = client.get(_link_path(org, linh))
    assert page.status_code == 200
    assert '<strong id="reset-username">cchc.linh</strong>' in page.text

    done = _set(client, _link_path(org, linh), NEW)
    assert done.status_code == 303 and done.headers["location"] == "/login?reset=1"
    notice = client.get("/login?reset=1")
    assert 'id="login-notice"' in notice.text and "Đã đặt mật khẩu mới" in notice.text

    assert _sign_in(client, linh, OLD).status_code == 401
    signed_in = _sign_in(client, linh, NEW)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/my"


def test_unknown_inactive_and_known_accounts_get_the_same_answer(
    client: TestClient, org: Session, linh: str
) -> None:
    nam = user_named(org, "cchc.nam")
    nam.is_active = False
    org.add(nam)
    org.flush()
    answers = [
        _ask(client, login)
        for login in ("nobody@sonoivu.example.vn", "cchc.nam", "cchc.linh@sonoivu.example.vn")
    ]
    assert {(a.status_code, str(a.url), a.text) for a in answers} == {
        (answers[0].status_code, str(answers[0].url), answers[0].text)
    }
    assert [r.recipient_email for r in _reset_rows(org)] == ["cchc.linh@sonoivu.example.vn"]


def test_an_expired_link_is_refused_and_changes_nothing(
    client: TestClient, app: FastAPI, org: Session, now: datetime, linh: str
) -> None:
    _ask(client, linh)
    path = _link_path(org, linh)
    form = client.get(path)  # opened in time, submitted too late
    app.dependency_overrides[get_now] = lambda: now + timedelta(hours=2, seconds=1)
    late = client.post(
        "/reset-password",
        data={
            "token": _field(form, "token"),
            "password": NEW,
            "password_confirm": NEW,
            "csrf_token": _field(form, "csrf_token"),
        },
    )
    assert late.status_code == 400 and 'id="reset-invalid"' in late.text
    assert "đã hết hạn hoặc đã được sử dụng" in late.text and 'name="password"' not in late.text
    reopened = client.get(path)
    assert reopened.status_code == 400 and 'id="reset-invalid"' in reopened.text
    assert '<a href="/forgot-password" id="reset-again">' in reopened.text
    org.expire_all()
    assert verify_password(OLD, user_named(org, linh).password_hash)


def test_a_used_or_forged_link_is_refused(client: TestClient, org: Session, linh: str) -> None:
    _ask(client, linh)
    path = _link_path(org, linh)
    form = client.get(path)
    assert _set(client, path, NEW).status_code == 303
    again = client.post(
        "/reset-password",
        data={
            "token": _field(form, "token"),
            "password": "mat-khau-thu-ba-789",
            "password_confirm": "mat-khau-thu-ba-789",
            "csrf_token": _field(form, "csrf_token"),
        },
    )
    assert again.status_code == 400 and 'id="reset-invalid"' in again.text
    assert client.get(path).status_code == 400
    forged = client.get(path[:-4] + "AAAA")
    assert forged.status_code == 400 and 'id="reset-invalid"' in forged.text
    assert client.get("/reset-password").status_code == 400  # no token at all
    org.expire_all()
    assert verify_password(NEW, user_named(org, linh).password_hash)


def test_a_bad_new_password_or_missing_csrf_keeps_the_link_usable(
    client: TestClient, org: Session, linh: str
) -> None:
    _ask(client, linh)
    path = _link_path(org, linh)
    short = _set(client, path, "ngan")
    assert short.status_code == 400 and "ít nhất 10 ký tự" in short.text
    differ = _set(client, path, NEW, confirm=NEW + "x")
    assert differ.status_code == 400 and "không khớp" in differ.text
    form = client.get(path)
    forged = client.post(
        "/reset-password",
        data={
            "token": _field(form, "token"),
            "password": NEW,
            "password_confirm": NEW,
            "csrf_token": "forged",
        },
    )
    assert forged.status_code == 403 and 'name="token"' in forged.text
    org.expire_all()
    assert verify_password(OLD, user_named(org, linh).password_hash)
    assert _set(client, path, NEW).status_code == 303  # the link still works once


def test_the_request_form_needs_its_csrf_token(client: TestClient, org: Session, linh: str) -> None:
    client.get("/forgot-password")
    refused = client.post("/forgot-password", data={"login": linh, "csrf_token": "forged"})
    assert refused.status_code == 403 and 'id="forgot-error"' in refused.text
    assert _reset_rows(org) == []


def test_pages_speak_english_to_english_speakers(
    client: TestClient, org: Session, linh: str
) -> None:
    user = user_named(org, linh)
    user.language = "en"
    org.add(user)
    org.flush()
    # Nobody is known before the request: the switch decides, never the account.
    assert "If the username or e-mail you entered" not in _ask(client, linh).text
    # The link's page speaks the account's language, as its mail did.
    page = client.get(_link_path(org, linh))
    assert "<h1>Reset password</h1>" in page.text
    assert "New password (10 characters or more)" in page.text
    client.cookies.set("pf_lang", "en")
    assert "Forgot your password?" in client.get("/login").text
    answer = _ask(client, "nobody")
    assert "If the username or e-mail you entered belongs to an active account" in answer.text
    assert "valid for 2 hours" in answer.text


def test_requests_for_one_account_are_rate_limited_without_saying_so(
    client: TestClient, app: FastAPI, org: Session, now: datetime, linh: str
) -> None:
    answers = []
    for minute in range(7):
        # A minute apart: each accepted request is a new mail (dedup keys name the second).
        app.dependency_overrides[get_now] = lambda m=minute: now + timedelta(minutes=m)
        answers.append(_ask(client, linh).text)
    api = client.post("/auth/password-reset", json={"login": linh})
    assert api.status_code == 202 and api.json() == {"status": "accepted"}
    assert len(set(answers)) == 1
    assert len(_reset_rows(org)) == 5  # reset_rate_per_account, 5/hour
