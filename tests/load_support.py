"""Concurrent signed-in clients against a live `planflow serve` (bench/concurrency.py, CI).

A server is prepared as `make run` prepares it (migrate, sample organisation and plan, task
distribution, dev passwords, demo items) on SQLite or on a PostgreSQL schema, started as a
subprocess on a loopback port, and driven by asyncio clients: each client has its own HTTP
connection and a copy of one signed-in browser session (cookie + CSRF token), and loops
over a mix of pages, API reads and comment writes until its deadline or request budget.
"""

from __future__ import annotations

import asyncio
import os
import random
import secrets
import socket
import ssl
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import httpx

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-m", "api.cli"]
SAMPLE = ROOT / "deploy" / "sample"
PLAN = SAMPLE / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"
PLAN_KEY = "cai-cach-hanh-chinh-so-noi-vu-giai-doan-2021-2030"
DEV_PASSWORD = "planflow-dev"  # the documented dev password (README)
# Signed in once each (the login limit per address is 20 a minute); clients share them.
USERS = (
    "gd.minh",
    "pgd.dong",
    "vp.cchc",
    "cchc.truong",
    "cchc.linh",
    "tcbc.truong",
    "tcbc.hoa",
    "ccvc.truong",
    "vp.truong",
    "xdcq.truong",
)
# Loopback HTTP needs no TLS, but each client would build (and load CA files into) a TLS
# context of its own: one shared context keeps a thousand clients' start-up cheap.
_TLS = ssl.create_default_context()
# Per-client budget: a loop that ends even if the clock misbehaves.
MAX_REQUESTS_PER_CLIENT = 100_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_env(*, database_url: str, var: Path, distributed: bool, **extra: str) -> dict[str, str]:
    """The server's environment: embedded as `make run`, or the PostgreSQL (distributed) mode."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(
        PLANFLOW_DATABASE_URL=database_url,
        PLANFLOW_VAR_DIR=str(var),
        PYTHONUNBUFFERED="1",
    )
    if distributed:
        env.update(
            PLANFLOW_MODE="distributed",
            PLANFLOW_SECRET_KEY=secrets.token_urlsafe(48),
            PLANFLOW_MAIL_BACKEND="smtp",
            # Plain HTTP on loopback: a Secure cookie would never come back.
            PLANFLOW_COOKIE_SECURE="false",
        )
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str) -> None:
    subprocess.run([*CLI, *args], env=env, cwd=ROOT, check=True, capture_output=True)


def prepare(env: dict[str, str], *, plan: bool = True) -> None:
    """The `make run` set-up on the server's database (dev passwords need embedded mode,
    so that one step runs as embedded on the same database)."""
    cli(env, "db", "upgrade")
    cli(env, "org", "load", str(SAMPLE / "org.yaml"))
    if plan:
        cli(env, "plan", "import", str(PLAN))
        cli(env, "plan", "units", PLAN_KEY, str(SAMPLE / "task-units.yaml"))
    cli({**env, "PLANFLOW_MODE": "embedded"}, "user", "dev-passwords")
    if plan:
        cli(env, "demo", "seed")


def start_server(env: dict[str, str], *, port: int, log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`planflow serve` on 127.0.0.1:`port`, once it answers /healthz."""
    proc = subprocess.Popen(
        [*CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    # Generous: on a busy shared machine importing the app alone can take a minute.
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not answer /healthz within 180 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@dataclass(frozen=True)
class SignedIn:
    """One browser session: its cookies and the items its user sees."""

    username: str
    cookies: dict[str, str]
    item_ids: tuple[int, ...]


async def sign_in(base: str, usernames: tuple[str, ...] = USERS) -> list[SignedIn]:
    """Sign each user in through the login form (CSRF cookie first, as a browser does)."""
    out: list[SignedIn] = []
    for username in usernames:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            await client.get("/login")
            csrf = client.cookies["pf_csrf"]
            form = {"username": username, "password": DEV_PASSWORD, "csrf_token": csrf}
            answer = await client.post("/login", data=form)
            if answer.status_code != 303:
                raise RuntimeError(f"{username} could not sign in: {answer.status_code}")
            items = (await client.get("/items", params={"page_size": 50})).json()["items"]
            cookies = {name: client.cookies[name] for name in ("pf_session", "pf_csrf")}
            out.append(SignedIn(username, cookies, tuple(i["id"] for i in items)))
    return out


@dataclass
class LoadResult:
    """What the clients saw: latencies of answered requests and errors by kind."""

    clients: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    writes: int = 0

    @property
    def requests(self) -> int:
        return len(self.latencies) + sum(self.errors.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())

    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """The q-quantile latency in ms of the answered requests."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    def line(self) -> str:
        kinds = ", ".join(f"{k}: {n}" for k, n in self.errors.most_common()) or "none"
        return (
            f"{self.clients} clients, {self.seconds:.0f} s: {self.requests} requests "
            f"({self.writes} writes), {self.rps():.0f} req/s, p50 {self.percentile(0.5):.0f} ms, "
            f"p99 {self.percentile(0.99):.0f} ms, errors {self.error_count} ({kinds})"
        )


def _pick(rng: random.Random, who: SignedIn, write_share: float) -> tuple[str, str, bool]:
    """(method, path, is write) of the next request of a client."""
    if who.item_ids and rng.random() < write_share:
        return "POST", f"/items/{rng.choice(who.item_ids)}/comments", True
    roll = rng.random()
    if roll < 0.4:
        return "GET", "/items?page_size=20", False
    if roll < 0.6:
        return "GET", "/my", False
    if roll < 0.8 and who.item_ids:
        return "GET", f"/ui/items/{rng.choice(who.item_ids)}", False
    return "GET", "/", False


async def _client(
    base: str,
    who: SignedIn,
    *,
    seed: int,
    deadline: float,
    write_share: float,
    timeout: float,
    result: LoadResult,
) -> None:
    rng = random.Random(seed)
    headers = {"X-CSRF-Token": who.cookies["pf_csrf"], "Accept-Language": "vi"}
    limits = httpx.Limits(max_connections=1)
    async with httpx.AsyncClient(
        base_url=base,
        cookies=who.cookies,
        headers=headers,
        timeout=timeout,
        limits=limits,
        verify=_TLS,
    ) as client:
        for n in range(MAX_REQUESTS_PER_CLIENT):
            if time.monotonic() >= deadline:
                return
            method, path, write = _pick(rng, who, write_share)
            started = time.monotonic()
            try:
                if write:
                    body = {"body": f"tải thử {seed}-{n}"}
                    answer = await client.request(method, path, json=body)
                else:
                    answer = await client.request(method, path)
            except httpx.TimeoutException:
                result.errors["timeout"] += 1
                continue
            except httpx.HTTPError as exc:
                result.errors[type(exc).__name__] += 1
                await asyncio.sleep(0.1)  # a refused connection fails at once: no busy loop
                continue
            if answer.status_code >= 400:
                result.errors[f"HTTP {answer.status_code}"] += 1
                if answer.status_code == 503:
                    # As a well-behaved client does: come back when the server said to.
                    retry = answer.headers.get("retry-after", "1")
                    await asyncio.sleep(min(float(retry) if retry.isdigit() else 1.0, 10.0))
                continue
            result.latencies.append(time.monotonic() - started)
            result.writes += write


async def run_load(
    base: str,
    sessions: list[SignedIn],
    *,
    clients: int,
    seconds: float,
    write_share: float = 0.2,
    timeout: float = 60.0,
) -> LoadResult:
    """`clients` concurrent clients for `seconds`, each on a copy of one of `sessions`."""
    result = LoadResult(clients=clients)
    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _client(
                base,
                sessions[i % len(sessions)],
                seed=i,
                deadline=deadline,
                write_share=write_share,
                timeout=timeout,
                result=result,
            )
            for i in range(clients)
        )
    )
    result.seconds = time.monotonic() - started
    return result
