"""Signing in through a real OpenLDAP directory (Debian's slapd with the test tree,
deploy/directory/slapd.sh): the right and wrong directory password, a directory-disabled
account, an account planflow does not know (nobody created, said plainly), a deactivated
person, the first sign-in linking by e-mail (audited) and later ones by the link; the
sign-in page and POST /auth/token alike; local passwords kept in embedded mode."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.auth import set_password
from api.deps import CSRF_COOKIE
from tests.directory_servers import ldap_env, running_slapd
from tests.integration.api.conftest import user_named
from workflow.models import OrgChange, User
from workflow.settings import get_settings

LINH_DN = "uid=linh.dt,ou=people,dc=sonoivu,dc=example,dc=vn"


@pytest.fixture(scope="module")
def ldap_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_slapd(tmp_path_factory.mktemp("ldap")) as url:
        yield url


@pytest.fixture
def ldap_on(ldap_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in ldap_env(ldap_url).items():
        monkeypatch.setenv(key, value)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def login_form(client: TestClient, username: str, password: str) -> httpx.Response:
    client.cookies.clear()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text[:500]
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )


def error_of(r: httpx.Response) -> str:
    found = re.search(r'id="login-error"[^>]*>([^<]*)<', r.text)
    return found.group(1) if found else ""


def test_the_right_directory_password_links_by_email_then_by_the_link(
    client: TestClient, org: Session, ldap_on: None
) -> None:
    signed = login_form(client, "linh.dt", "linh-directory-pw")
    assert signed.status_code == 303, error_of(signed)
    assert client.cookies.get(CSRF_COOKIE)
    assert client.get("/my").status_code == 200
    org.expire_all()
    linh = user_named(org, "cchc.linh")
    assert linh.directory_id == "ldap:" + LINH_DN
    links = org.exec(select(OrgChange).where(OrgChange.user_id == linh.id)).all()
    assert [(c.action, c.actor_id) for c in links] == [("directory_linked", linh.id)]
    # The directory's e-mail may change now: the link finds the person.
    linh.email = "linh.moi@sonoivu.example.vn"
    org.add(linh)
    org.flush()
    assert login_form(client, "linh.dt", "linh-directory-pw").status_code == 303
    # The API's password flow asks the same directory.
    token = client.post(
        "/auth/token", data={"username": "linh.dt", "password": "linh-directory-pw"}
    )
    assert token.status_code == 200 and token.json()["access_token"]
    org.expire_all()
    assert len(org.exec(select(OrgChange).where(OrgChange.user_id == linh.id)).all()) == 1


def test_a_wrong_password_and_a_disabled_account_are_refused(
    client: TestClient, org: Session, ldap_on: None
) -> None:
    wrong = login_form(client, "linh.dt", "not-the-password")
    assert wrong.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in error_of(wrong)
    # Locked in the directory (pwdAccountLockedTime): refused with its right password.
    locked = login_form(client, "khoa.tcbc", "khoa-directory-pw")
    assert locked.status_code == 401 and "Sai tên đăng nhập hoặc mật khẩu" in error_of(locked)
    # A filter character in the name finds nobody (escaped), an empty password never binds.
    assert login_form(client, "*", "linh-directory-pw").status_code == 401
    api = client.post("/auth/token", data={"username": "linh.dt", "password": "wrong-password"})
    assert api.status_code == 401
    org.expire_all()
    assert user_named(org, "cchc.linh").directory_id is None
    assert user_named(org, "tcbc.khoa").directory_id is None


def test_an_account_planflow_does_not_know_creates_nobody_and_says_so(
    client: TestClient, org: Session, ldap_on: None
) -> None:
    before = len(org.exec(select(User)).all())
    r = login_form(client, "khach", "khach-directory-pw")
    assert r.status_code == 403
    assert "khach@sonoivu.example.vn" in error_of(r) and "chưa gắn với cán bộ nào" in error_of(r)
    api = client.post("/auth/token", data={"username": "khach", "password": "khach-directory-pw"})
    assert api.status_code == 403 and "matches no person" in api.json()["detail"], api.json()
    org.expire_all()
    assert len(org.exec(select(User)).all()) == before
    assert org.exec(select(OrgChange)).all() == []


def test_a_deactivated_person_cannot_sign_in_through_the_directory(
    client: TestClient, org: Session, ldap_on: None
) -> None:
    head = user_named(org, "cchc.truong")
    head.is_active = False
    org.add(head)
    org.flush()
    r = login_form(client, "truong.cchc", "truong-directory-pw")
    assert r.status_code == 403 and "ngừng kích hoạt" in error_of(r)
    assert client.get("/my", follow_redirects=False).status_code == 303  # not signed in


def test_local_passwords_stay_in_embedded_mode_and_can_be_turned_off(
    client: TestClient, org: Session, ldap_on: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_password(session=org, user=user_named(org, "vp.admin"), password="mat-khau-cuc-bo-1")
    org.flush()
    assert login_form(client, "vp.admin", "mat-khau-cuc-bo-1").status_code == 303
    page = client.get("/login")
    assert 'id="login-directory-hint"' not in page.text  # signed in: redirected away
    monkeypatch.setenv("PLANFLOW_LOCAL_PASSWORDS", "false")
    get_settings.cache_clear()
    assert login_form(client, "vp.admin", "mat-khau-cuc-bo-1").status_code == 401
    assert 'id="login-directory-hint"' in client.get("/login").text


def test_an_unreachable_directory_refuses_without_error(
    client: TestClient, org: Session, ldap_on: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PLANFLOW_LDAP_URL", "ldap://127.0.0.1:9")
    get_settings.cache_clear()
    r = login_form(client, "linh.dt", "linh-directory-pw")
    assert r.status_code == 401
