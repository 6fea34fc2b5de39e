"""`planflow serve --workers N`: N server processes on one port in distributed mode; refused
(exit 2, one line) where the scheduler runs in the API process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from sqlalchemy.engine import Engine

from tests.conftest import schema_url, worker_schema
from tests.smtp_sink import free_port
from workflow.settings import ROOT


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(PYTHONPATH=str(ROOT), PLANFLOW_ENV_FILE=str(tmp_path / "none"), **extra)
    return env


def _children(pid: int) -> list[int]:
    found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(p) for p in found]


def test_two_workers_serve_one_port(pg_engine: Engine, worker_id: str, tmp_path: Path) -> None:
    port = free_port()
    env = _env(
        tmp_path,
        PLANFLOW_MODE="distributed",
        PLANFLOW_DATABASE_URL=schema_url(worker_schema(worker_id)),
        PLANFLOW_SECRET_KEY="a-deployment-secret-of-its-own-0123456789",
        PLANFLOW_VAR_DIR=str(tmp_path),
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        answered = False
        while time.monotonic() < deadline and not answered:
            try:
                answered = httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.TransportError:
                time.sleep(0.5)
        assert answered, "no answer within 120 s"
        # Both workers answer on the one port (the supervisor starts them as children).
        while time.monotonic() < deadline and len(_children(proc.pid)) < 2:
            time.sleep(0.5)
        assert len(_children(proc.pid)) >= 2
        for _ in range(10):
            assert httpx.get(f"http://127.0.0.1:{port}/healthz").json() == {"status": "ok"}
    finally:
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=60)
    assert out.count("Started server process") >= 2, out


def test_workers_are_refused_with_the_in_process_scheduler(tmp_path: Path) -> None:
    env = _env(tmp_path, PLANFLOW_DATABASE_URL=f"sqlite:///{tmp_path / 'pf.db'}")
    env["PLANFLOW_VAR_DIR"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--workers", "2", "--port", str(free_port())],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and "distributed mode" in done.stderr
