"""Files on every host (decision 0028): two API processes on the real PostgreSQL, each with
its own data folder, as two hosts behind a balancer. Evidence uploaded through one downloads
through the other, and a report built by a third process (a worker host with LibreOffice)
downloads, PDF included, through both, one of them without LibreOffice."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from api.auth import set_password
from tests.conftest import SAMPLE_ORG, fresh_schema, schema_url
from tests.smtp_sink import free_port
from tests.workers_support import Proc, make_item, officer, schema_name
from workflow.reporting.pdf import soffice_path
from workflow.services.org import load_org
from workflow.settings import ROOT

PASSWORD = "hai-may-chu-mot-kho-tep"
NOW = datetime.now(UTC)


def _env(url: str, var_dir: Path, redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(
        PYTHONPATH=str(ROOT),
        PYTHONUNBUFFERED="1",
        PLANFLOW_ENV_FILE=str(var_dir / "none"),
        PLANFLOW_MODE="distributed",
        PLANFLOW_DATABASE_URL=url,
        PLANFLOW_REDIS_URL=redis_url,
        PLANFLOW_SECRET_KEY="one-secret-for-both-hosts-0123456789abcdef",
        PLANFLOW_VAR_DIR=str(var_dir),
        PLANFLOW_REPORT_KINDS_ENABLED="[]",
        **extra,
    )
    return env


@pytest.fixture
def hosts_db(worker_id: str) -> Iterator[tuple[Engine, str, int]]:
    """A committed schema with the sample organisation, passwords and one item."""
    schema = schema_name(worker_id, "files")
    engine = fresh_schema(schema)
    with Session(engine) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        for name in ("tcbc.hoa", "gd.minh"):
            set_password(session=session, user=officer(session, name), password=PASSWORD)
        item = make_item(session, now=NOW, due_at=NOW + timedelta(days=10), next_action_at=None)
        item_id = item.id or 0
        session.commit()
    yield engine, schema_url(schema), item_id
    engine.dispose()


def _serve(env: dict[str, str], log: Path) -> tuple[Proc, str]:
    port = free_port()
    proc = Proc(["serve", "--host", "127.0.0.1", "--port", str(port)], env=env, log=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/healthz").status_code == 200:
                return proc, base
        except httpx.TransportError:
            time.sleep(0.5)
    proc.stop()
    raise AssertionError(f"{log} did not answer within 120 s:\n{proc.output()[-2000:]}")


def _token(base: str, username: str) -> dict[str, str]:
    r = httpx.post(f"{base}/auth/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _files_under(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file() and p.suffix in (".pdf", ".docx", ".xlsx")]


def test_files_are_served_by_every_host(
    hosts_db: tuple[Engine, str, int], redis_url: str, tmp_path: Path
) -> None:
    _, url, item_id = hosts_db
    dirs = {name: tmp_path / name for name in ("a", "b", "worker")}
    for d in dirs.values():
        d.mkdir()
    # Host b has no LibreOffice on its PATH: it can only serve a PDF someone stored.
    a, base_a = _serve(_env(url, dirs["a"], redis_url), tmp_path / "a.log")
    try:
        b, base_b = _serve(
            _env(url, dirs["b"], redis_url, PATH=str(tmp_path / "no-tools")), tmp_path / "b.log"
        )
        try:
            _check_evidence(base_a, base_b, item_id)
            _check_report(url, dirs["worker"], redis_url, base_a, base_b)
        finally:
            b.stop()
    finally:
        a.stop()
    # Nothing was kept in either host's own folder.
    assert _files_under(dirs["a"]) == [] and _files_under(dirs["b"]) == []


def _check_evidence(base_a: str, base_b: str, item_id: int) -> None:
    officer_a = _token(base_a, "tcbc.hoa")
    data = b"%PDF-1.4 bien ban ra soat " + os.urandom(2048)
    up = httpx.post(
        f"{base_a}/items/{item_id}/evidence",
        headers=officer_a,
        files={"file": ("biên bản.pdf", data, "application/pdf")},
        data={"note": "Biên bản rà soát"},
    )
    assert up.status_code == 201, up.text
    evidence_id = up.json()["id"]
    # The other host, with a token it did not issue (the same secret) and no file of its own.
    down = httpx.get(
        f"{base_b}/items/{item_id}/evidence/{evidence_id}/file",
        headers=_token(base_b, "tcbc.hoa"),
    )
    assert down.status_code == 200, down.text
    assert down.content == data
    assert down.headers["content-type"].startswith("application/pdf")
    assert "attachment" in down.headers["content-disposition"]
    assert down.headers["x-content-type-options"] == "nosniff"
    # Size limits are kept: an oversized upload stores nothing on any host.
    big = httpx.post(
        f"{base_a}/items/{item_id}/evidence",
        headers=officer_a,
        files={"file": ("big.pdf", b"x" * (10 * 1024 * 1024 + 1), "application/pdf")},
    )
    assert big.status_code == 413
    listed = httpx.get(f"{base_b}/items/{item_id}/evidence", headers=_token(base_b, "tcbc.hoa"))
    assert [e["id"] for e in listed.json()] == [evidence_id]


def _check_report(url: str, var_dir: Path, redis_url: str, base_a: str, base_b: str) -> None:
    pdf = soffice_path() is not None
    env = _env(url, var_dir, redis_url, PLANFLOW_REPORT_PDF_ON_BUILD=str(pdf).lower())
    quarter_end = NOW.replace(month=((NOW.month - 1) // 3) * 3 + 1, day=1) - timedelta(days=1)
    period = f"{quarter_end.year}Q{(quarter_end.month - 1) // 3 + 1}"
    built = subprocess.run(
        [sys.executable, "-m", "api.cli", "report", "send", "--kind", "quarterly",
         "--period", period],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    director = _token(base_a, "gd.minh")
    runs = httpx.get(f"{base_a}/reports", headers=director).json()
    assert len(runs) == 1
    formats = ["docx", "xlsx"] + (["pdf"] if pdf else [])
    for fmt in formats:
        one = httpx.get(f"{base_a}/reports/{runs[0]['id']}/{fmt}", headers=director)
        other = httpx.get(f"{base_b}/reports/{runs[0]['id']}/{fmt}", headers=director)
        assert one.status_code == other.status_code == 200, (fmt, other.text)
        # The stored bytes, not two renderings (a DOCX rendered twice differs in its dates).
        assert one.content == other.content
    if pdf:
        assert other.content.startswith(b"%PDF")
