"""Signing in through a real OpenID provider (the certified `oidc-provider` on Node,
deploy/directory/oidc-provider.mjs): the authorisation code flow with PKCE from the sign-in
button to the session, the first sign-in linking by e-mail (audited), an account planflow
does not know (nobody created, said plainly), a deactivated person, a forged state, a
replayed code, and the ID token checks (a tampered token, a wrong nonce, audience or time)
on tokens the provider really issued."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.deps import get_now
from api.directory import oidc
from tests.directory_servers import (
    OIDC_CLIENT_ID,
    OIDC_CLIENT_SECRET,
    oidc_env,
    running_oidc_provider,
)
from tests.integration.api.conftest import user_named
from workflow.models import OrgChange, User
from workflow.settings import get_settings

BASE = "http://testserver"


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    workdir = tmp_path_factory.mktemp("oidc")
    with running_oidc_provider(workdir, redirect_uris=[BASE + oidc.CALLBACK_PATH]) as url:
        yield url


@pytest.fixture
def oidc_on(issuer: str, monkeypatch: pytest.MonkeyPatch, app: FastAPI) -> Iterator[None]:
    for key, value in oidc_env(issuer, base_url=BASE).items():
        monkeypatch.setenv(key, value)
    # The provider's tokens carry the real time: the app checks them against it.
    app.dependency_overrides[get_now] = lambda: datetime.now(UTC)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def provider_login(authorize_url: str, login: str, password: str) -> httpx.Response:
    """A browser at the provider: the authorisation URL, its login page, the form; the last
    answer (a redirect to planflow's callback when the provider let the account in)."""
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        r = browser.get(authorize_url)
        while r.status_code in (302, 303) and not r.headers["location"].startswith(BASE):
            r = browser.get(httpx.URL(str(r.url)).join(r.headers["location"]))
            if r.status_code == 200 and 'id="sso-login"' in r.text:
                action = re.search(r'action="([^"]+)"', r.text)
                assert action
                r = browser.post(
                    httpx.URL(str(r.url)).join(action.group(1)),
                    data={"login": login, "password": password},
                )
        return r


def start(client: TestClient, next_path: str = "/my") -> str:
    r = client.get(f"/login/oidc?next={next_path}", follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    assert client.cookies.get(oidc.COOKIE)
    return r.headers["location"]


def callback_path(r: httpx.Response) -> str:
    assert r.status_code in (302, 303), r.text[:500]
    location = r.headers["location"]
    assert location.startswith(BASE + oidc.CALLBACK_PATH), location
    return location[len(BASE) :]


def error_of(r: httpx.Response) -> str:
    found = re.search(r'id="login-error"[^>]*>([^<]*)<', r.text)
    return found.group(1) if found else ""


def test_the_sign_in_button_goes_through_the_provider_and_links_by_email(
    client: TestClient, org: Session, oidc_on: None
) -> None:
    page = client.get("/login").text
    assert 'id="login-oidc"' in page and "Cổng một cửa" in page
    authorize = start(client)
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["nonce"] and query["state"]
    assert query["redirect_uri"] == [BASE + oidc.CALLBACK_PATH]
    back = callback_path(provider_login(authorize, "linh.sso", "linh-sso-pw"))
    signed = client.get(back, follow_redirects=False)
    assert signed.status_code == 303 and signed.headers["location"] == "/my", error_of(signed)
    assert client.get("/my").status_code == 200
    org.expire_all()
    linh = user_named(org, "cchc.linh")
    issuer_url = get_settings().oidc_issuer
    assert linh.directory_id == f"oidc:{issuer_url} sso-0001"
    actions = [c.action for c in org.exec(select(OrgChange).where(OrgChange.user_id == linh.id))]
    assert actions == ["directory_linked"]
    # The code is single-use: replaying the callback signs nobody in.
    client.cookies.clear()
    assert client.get(back, follow_redirects=False).status_code == 400


def test_an_unknown_account_creates_nobody_and_a_deactivated_person_is_refused(
    client: TestClient, org: Session, oidc_on: None
) -> None:
    before = len(org.exec(select(User)).all())
    back = callback_path(provider_login(start(client), "khach.sso", "khach-sso-pw"))
    r = client.get(back, follow_redirects=False)
    assert r.status_code == 403
    assert "khach@sonoivu.example.vn" in error_of(r) and "chưa gắn với cán bộ nào" in error_of(r)
    org.expire_all()
    assert len(org.exec(select(User)).all()) == before

    head = user_named(org, "cchc.truong")
    head.is_active = False
    org.add(head)
    org.flush()
    client.cookies.clear()
    back = callback_path(provider_login(start(client), "truong.sso", "truong-sso-pw"))
    refused = client.get(back, follow_redirects=False)
    assert refused.status_code == 403 and "ngừng kích hoạt" in error_of(refused)
    assert client.get("/my", follow_redirects=False).status_code == 303


def test_the_provider_refuses_a_wrong_password_and_a_disabled_account(
    client: TestClient, oidc_on: None
) -> None:
    wrong = provider_login(start(client), "linh.sso", "wrong")
    assert wrong.status_code == 200 and "Sai tài khoản hoặc mật khẩu" in wrong.text
    locked = provider_login(start(client), "khoa.sso", "khoa-sso-pw")
    assert locked.status_code == 200 and "Tài khoản đã bị khóa" in locked.text


def test_a_forged_state_or_a_missing_flow_signs_nobody_in(
    client: TestClient, org: Session, oidc_on: None
) -> None:
    back = callback_path(provider_login(start(client), "linh.sso", "linh-sso-pw"))
    forged = re.sub(r"state=[^&]+", "state=forged", back)
    r = client.get(forged, follow_redirects=False)
    assert r.status_code == 400 and "Không đăng nhập được" in error_of(r)
    client.cookies.clear()  # another browser: the flow's cookie is not there
    assert client.get(back, follow_redirects=False).status_code == 400
    org.expire_all()
    assert user_named(org, "cchc.linh").directory_id is None


def issued_tokens(client: TestClient) -> tuple[dict[str, str], str]:
    """An ID token the provider really issued to planflow's client, and the flow's nonce."""
    authorize = start(client)
    nonce = parse_qs(urlsplit(authorize).query)["nonce"][0]
    flow = oidc._serializer(get_settings()).loads(client.cookies[oidc.COOKIE])
    code = parse_qs(
        urlsplit(callback_path(provider_login(authorize, "linh.sso", "linh-sso-pw"))).query
    )["code"][0]
    meta = oidc.provider_metadata(get_settings())
    tokens = httpx.post(
        meta["token_endpoint"],
        data={"grant_type": "authorization_code", "code": code,
              "redirect_uri": BASE + oidc.CALLBACK_PATH, "code_verifier": flow["verifier"]},
        auth=(OIDC_CLIENT_ID, OIDC_CLIENT_SECRET),
    ).json()  # fmt: skip
    return tokens, nonce


def test_the_id_token_is_refused_when_tampered_or_not_for_this_sign_in(
    client: TestClient, oidc_on: None
) -> None:
    tokens, nonce = issued_tokens(client)
    settings = get_settings()
    meta = oidc.provider_metadata(settings)
    jwks = httpx.get(meta["jwks_uri"]).json()
    now = datetime.now().astimezone()

    def claims(id_token: str, **changes: object) -> dict[str, object]:
        args: dict[str, object] = {
            "id_token": id_token,
            "jwks": jwks,
            "algorithms": ["RS256"],
            "issuer": meta["issuer"],
            "client_id": OIDC_CLIENT_ID,
            "nonce": nonce,
            "access_token": tokens["access_token"],
            "now": now,
        } | changes
        return oidc.id_token_claims(**args)  # type: ignore[arg-type]

    good = claims(tokens["id_token"])
    assert good["sub"] == "sso-0001" and good["aud"] == OIDC_CLIENT_ID
    header, payload, signature = tokens["id_token"].split(".")
    body = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    body["sub"] = "sso-0002"  # another person
    forged = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    refusals = {
        "tampered": lambda: claims(f"{header}.{forged}.{signature}"),
        "unsigned": lambda: claims(f"{header}.{payload}."),
        "nonce": lambda: claims(tokens["id_token"], nonce="another-sign-in"),
        "audience": lambda: claims(tokens["id_token"], client_id="another-client"),
        "issuer": lambda: claims(tokens["id_token"], issuer="http://127.0.0.1:1"),
        "expired": lambda: claims(tokens["id_token"], now=now + timedelta(hours=3)),
        "algorithm": lambda: claims(tokens["id_token"], algorithms=["ES256"]),
    }
    for name, check in refusals.items():
        with pytest.raises(oidc.OidcFailed):
            check()
            pytest.fail(f"{name}: accepted")
