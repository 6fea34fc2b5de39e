"""Concurrent signed-in users: 200 clients for 60 s against the server in both modes.

Each mode's server is prepared and started as it runs for real: embedded as `make run`
does (SQLite under a fresh var directory, in-process scheduler) and the PostgreSQL mode
(distributed: schema `pf_bench_concurrency` of the test database, its own secret key).
The clients (tests/load_support.py) share 10 signed-in browser sessions of sample users
and loop over the item list (API), "my items", an item's page, the dashboard, and a
comment on a visible item (one request in five writes), each on its own connection; a
client answered 503 waits its Retry-After before the next request (counted as an error).
Prints requests/s, p50/p99 latency and the errors by kind.

Run: .venv/bin/python bench/concurrency.py [--mode embedded|postgres|both] [--clients 200]
     [--seconds 60]
With more than 200 clients (e.g. --clients 1000) it ramps up by 200 clients per step
(--step-seconds each) and reports the first step where answers fail or slow past the
database wait limit, and how. Loopback only; needs PostgreSQL and Redis for the second mode.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import fresh_schema, schema_url  # noqa: E402
from tests.load_support import (  # noqa: E402
    LoadResult,
    free_port,
    prepare,
    run_load,
    server_env,
    sign_in,
    start_server,
    stop_server,
)
from workflow.settings import Settings  # noqa: E402

SCHEMA = "pf_bench_concurrency"
EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception): .*")
STEP = 200


def _env(mode: str, var: Path) -> dict[str, str]:
    if mode == "embedded":
        url = f"sqlite:///{var / 'planflow.db'}"
        return server_env(database_url=url, var=var, distributed=False)
    fresh_schema(SCHEMA).dispose()
    return server_env(
        database_url=schema_url(SCHEMA),
        var=var,
        distributed=True,
        PLANFLOW_REDIS_URL="redis://127.0.0.1:6379/13",
        PLANFLOW_CELERY_QUEUE="pf-bench-concurrency",
        PLANFLOW_CELERY_KEY_PREFIX="pf-bench-concurrency:",
    )


def _degraded(result: LoadResult, wait_limit_ms: float) -> str | None:
    """How this step degraded, or None while every answer came within the wait limit."""
    if result.error_count:
        kinds = ", ".join(f"{n} × {k}" for k, n in result.errors.most_common())
        return f"{result.error_count} of {result.requests} requests failed ({kinds})"
    if result.percentile(0.99) > wait_limit_ms:
        return (
            f"no errors, but p99 {result.percentile(0.99):.0f} ms exceeds the database wait "
            f"limit ({wait_limit_ms:.0f} ms): requests queue for a connection"
        )
    return None


async def _measure(base: str, clients: int, seconds: float, step_seconds: float) -> None:
    sessions = await sign_in(base)
    if clients <= STEP:
        print("  " + (await run_load(base, sessions, clients=clients, seconds=seconds)).line())
        return
    wait_limit_ms = 1000 * Settings(_env_file=None).db_pool_timeout_seconds  # type: ignore[call-arg]
    first: tuple[int, str] | None = None
    for step in range(STEP, clients + 1, STEP):
        result = await run_load(base, sessions, clients=step, seconds=step_seconds)
        print("  " + result.line(), flush=True)
        how = _degraded(result, wait_limit_ms)
        if how is not None and first is None:
            first = (step, how)
    if first is None:
        print(f"  no degradation up to {clients} clients")
    else:
        print(f"  degrades at {first[0]} clients: {first[1]}")


def bench_mode(mode: str, clients: int, seconds: float, step_seconds: float) -> None:
    with tempfile.TemporaryDirectory(prefix=f"pf-bench-{mode}-") as tmp:
        var = Path(tmp)
        env = _env(mode, var)
        print(f"== {mode}: preparing as `make run` does...", flush=True)
        prepare(env)
        port = free_port()
        with open(var / "server.log", "wb") as log:
            proc = start_server(env, port=port, log=log)
            try:
                asyncio.run(_measure(f"http://127.0.0.1:{port}", clients, seconds, step_seconds))
            finally:
                stop_server(proc)
        # The exceptions behind any 500, one line per kind.
        lines = (var / "server.log").read_text(errors="replace").splitlines()
        raised = Counter(m.group(0)[:160] for line in lines if (m := EXCEPTION.match(line)))
        for what, n in raised.most_common(5):
            print(f"  server log: {n} × {what}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mode", choices=["embedded", "postgres", "both"], default="both")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--step-seconds", type=float, default=20.0)
    args = parser.parse_args()
    modes = ["embedded", "postgres"] if args.mode == "both" else [args.mode]
    for mode in modes:
        bench_mode(mode, args.clients, args.seconds, args.step_seconds)


if __name__ == "__main__":
    main()
