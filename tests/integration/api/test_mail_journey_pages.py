"""From a mail's link to the page: sign-in and back, role homes, error pages that know who
is signed in, the notification settings page and the unsubscribe link that lands there."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.pages.ui import is_local_path, safe_next
from notifications.models import NotificationPreference
from notifications.preferences import unsubscribe_url
from tests.integration.api.conftest import (
    PAGE_PASSWORD,
    Sample,
    signed_in,
    user_named,
)
from workflow.settings import get_settings


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/ui/items/1",
        "javascript:alert(1)",
        "ui/items/1",
        "/ui/items/1\r\nSet-Cookie: x=1",
        "/ui/items/1\x00",
        "/\tevil",
        "/ui items",
        "",
        "/" + "a" * 2001,
    ],
)
def test_next_refuses_anything_but_a_same_site_path(target: str) -> None:
    assert not is_local_path(target)
    assert safe_next(target, "/home") == "/home"


def test_next_keeps_a_same_site_path_with_its_query() -> None:
    for target in ("/ui/items/7", "/ui/reports/3?x=1", "/", "/ui/settings/notifications"):
        assert is_local_path(target) and safe_next(target) == target


def _login(client: TestClient, org: Session, username: str, next_: str | None) -> str:
    """POST the sign-in form (with `next` as the page carried it); the redirect's target."""
    from api.auth import set_password

    set_password(session=org, user=user_named(org, username), password=PAGE_PASSWORD)
    org.flush()
    page = client.get("/login" + (f"?next={next_}" if next_ else ""))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    carried = re.search(r'name="next" value="([^"]*)"', page.text)
    assert csrf and carried
    r = client.post(
        "/login",
        data={
            "username": username,
            "password": PAGE_PASSWORD,
            "csrf_token": csrf.group(1),
            "next": carried.group(1),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    return str(r.headers["location"])


def test_a_mail_link_signed_out_goes_through_sign_in_and_back(
    client: TestClient, org: Session, sample: Sample
) -> None:
    path = f"/ui/items/{sample.cchc.id}"
    r = client.get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/login?next={path}"
    assert _login(client, org, "cchc.linh", path) == path
    page = client.get(path)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert sample.cchc.title in page.text


def test_sign_in_never_sends_anyone_off_the_site(client: TestClient, org: Session) -> None:
    assert _login(client, org, "cchc.linh", "//evil.example/x") == "/my"
    client.cookies.clear()
    assert _login(client, org, "cchc.linh", "https://evil.example/") == "/my"


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("cchc.linh", "/my"),  # officer: their own items
        ("cchc.truong", "/"),  # unit head: the dashboard
        ("pgd.dong", "/"),  # deputy director
        ("gd.minh", "/"),  # director
        ("vp.cchc", "/"),  # coordinator
        ("vp.admin", "/ui/plans"),  # administrator: the plans to distribute
    ],
)
def test_each_role_lands_on_its_home(
    client: TestClient, org: Session, username: str, home: str
) -> None:
    assert _login(client, org, username, None) == home
    # Signed in, the sign-in page sends them home too.
    r = client.get("/login", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == home


def test_error_pages_know_who_is_signed_in(
    client: TestClient, org: Session, sample: Sample
) -> None:
    visitor = client.get("/ui/nothing-here", headers={"accept": "text/html"})
    assert visitor.status_code == 404 and 'href="/login' in visitor.text
    # A browser's typo outside /ui is a page too; an API client still gets problem+json.
    typo = client.get("/no-such-page", headers={"accept": "text/html"})
    assert typo.status_code == 404 and typo.headers["content-type"].startswith("text/html")
    api = client.get("/no-such-page")
    assert api.headers["content-type"] == "application/problem+json"

    csrf = signed_in(client, org, "cchc.truong")
    # An API route's own 404 stays problem+json, even to a browser.
    hidden = client.get("/items/999999", headers={"accept": "text/html"})
    assert hidden.status_code == 404
    assert hidden.headers["content-type"] == "application/problem+json"
    for page in (
        client.get("/ui/nothing-here"),
        client.get("/ui/items/999999"),
        client.get("/no-such-page", headers={"accept": "text/html"}),
    ):
        assert page.status_code == 404
        assert "Đăng nhập" not in page.text and 'href="/login' not in page.text
        assert 'id="whoami"' in page.text and 'id="nav-my"' in page.text
        assert 'id="error-home" href="/"' in page.text or 'href="/" id="error-home"' in page.text
    refused = client.post(
        f"/ui/items/{sample.cchc.id}/actions/accept",
        data={"csrf_token": csrf},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "Đăng nhập" not in refused.text and 'id="whoami"' in refused.text
    # A form without its CSRF token: the problem page, still with the user's menu.
    stale = client.post("/ui/settings/notifications", data={"mode": "digest"})
    assert stale.status_code == 403 and 'id="page-error"' in stale.text
    assert 'id="whoami"' in stale.text and "Đăng nhập" not in stale.text


def test_an_api_route_signed_out_still_answers_json(client: TestClient, sample: Sample) -> None:
    r = client.get(f"/items/{sample.cchc.id}", headers={"accept": "text/html"})
    assert r.status_code == 401 and r.headers["content-type"] == "application/problem+json"


def test_the_settings_page_saves_every_choice(client: TestClient, org: Session) -> None:
    r = client.get("/ui/settings/notifications", follow_redirects=False)
    assert r.headers["location"] == "/login?next=/ui/settings/notifications"
    csrf = signed_in(client, org, "cchc.linh")
    page = client.get("/ui/settings/notifications")
    assert page.status_code == 200 and "Tùy chọn nhận thông báo" in page.text
    # Escalations are always sent: their box is ticked and cannot be changed.
    assert re.search(r'value="escalation" checked disabled', page.text)
    saved = client.post(
        "/ui/settings/notifications",
        data={
            "csrf_token": csrf,
            "kinds": ["assigned", "overdue", "escalation"],
            "mode": "digest",
            "digest_hour": "8",
            "quiet_start_hour": "21",
            "quiet_end_hour": "6",
            "language": "en",
        },
        follow_redirects=False,
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == "/ui/settings/notifications?saved=1"
    linh = user_named(org, "cchc.linh")
    org.expire_all()
    pref = org.get(NotificationPreference, linh.id)
    assert pref is not None
    assert (pref.mode, pref.digest_hour, pref.quiet_start_hour, pref.quiet_end_hour) == (
        "digest",
        8,
        21,
        6,
    )
    assert "assigned" not in pref.opted_out_kinds and "escalation" not in pref.opted_out_kinds
    assert {"reminder", "chase", "report"} <= set(pref.opted_out_kinds)
    assert user_named(org, "cchc.linh").language == "en"
    again = client.get("/ui/settings/notifications?saved=1")
    assert "Your notification settings are saved." in again.text
    assert 'value="reminder">' in again.text and 'value="assigned" checked' in again.text
    assert 'id="mode-digest" checked' in again.text and 'value="8" selected' in again.text
    # "One mail per event" instead of the grouped default (decision 0021), and back.
    for mode, grouped in (("immediate", False), ("grouped", True)):
        client.post(
            "/ui/settings/notifications",
            data={"csrf_token": csrf, "kinds": ["assigned"], "mode": mode, "digest_hour": "7"},
        )
        org.expire_all()
        pref = org.get(NotificationPreference, linh.id)
        assert pref is not None and (pref.mode, pref.grouped) == ("immediate", grouped)
        page = client.get("/ui/settings/notifications").text
        assert f'id="mode-{mode}" checked' in page


def test_bad_settings_are_refused_and_change_nothing(client: TestClient, org: Session) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    for bad in (
        {"quiet_start_hour": "21"},  # a start without an end
        {"digest_hour": "25"},
        {"mode": "weekly"},
        {"language": "fr"},
    ):
        r = client.post("/ui/settings/notifications", data={"csrf_token": csrf, **bad})
        assert r.status_code == 400 and 'id="settings-error"' in r.text, bad
    org.expire_all()
    linh = user_named(org, "cchc.linh")
    assert org.get(NotificationPreference, linh.id) is None and linh.language == "vi"


def test_the_unsubscribe_link_lands_on_the_settings_page(client: TestClient, org: Session) -> None:
    linh = user_named(org, "cchc.linh")
    link = unsubscribe_url(settings=get_settings(), user_id=linh.id, email=linh.email, kind="chase")
    path = link.split("://", 1)[1].split("/", 1)[1]
    # Signed out, the token's page (no sign-in needed) links to the settings.
    page = client.get(f"/{path}")
    assert page.status_code == 200 and 'href="/ui/settings/notifications"' in page.text
    # The recipient signed in lands on their settings with the opt-out offered on top.
    signed_in(client, org, "cchc.linh")
    r = client.get(f"/{path}", follow_redirects=False)
    assert r.status_code == 303
    settings_page = client.get(r.headers["location"])
    assert 'id="settings-unsubscribe"' in settings_page.text
    assert f'action="/{path}"' in settings_page.text
    done = client.post(f"/{path}", data={"List-Unsubscribe": "One-Click"}, follow_redirects=False)
    assert done.headers["location"] == "/ui/settings/notifications?stopped=chase"
    org.expire_all()
    pref = org.get(NotificationPreference, linh.id)
    assert pref is not None and pref.opted_out_kinds == ["chase"]
    # A mail client's one-click POST carries no cookie: it still opts out, answering 200.
    client.cookies.clear()
    one_click = client.post(f"/{path}", data={"List-Unsubscribe": "One-Click"})
    assert one_click.status_code == 200 and 'id="unsubscribe-done"' in one_click.text


def test_another_users_link_is_not_offered_on_my_settings(client: TestClient, org: Session) -> None:
    nam = user_named(org, "cchc.nam")
    link = unsubscribe_url(settings=get_settings(), user_id=nam.id, email=nam.email, kind="chase")
    token = link.rsplit("/", 1)[1]
    signed_in(client, org, "cchc.linh")
    r = client.get(f"/unsubscribe/{token}", follow_redirects=False)
    assert r.status_code == 200 and 'id="unsubscribe-ask"' in r.text  # not redirected
    page = client.get(f"/ui/settings/notifications?unsubscribe={token}")
    assert 'id="settings-unsubscribe"' not in page.text


def test_a_server_error_on_a_page_is_a_page_with_the_users_menu(app: FastAPI, org: Session) -> None:
    def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/ui/boom", boom, methods=["GET"])
    app.add_api_route("/boom", boom, methods=["GET"])
    with TestClient(app, raise_server_exceptions=False) as client:
        signed_in(client, org, "cchc.truong")
        page = client.get("/ui/boom")
        assert page.status_code == 500 and page.headers["content-type"].startswith("text/html")
        assert "Hệ thống gặp lỗi" in page.text and 'id="whoami"' in page.text
        assert "a bug" not in page.text
        api = client.get("/boom")
        assert api.status_code == 500
        assert api.headers["content-type"] == "application/problem+json"


def test_choosing_the_digest_again_undoes_its_unsubscribe_link(
    client: TestClient, org: Session
) -> None:
    linh = user_named(org, "cchc.linh")
    org.add(NotificationPreference(user_id=linh.id, mode="digest", opted_out_kinds=["digest"]))
    org.flush()
    csrf = signed_in(client, org, "cchc.linh")
    form = {"csrf_token": csrf, "kinds": ["assigned"], "digest_hour": "7"}
    client.post("/ui/settings/notifications", data={**form, "mode": "immediate"})
    org.expire_all()
    pref = org.get(NotificationPreference, linh.id)
    assert pref is not None and "digest" in pref.opted_out_kinds
    client.post("/ui/settings/notifications", data={**form, "mode": "digest"})
    org.expire_all()
    pref = org.get(NotificationPreference, linh.id)
    assert pref is not None and pref.mode == "digest" and "digest" not in pref.opted_out_kinds
