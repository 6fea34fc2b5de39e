"""Login, tokens, lockout, rate limits, password change and reset, cookie session with CSRF."""

from __future__ import annotations

from datetime import datetime, timedelta

import jwt
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth import TokenKind, issue_token, set_password
from api.deps import get_now
from tests.integration.api.conftest import reset_links, user_named
from workflow.settings import get_settings

PASSWORD = "mat-khau-rat-dai-1"


@pytest.fixture
def linh(org: Session) -> str:
    set_password(session=org, user=user_named(org, "cchc.linh"), password=PASSWORD)
    org.flush()
    return "cchc.linh"


def login(client: TestClient, username: str, password: str, **headers: str) -> object:
    return client.post(
        "/auth/token", data={"username": username, "password": password}, headers=headers
    )


def test_password_flow_issues_tokens_that_open_me(client: TestClient, linh: str) -> None:
    r = login(client, linh, PASSWORD)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 15 * 60
    me = client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "cchc.linh" and me.json()["unit_code"] == "CCHC"
    # A refresh token is not an access token.
    bad = client.get("/me", headers={"Authorization": f"Bearer {body['refresh_token']}"})
    assert bad.status_code == 401
    fresh = client.post("/auth/refresh", json={"refresh_token": body["refresh_token"]})
    assert fresh.status_code == 200 and fresh.json()["access_token"]


def test_login_accepts_email_and_rejects_wrong_password(client: TestClient, linh: str) -> None:
    assert login(client, "CCHC.Linh@sonoivu.example.vn", PASSWORD).status_code == 200
    r = login(client, linh, "wrong-password")
    assert r.status_code == 401
    assert r.headers["content-type"] == "application/problem+json"
    assert login(client, "nobody", PASSWORD).status_code == 401


def test_failures_block_the_address_with_growing_delays(
    client: TestClient, app: FastAPI, linh: str, now: datetime
) -> None:
    settings = get_settings()
    for _ in range(settings.login_max_failures):
        assert login(client, linh, "nope-nope-nope").status_code == 401
    # The last free failure blocks this address for the base delay...
    locked = login(client, linh, PASSWORD)
    assert locked.status_code == 423
    assert int(locked.headers["retry-after"]) == settings.login_delay_base_seconds
    # ...and the next failure after it doubles the delay.
    later = now + timedelta(seconds=settings.login_delay_base_seconds + 1)
    app.dependency_overrides[get_now] = lambda: later
    assert login(client, linh, "nope-nope-nope").status_code == 401
    again = login(client, linh, PASSWORD)
    assert again.status_code == 423
    assert int(again.headers["retry-after"]) == 2 * settings.login_delay_base_seconds
    # Once the delay has passed, the right password works and clears the count.
    app.dependency_overrides[get_now] = lambda: later + timedelta(hours=1)
    assert login(client, linh, PASSWORD).status_code == 200
    assert login(client, linh, "nope-nope-nope").status_code == 401


def test_login_rate_limit_per_ip(client: TestClient, org: Session) -> None:
    codes = [login(client, f"user{i}", "x").status_code for i in range(25)]
    assert codes[:20] == [401] * 20
    assert set(codes[20:]) == {429}


def test_login_rate_limit_per_account(client: TestClient, app: FastAPI, linh: str) -> None:
    app.state.login_guard.per_ip = app.state.login_guard.per_account.__class__(1000)
    codes = [login(client, linh, "x").status_code for _ in range(11)]
    assert codes[-1] == 429


def _forge(claims: dict[str, object], key: str, alg: str = "HS256") -> str:
    return jwt.encode(claims, key, algorithm=alg)


def test_tokens_are_checked_for_algorithm_issuer_audience_and_expiry(
    client: TestClient, org: Session, now: datetime
) -> None:
    settings = get_settings()
    user = user_named(org, "cchc.linh")
    good = jwt.decode(
        issue_token(user, kind=TokenKind.ACCESS, now=now, settings=settings),
        options={"verify_signature": False},
    )
    key = settings.secret_key.get_secret_value()

    def status(token: str) -> int:
        return client.get("/me", headers={"Authorization": f"Bearer {token}"}).status_code

    assert status(_forge(good, key)) == 200
    assert status(_forge({**good, "iss": "evil"}, key)) == 401
    assert status(_forge({**good, "aud": "other"}, key)) == 401
    assert status(_forge({**good, "exp": int(now.timestamp()) - 1}, key)) == 401
    assert status(_forge(good, "another-key-that-is-long-enough-000")) == 401
    assert status(_forge(good, key, alg="HS512")) == 401
    unsigned = jwt.encode(good, None, algorithm="none")  # type: ignore[arg-type]
    assert status(unsigned) == 401


def test_password_change_revokes_old_tokens(client: TestClient, linh: str) -> None:
    tokens = login(client, linh, PASSWORD).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    r = client.post(
        "/auth/password",
        json={"current_password": PASSWORD, "new_password": "mot-mat-khau-moi-2"},
        headers=auth,
    )
    assert r.status_code == 204
    assert client.get("/me", headers=auth).status_code == 401
    assert login(client, linh, "mot-mat-khau-moi-2").status_code == 200


def test_password_reset_link_is_signed_and_single_use(
    client: TestClient, org: Session, linh: str
) -> None:
    assert client.post("/auth/password-reset", json={"login": "nobody"}).status_code == 202
    assert client.post("/auth/password-reset", json={"login": linh}).status_code == 202
    links = reset_links(org, linh)
    assert len(links) == 1
    token = links[0].split("token=", 1)[1]
    bad = client.post(
        "/auth/password-reset/confirm",
        json={"token": token[:-2] + "xx", "new_password": "dat-lai-mat-khau-3"},
    )
    assert bad.status_code == 400
    ok = client.post(
        "/auth/password-reset/confirm",
        json={"token": token, "new_password": "dat-lai-mat-khau-3"},
    )
    assert ok.status_code == 204
    again = client.post(
        "/auth/password-reset/confirm",
        json={"token": token, "new_password": "dat-lai-mat-khau-4"},
    )
    assert again.status_code == 400
    assert login(client, linh, "dat-lai-mat-khau-3").status_code == 200


def test_problem_title_follows_accept_language(client: TestClient) -> None:
    vi = client.get("/me")
    assert vi.status_code == 401
    assert vi.headers["content-type"] == "application/problem+json"
    assert vi.json()["title"] == "Chưa đăng nhập hoặc phiên đã hết hạn"
    en = client.get("/me", headers={"Accept-Language": "en-US,en;q=0.9,vi;q=0.5"})
    assert en.json()["title"] == "Not authenticated"
    mixed = client.get("/me", headers={"Accept-Language": "en;q=0.4, vi"})
    assert mixed.json()["title"].startswith("Chưa")


def test_validation_errors_are_problems(client: TestClient, auth_for: object) -> None:
    r = client.post("/auth/refresh", json={})
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["errors"][0]["loc"][-1] == "refresh_token"


def test_readyz_checks_redis_in_distributed_mode(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, pg_engine: object
) -> None:
    from workflow import db

    monkeypatch.setenv("PLANFLOW_DATABASE_URL", str(pg_engine.url.render_as_string(False)))  # type: ignore[attr-defined]
    monkeypatch.setenv("PLANFLOW_MODE", "distributed")
    monkeypatch.setenv("PLANFLOW_REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        r = client.get("/readyz")
        assert r.status_code == 503 and "redis" in r.json()["detail"]
    finally:
        get_settings.cache_clear()
        db.get_engine.cache_clear()
