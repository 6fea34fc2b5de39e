"""A live server (subprocess, embedded mode) and a real Chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.browser import CHROMIUM_ARGS, LocalisedBrowser, chromium_path
from tests.conftest import ROOT, SAMPLE_ORG, service_missing

PLAN = ROOT / "deploy" / "sample" / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"
CLI = [sys.executable, "-m", "api.cli"]


def live_env(var: Path) -> dict[str, str]:
    """The environment of the live server and of CLI commands run against its database."""
    return {
        **os.environ,
        "PLANFLOW_DATABASE_URL": f"sqlite:///{var / 'pf.db'}",
        "PLANFLOW_VAR_DIR": str(var),
        # Every browser test signs in from 127.0.0.1: the per-address limit is not under test.
        "PLANFLOW_LOGIN_RATE_PER_IP": "600/minute",
    }


def live_cli(var: Path, *args: str) -> None:
    """`planflow ARGS` on the live server's database."""
    subprocess.run([*CLI, *args], env=live_env(var), check=True, cwd=ROOT)


def sign_in(page: Any, server: str, username: str) -> None:
    """Sign in with the dev password and land on the role's home (officers: "my items";
    those who answer for units: the dashboard; see api.pages.ui.ROLE_HOMES)."""
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", "planflow-dev")
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Site:
    """A test module's own live site: its address, its var directory and the CLI's
    environment (its database, and the settings it was started with)."""

    url: str
    var: Path
    env: dict[str, str]

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [*CLI, *args], env=self.env, cwd=ROOT, check=True, capture_output=True, text=True
        )
        return done.stdout


@contextmanager
def own_site(
    var: Path, *, extra_env: dict[str, str] | None = None, port: int | None = None
) -> Iterator[Site]:
    """A fresh SQLite database with the sample organisation (dev passwords), served by
    `planflow serve` (on `port`, else a free one) with `extra_env`; the mails name this
    server (PLANFLOW_BASE_URL), so their links open it. Nothing another browser test does
    changes what it shows."""
    port = port or free_port()
    url = f"http://127.0.0.1:{port}"
    s = Site(url=url, var=var, env=live_env(var) | {"PLANFLOW_BASE_URL": url} | (extra_env or {}))
    s.cli("db", "upgrade")
    s.cli("org", "load", str(SAMPLE_ORG))
    s.cli("user", "dev-passwords")
    log = open(var / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)], env=s.env, cwd=ROOT, stdout=log, stderr=log
    )
    # Generous: with the suite running in parallel on two cores start-up takes its time.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {(var / 'server.log').read_text()}")
    try:
        yield s
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


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
    live_cli(var, "db", "upgrade")
    live_cli(var, "org", "load", str(SAMPLE_ORG))
    live_cli(var, "user", "dev-passwords")
    port = free_port()
    log = open(var / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)], env=live_env(var), cwd=ROOT, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    # Generous: on a loaded machine (the suite runs in parallel) start-up takes its time.
    deadline = time.monotonic() + 120
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
def sample_plan(live_server: str, live_dir: Path) -> None:
    """The sample plan imported into the live server's database (once per session)."""
    live_cli(live_dir, "plan", "import", str(PLAN))


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's chromium under Playwright; never a downloaded browser."""
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        service_missing("chromium (make browser installs it)", FileNotFoundError("chromium"))
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield LocalisedBrowser(b)
        b.close()


def screenshot_dir() -> Path:
    out = ROOT / "var" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    return out
