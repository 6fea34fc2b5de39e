"""A live server (subprocess, embedded mode) and a real Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.browser import CHROMIUM_ARGS, chromium_path
from tests.conftest import ROOT, SAMPLE_ORG, service_missing


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The live server's var directory (its SQLite database is `pf.db` in it)."""
    return tmp_path_factory.mktemp("live")


@pytest.fixture(scope="session")
def live_server(live_dir: Path) -> Iterator[str]:
    """`planflow serve` on a fresh SQLite database with the sample organisation.

    Sample users sign in with the documented dev password `planflow-dev`, as in `make run`.
    """
    var = live_dir
    env = {
        **os.environ,
        "PLANFLOW_DATABASE_URL": f"sqlite:///{var / 'pf.db'}",
        "PLANFLOW_VAR_DIR": str(var),
    }
    cli = [sys.executable, "-m", "api.cli"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, cwd=ROOT)
    subprocess.run([*cli, "org", "load", str(SAMPLE_ORG)], env=env, check=True, cwd=ROOT)
    subprocess.run([*cli, "user", "dev-passwords"], env=env, check=True, cwd=ROOT)
    port = free_port()
    log = open(var / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [*cli, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {(var / 'server.log').read_text()}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium under Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        service_missing("chromium (make browser installs it)", FileNotFoundError("chromium"))
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


def screenshot_dir() -> Path:
    out = ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
