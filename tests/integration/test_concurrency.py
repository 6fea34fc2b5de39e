"""Concurrent signed-in users against a real server on PostgreSQL: all answered, or 503.

`planflow serve` runs as a subprocess in the PostgreSQL (distributed) mode on a free
loopback port. Sixty clients, four times the pool's 15 connections, read and write for a
few seconds and none fails: a request holds one connection at most, and the others wait
for one without taking a thread. With a pool of one connection held by a request that is
blocked on a table lock, the next request is answered 503 with Retry-After (problem+json
for the API, the error page for a page) after the pool timeout, not after 30 s.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tests.conftest import fresh_schema, schema_url
from tests.load_support import (
    LoadResult,
    SignedIn,
    free_port,
    prepare,
    run_load,
    server_env,
    sign_in,
    start_server,
    stop_server,
)
from tests.workers_support import make_item, schema_name
from workflow.db import session_scope

pytestmark = pytest.mark.integration

ASSIGNEES = ("cchc.linh", "tcbc.hoa", "ccvc.thu", "xdcq.mai", "vp.an")


@pytest.fixture(scope="module")
def schema(worker_id: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated schema with the sample organisation, dev passwords and a few open items."""
    name = schema_name(worker_id, "load")
    engine = fresh_schema(name)
    var = tmp_path_factory.mktemp("load-prep")
    prepare(server_env(database_url=schema_url(name), var=var, distributed=True), plan=False)
    now = datetime.now(UTC)
    with session_scope(engine) as session:
        for n, who in enumerate(ASSIGNEES):
            due = now + timedelta(days=n * 3 - 4)
            make_item(session, now=now, due_at=due, next_action_at=None, assignee=who)
    engine.dispose()
    yield name


def _serve(schema: str, var: Path, **settings: str) -> Iterator[str]:
    env = server_env(database_url=schema_url(schema), var=var, distributed=True, **settings)
    port = free_port()
    with open(var / "server.log", "wb") as log:
        proc = start_server(env, port=port, log=log)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_server(proc)


@pytest.fixture(scope="module")
def server(schema: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server with the default pool (5 + 10 connections). The wait limit is raised
    from 10 s: a shared CI machine may serve slowly, and this test is about errors."""
    var = tmp_path_factory.mktemp("load-server")
    yield from _serve(schema, var, PLANFLOW_DB_POOL_TIMEOUT_SECONDS="30")


@pytest.fixture
def tiny_pool_server(schema: str, tmp_path: Path) -> Iterator[str]:
    """The server with a pool of one connection and a one-second wait for it."""
    yield from _serve(
        schema,
        tmp_path,
        PLANFLOW_DB_POOL_SIZE="1",
        PLANFLOW_DB_MAX_OVERFLOW="0",
        PLANFLOW_DB_POOL_TIMEOUT_SECONDS="1",
        PLANFLOW_DB_RETRY_AFTER_SECONDS="3",
    )


def test_sixty_concurrent_signed_in_clients_all_succeed(server: str) -> None:
    async def scenario() -> tuple[list[SignedIn], LoadResult]:
        sessions = await sign_in(server)
        return sessions, await run_load(server, sessions, clients=60, seconds=4, timeout=30)

    sessions, result = asyncio.run(scenario())
    assert sum(len(s.item_ids) for s in sessions) >= len(ASSIGNEES)
    assert result.errors == {}, result.line()
    assert result.requests >= 60 and result.writes > 0, result.line()


def test_a_request_waiting_past_the_pool_timeout_gets_503_with_retry_after(
    schema: str, tiny_pool_server: str, pg_engine: Engine
) -> None:
    base = tiny_pool_server
    (officer,) = asyncio.run(sign_in(base, ("cchc.linh",)))
    headers = {"Accept-Language": "en"}
    held: dict[str, int] = {}
    locker = pg_engine.connect()
    try:
        locker.execute(text(f'LOCK TABLE "{schema}".app_user IN ACCESS EXCLUSIVE MODE'))

        def blocked_request() -> None:
            # Loads the signed-in user: waits on the lock, holding the only connection.
            answer = httpx.get(f"{base}/items", cookies=officer.cookies, timeout=30)
            held["status"] = answer.status_code

        holder = threading.Thread(target=blocked_request)
        holder.start()
        time.sleep(1.0)  # the holder has the connection and waits on the lock
        assert "status" not in held

        started = time.monotonic()
        api = httpx.get(f"{base}/items", cookies=officer.cookies, headers=headers, timeout=30)
        waited = time.monotonic() - started
        page = httpx.get(f"{base}/my", cookies=officer.cookies, headers=headers, timeout=30)
    finally:
        locker.rollback()
        locker.close()
    holder.join(timeout=30)

    assert api.status_code == 503
    assert api.headers["retry-after"] == "3"
    assert api.headers["content-type"].startswith("application/problem+json")
    assert api.json()["title"] == "Service unavailable"
    assert 0.9 <= waited < 10
    assert page.status_code == 503
    assert page.headers["retry-after"] == "3"
    assert page.headers["content-type"].startswith("text/html")
    assert 'id="page-error"' in page.text
    # Once the lock is gone the held request completes: nothing was lost.
    assert held["status"] == 200
    after = httpx.get(f"{base}/items", cookies=officer.cookies, timeout=30)
    assert after.status_code == 200
