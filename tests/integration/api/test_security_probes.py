"""Replays of the security probes: each test fails if its hole comes back.

Formula injection in spreadsheets, user enumeration and lock-out by strangers, sessions
surviving logout, forwarded addresses trusted blindly, organisation edits answered 500,
orphaned evidence files, imports without size limits, hand-written form checks.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import load_workbook
from sqlmodel import Session

from api.auth import set_password
from api.deps import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import ROOT, SAMPLE_ORG, SAMPLE_PLAN
from tests.integration.api.conftest import Sample, reset_links, signed_in, user_named
from workflow.reporting.snapshot import Counts, GroupRow, ItemRow, ReportSnapshot
from workflow.reporting.xlsx_report import render_xlsx

# ---------------------------------------------------------------- spreadsheet formulas

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _snapshot_with(texts: list[str]) -> ReportSnapshot:
    counts = Counts(total=3, done_on_time=1)
    rows = [
        ItemRow(
            id=i,
            title=text,
            area=text,
            unit_code="CCHC",
            unit_name=text,
            assignee=text,
            due_on=date(2026, 3, 2),
            working_days_overdue=4,
            state="in_progress",
        )
        for i, text in enumerate(texts, start=1)
    ]
    return ReportSnapshot(
        kind="quarterly",
        period_key="2026Q1",
        period_label="Quý I năm 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        cutoff_at=datetime(2026, 3, 31, 10, tzinfo=UTC),
        generated_at=datetime(2026, 4, 1, 10, tzinfo=UTC),
        totals=counts,
        by_area=[GroupRow(id=1, code="a", name=texts[0], counts=counts)],
        by_unit=[GroupRow(id=2, code="CCHC", name=texts[1], counts=counts)],
        overdue_items=rows,
        overdue_items_total=len(rows),
        due_soon=[],
        indicators=[],
        trend=[],
    )


def test_xlsx_never_writes_user_text_as_a_formula() -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(_snapshot_with(HOSTILE))))
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value in HOSTILE:
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    seen.append(cell.value)
    # Every hostile text arrives verbatim (not dropped, not rewritten).
    assert set(seen) == set(HOSTILE)
    overdue = wb["Nhiệm vụ quá hạn"]
    # Numbers stay numbers.
    assert overdue["A5"].value == 1 and overdue["A5"].data_type == "n"
    assert overdue["G5"].value == 4 and overdue["G5"].data_type == "n"
    assert wb["Theo lĩnh vực"]["C5"].value == 3


# ---------------------------------------------------------------- sign-in lock-out

PASSWORD = "mat-khau-rat-dai-1"


@pytest.fixture
def linh(org: Session) -> str:
    set_password(session=org, user=user_named(org, "cchc.linh"), password=PASSWORD)
    org.flush()
    return "cchc.linh"


def _login(client: TestClient, username: str, password: str) -> Response:
    return client.post("/auth/token", data={"username": username, "password": password})


def _shape(r: Response) -> tuple[int, dict[str, object], str | None]:
    body = r.json()
    body.pop("instance", None)
    return r.status_code, body, r.headers.get("retry-after")


def test_lockout_answers_the_same_for_unknown_accounts(
    client: TestClient, linh: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from api import auth

    hashed: list[str | None] = []
    real_verify = auth._hasher.verify

    def counting_verify(password: str, hash_: str) -> bool:
        hashed.append(hash_)
        return real_verify(password, hash_)

    monkeypatch.setattr(auth._hasher, "verify", counting_verify)
    known = [_shape(_login(client, linh, "sai-mat-khau")) for _ in range(6)]
    known_hashes = len(hashed)
    unknown = [_shape(_login(client, "khong.co.ai", "sai-mat-khau")) for _ in range(6)]
    assert known == unknown
    assert [status for status, _, _ in known] == [401] * 5 + [423]
    # The same work: one password hash per checked attempt, known or not.
    assert known_hashes == 5 and len(hashed) == 10


def test_a_stranger_cannot_lock_the_owner_out(app: FastAPI, client: TestClient, linh: str) -> None:
    for _ in range(8):
        _login(client, linh, "sai-mat-khau")
    assert _login(client, linh, PASSWORD).status_code == 423
    with TestClient(app, client=("10.1.2.3", 40000)) as owner:
        assert _login(owner, linh, PASSWORD).status_code == 200


# ---------------------------------------------------------------- sessions


def test_session_cookie_is_dead_after_logout(client: TestClient, org: Session) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    stolen = client.cookies.get(SESSION_COOKIE)
    assert stolen and client.get("/my", follow_redirects=False).status_code == 200
    out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.set(SESSION_COOKIE, stolen)
    replay = client.get("/my", follow_redirects=False)
    assert replay.status_code == 303 and replay.headers["location"].startswith("/login")
    assert client.get("/me").status_code == 401


def test_password_change_revokes_cookies_and_refresh_tokens(
    app: FastAPI, client: TestClient, org: Session, linh: str
) -> None:
    tokens = _login(client, linh, PASSWORD).json()
    with TestClient(app) as browser:
        signed_in(browser, org, "cchc.linh")
        new_password = "mot-mat-khau-moi-9"
        auth = {"Authorization": f"Bearer {tokens['access_token']}"}
        # signed_in set a new password: the tokens issued before it are already dead.
        assert client.get("/me", headers=auth).status_code == 401
        fresh = _login(client, linh, "mat-khau-giao-dien-1").json()
        r = client.post(
            "/auth/password",
            json={"current_password": "mat-khau-giao-dien-1", "new_password": new_password},
            headers={"Authorization": f"Bearer {fresh['access_token']}"},
        )
        assert r.status_code == 204
        assert browser.get("/my", follow_redirects=False).status_code == 303
    refresh = client.post("/auth/refresh", json={"refresh_token": fresh["refresh_token"]})
    assert refresh.status_code == 401


def test_api_logout_revokes_refresh_tokens(client: TestClient, linh: str) -> None:
    tokens = _login(client, linh, PASSWORD).json()
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    assert client.post("/auth/logout", headers=auth).status_code == 204
    assert client.get("/me", headers=auth).status_code == 401
    refresh = client.post("/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refresh.status_code == 401


def test_csrf_cookie_is_renewed_at_sign_in(client: TestClient, org: Session) -> None:
    # The token a visitor had before signing in (whoever could read or plant it then).
    client.get("/login")
    planted = client.cookies.get(CSRF_COOKIE)
    assert planted
    set_password(session=org, user=user_named(org, "cchc.linh"), password=PASSWORD)
    org.flush()
    r = client.post(
        "/login",
        data={"username": "cchc.linh", "password": PASSWORD, "csrf_token": planted},
        follow_redirects=False,
    )
    assert r.status_code == 303
    renewed = client.cookies.get(CSRF_COOKIE)
    assert renewed and renewed != planted
    page = client.get("/my")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token and token.group(1) == renewed


def test_reset_limit_counts_the_account_not_the_typed_login(
    client: TestClient, org: Session
) -> None:
    linh = user_named(org, "cchc.linh")
    app = client.app
    assert isinstance(app, FastAPI)
    limit = app.state.login_guard.reset_per_account.amount
    for i in range(limit + 3):
        login = linh.email if i % 2 else linh.username.upper()
        client.post("/auth/password-reset", json={"login": login})
    # One mail per distinct second at most (dedup), so count the requests let through
    # by the limiter: no more than the account's limit, whichever name was typed.
    assert len(reset_links(org, "cchc.linh")) <= 1
    assert not app.state.login_guard.allow_reset(ip="198.51.100.7", account=f"user:{linh.id}")


# ---------------------------------------------------------------- forwarded addresses


def _peer_seen_through(settings_trusted: list[str], forwarded: str) -> str:
    """Serve an app echoing the client address with `planflow serve`'s configuration and
    call it from 127.0.0.1 with an X-Forwarded-For header."""
    import socket
    import threading
    import time

    import httpx
    import uvicorn

    from api.cli.serve import server_config
    from workflow.settings import Settings

    async def echo(scope: dict[str, object], receive: object, send: object) -> None:
        if scope["type"] != "http":
            return
        client = scope.get("client")
        host = client[0] if isinstance(client, tuple) else ""
        await send({"type": "http.response.start", "status": 200, "headers": []})  # type: ignore[operator]
        await send({"type": "http.response.body", "body": host.encode()})  # type: ignore[operator]

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = server_config(
        echo, host="127.0.0.1", port=port, settings=Settings(trusted_proxies=settings_trusted)
    )
    config.log_level = "warning"
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(100):
            if server.started:
                break
            time.sleep(0.05)
        r = httpx.get(f"http://127.0.0.1:{port}/", headers={"X-Forwarded-For": forwarded})
        return r.text
    finally:
        server.should_exit = True
        thread.join(timeout=5)


def test_forwarded_for_is_ignored_unless_the_proxy_is_configured() -> None:
    assert _peer_seen_through([], "203.0.113.9") == "127.0.0.1"
    assert _peer_seen_through(["127.0.0.1"], "203.0.113.9") == "203.0.113.9"


# ---------------------------------------------------------------- organisation


def test_duplicate_email_is_a_409_problem_not_a_500(
    client: TestClient, org: Session, auth_for: Callable[[str], dict[str, str]]
) -> None:
    admin = auth_for("vp.admin")
    linh = user_named(org, "cchc.linh")
    taken = user_named(org, "cchc.truong").email
    r = client.patch(f"/admin/users/{linh.id}", json={"email": taken.upper()}, headers=admin)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"] == "application/problem+json"
    assert "cchc.truong" in r.json()["detail"]
    new = {
        "username": "cchc.moi",
        "email": taken,
        "full_name": "Người mới",
        "unit_id": linh.unit_id,
        "role": "officer",
    }
    r = client.post("/admin/users", json=new, headers=admin)
    assert r.status_code == 409 and r.headers["content-type"] == "application/problem+json"
    bad = client.patch(f"/admin/users/{linh.id}", json={"email": "not-an-email"}, headers=admin)
    assert bad.status_code == 422


def test_the_last_administrator_cannot_be_demoted_or_deactivated(
    client: TestClient, org: Session, auth_for: Callable[[str], dict[str, str]]
) -> None:
    admin = auth_for("vp.admin")
    me = user_named(org, "vp.admin")
    for change in ({"role": "officer"}, {"is_active": False}):
        r = client.patch(f"/admin/users/{me.id}", json=change, headers=admin)
        assert r.status_code == 409, r.text
        assert "last active administrator" in r.json()["detail"]
    an = user_named(org, "vp.an")
    promoted = client.patch(f"/admin/users/{an.id}", json={"role": "admin"}, headers=admin)
    assert promoted.status_code == 200
    demoted = client.patch(f"/admin/users/{me.id}", json={"role": "officer"}, headers=admin)
    assert demoted.status_code == 200


def test_org_load_refuses_a_taken_email_in_one_line(org: Session) -> None:
    from workflow.errors import InvalidInput
    from workflow.services.org import load_org

    text = (
        "units:\n  - {code: VP, name: Văn phòng}\n"
        "users:\n  - {username: vp.moi, full_name: Mới, email: ADMIN@sonoivu.example.vn,"
        " unit: VP, role: officer}\n"
    )
    with pytest.raises(InvalidInput, match=r"line 4: e-mail .* already used by account vp\.admin"):
        load_org(session=org, text=text, source="org.yaml")


# ---------------------------------------------------------------- import sizes, the CLI


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "api.cli", *args]
    return subprocess.run(
        command, env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True
    )


def _one_line_exit_2(done: subprocess.CompletedProcess[str], words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and words in done.stderr, done.stderr


def test_cli_before_db_upgrade_prints_one_line(tmp_path: Path) -> None:
    env = {"PLANFLOW_DATABASE_URL": f"sqlite:///{tmp_path / 'new.db'}"}
    _one_line_exit_2(_cli("org", "load", str(SAMPLE_ORG), env=env), "planflow db upgrade")
    _one_line_exit_2(_cli("item", "list", env=env), "planflow db upgrade")


def test_every_cli_import_path_has_a_size_limit(tmp_path: Path) -> None:
    from workflow.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'pf.db'}"
    upgrade(url)
    env = {
        "PLANFLOW_DATABASE_URL": url,
        "PLANFLOW_IMPORT_MAX_BYTES": "2000",
        "PLANFLOW_YAML_MAX_BYTES": "1000",
    }
    _one_line_exit_2(_cli("plan", "import", str(SAMPLE_PLAN), env=env), "over the limit")
    _one_line_exit_2(_cli("org", "load", str(SAMPLE_ORG), env=env), "over the limit")
    units = tmp_path / "units.yaml"
    units.write_text("# " + "x" * 2000 + "\n{}\n", encoding="utf-8")
    _one_line_exit_2(_cli("plan", "units", "1", str(units), env=env), "over the limit")


def _zip_bomb(size: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"\0" * size)
    return buf.getvalue()


def test_plan_upload_limits_are_413_problems(
    client: TestClient, auth_for: Callable[[str], dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.settings import get_settings

    monkeypatch.setenv("PLANFLOW_IMPORT_MAX_BYTES", "3000")
    monkeypatch.setenv("PLANFLOW_IMPORT_MAX_UNPACKED_BYTES", "100000")
    get_settings.cache_clear()
    coordinator = auth_for("vp.cchc")
    big = {"file": ("plan.txt", SAMPLE_PLAN.read_bytes(), "text/plain")}
    r = client.post("/plans/import", files=big, headers=coordinator)
    assert r.status_code == 413 and r.headers["content-type"] == "application/problem+json"
    assert "over the limit" in r.json()["detail"]
    bomb = _zip_bomb(1_000_000)
    assert len(bomb) < 3000
    docx = {"file": ("plan.docx", bomb, "application/octet-stream")}
    r = client.post("/plans/import", files=docx, headers=coordinator)
    assert r.status_code == 413 and "unpacks to 1000000 bytes" in r.json()["detail"]


def test_yaml_aliases_are_refused() -> None:
    from workflow.errors import InvalidInput
    from workflow.yamlio import load_yaml_with_lines

    laughs = "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\n"
    with pytest.raises(InvalidInput, match="aliases"):
        load_yaml_with_lines(laughs, source="units.yaml")


def test_request_bodies_past_the_limit_are_413(
    monkeypatch: pytest.MonkeyPatch, app: FastAPI
) -> None:
    from api.app import create_app
    from workflow.settings import get_settings

    monkeypatch.setenv("PLANFLOW_REQUEST_MAX_BYTES", "1000")
    get_settings.cache_clear()
    small = create_app()
    small.state.session_factory = app.state.session_factory
    with TestClient(small) as c:
        declared = c.post("/auth/password-reset", json={"login": "x" * 2000})
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"

        def chunks() -> Iterator[bytes]:
            yield b'{"login": "'
            for _ in range(20):
                yield b"x" * 100
            yield b'"}'

        streamed = c.post(
            "/auth/password-reset", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413, streamed.text
        assert c.post("/auth/password-reset", json={"login": "x"}).status_code == 202


# ---------------------------------------------------------------- headers and cookies


def test_pages_carry_security_headers(client: TestClient, org: Session) -> None:
    page = client.get("/login")
    csp = page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    assert page.headers["x-frame-options"] == "DENY"
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["referrer-policy"] == "same-origin"
    assert page.headers["cache-control"] == "no-store"
    assert "strict-transport-security" not in page.headers  # embedded: plain HTTP
    api = client.get("/me")
    assert api.headers["x-content-type-options"] == "nosniff"
    # The OpenAPI viewer still loads its script.
    assert "cdn.jsdelivr.net" in client.get("/docs").headers["content-security-policy"]
    set_password(session=org, user=user_named(org, "cchc.linh"), password=PASSWORD)
    org.flush()
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": "cchc.linh", "password": PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    cookies = r.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookies if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in session_cookie and "SameSite=lax" in session_cookie


def test_cookies_are_secure_outside_embedded_mode() -> None:
    from workflow.settings import Settings

    assert Settings(mode="distributed").secure_cookies
    assert not Settings(mode="embedded").secure_cookies
    assert Settings(mode="embedded", cookie_secure=True).secure_cookies


# ---------------------------------------------------------------- orphaned evidence files

KILLED_UPLOAD = """
import io, os, signal, sys
from datetime import UTC, datetime
from sqlmodel import Session
from workflow.db import make_engine
from workflow.services.files import put_file
with Session(make_engine(sys.argv[1])) as session:
    put_file(session=session, now=datetime.now(UTC), key=sys.argv[2], data=b"%PDF-1.4 orphan",
             content_type="application/pdf")
    session.flush()  # the file is written, its row not yet: killed before the commit
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_upload_leaves_no_file(worker_id: str) -> None:
    from sqlalchemy import text

    from tests.conftest import schema_url, worker_schema

    url = schema_url(worker_schema(worker_id))
    key = f"evidence/1/killed-{os.getpid()}.pdf"
    done = subprocess.run(
        [sys.executable, "-c", KILLED_UPLOAD, url, key], cwd=ROOT, capture_output=True
    )
    assert done.returncode == -9, done.stderr
    from workflow.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        left = conn.execute(text("SELECT count(*) FROM stored_file WHERE key = :k"), {"k": key})
        assert left.scalar_one() == 0
    engine.dispose()


def test_a_stored_file_no_row_names_is_swept(org: Session, sample: Sample) -> None:
    from sqlmodel import select

    from tasks.jobs import sweep_orphan_files
    from workflow.models import Evidence, StoredFile
    from workflow.services.files import put_file

    later = datetime.now(UTC) + timedelta(hours=2)
    item = sample.cchc.id
    named = org.exec(select(Evidence.storage_path).where(Evidence.work_item_id == item)).first()
    assert named
    for key, age in ((f"evidence/{item}/orphan.pdf", 120), (f"evidence/{item}/young.pdf", 10),
                     (named, 120), (f"reports/{item}/report.pdf", 120)):  # fmt: skip
        put_file(session=org, now=later - timedelta(minutes=age), key=key, data=b"%PDF",
                 content_type="application/pdf")  # fmt: skip

    # Within the interval of the last scan nothing is scanned.
    assert sweep_orphan_files(session=org, now=later, since=later - timedelta(minutes=5)).skipped
    result = sweep_orphan_files(session=org, now=later, since=None)
    assert result.removed == 1
    left = set(org.exec(select(StoredFile.key)).all())
    assert f"evidence/{item}/orphan.pdf" not in left
    # Younger than the grace period, named by its row, or not evidence: kept.
    assert {f"evidence/{item}/young.pdf", named, f"reports/{item}/report.pdf"} <= left


# ---------------------------------------------------------------- one model per form


def test_pages_and_api_refuse_the_same_input(
    client: TestClient, org: Session, sample: Sample, auth_for: Callable[[str], dict[str, str]]
) -> None:
    item = sample.cchc.id
    api = auth_for("cchc.linh")
    long_note = "x" * 5001
    assert (
        client.post(f"/items/{item}/evidence", data={"note": long_note}, headers=api).status_code
        == 422
    )
    api_extension = client.post(
        f"/items/{item}/extensions",
        json={"requested_due_on": "2026-12-31", "reason": ""},
        headers=api,
    )
    assert api_extension.status_code == 422
    assert (
        client.post("/auth/token", data={"username": "u" * 256, "password": "x"}).status_code == 422
    )

    csrf = signed_in(client, org, "cchc.linh")
    page = client.post(f"/ui/items/{item}/evidence", data={"note": long_note, "csrf_token": csrf})
    assert page.status_code == 422 and "Ghi chú dài quá 5.000 ký tự." in page.text
    page = client.post(
        f"/ui/items/{item}/extensions",
        data={"requested_due_on": "2026-12-31", "reason": "", "csrf_token": csrf},
    )
    assert page.status_code == 422 and "Cần ghi lý do đề nghị gia hạn." in page.text
    page = client.post(
        f"/ui/items/{item}/extensions",
        data={"requested_due_on": "2026-02-30", "reason": "Chờ", "csrf_token": csrf},
    )
    assert page.status_code == 422 and "Ngày không hợp lệ" in page.text
    with TestClient(client.app) as visitor:  # type: ignore[arg-type]
        form = visitor.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert token
        login = visitor.post(
            "/login", data={"username": "u" * 256, "password": "x", "csrf_token": token.group(1)}
        )
        assert login.status_code == 422 and 'id="username"' in login.text
