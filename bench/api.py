"""List 50 items with filters at 100k items: planflow's endpoint vs a bare FastAPI route.

Both servers run as uvicorn subprocesses on loopback against the same PostgreSQL schema;
the bare one executes the equivalent SQL (same scope clause, filters, sort and limit)
and returns the rows as JSON with no auth, no models, no flags. A threaded httpx load
generator alternates between them (A/B/A/B) and prints throughput, p50/p99 and the ratio.

Run: .venv/bin/python bench/api.py [--full]   (--full: 4 rounds of 400 requests each)
Needs PostgreSQL (PLANFLOW_TEST_DATABASE_URL, default the test database); the 100k items
are kept in schema `pf_bench_api` between runs.
"""

from __future__ import annotations

import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import func, insert, select, text  # noqa: E402

from bench.rows import work_item_row  # noqa: E402
from tests.conftest import PG_BASE_URL  # noqa: E402
from workflow.db import make_engine  # noqa: E402

SCHEMA = "pf_bench_api"
N_ITEMS = 100_000
UNIT_CODE, USERNAME = "CCHC", "cchc.truong"

# The bare route's SQL: the unit head's scope, open states, a due window, sorted, 50 rows.
BARE_SQL = text(
    """
    SELECT id, title, state, priority, lead_unit_id, assignee_id, due_at, version
    FROM work_item
    WHERE (assignee_id = :uid OR lead_unit_id = :unit
           OR EXISTS (SELECT 1 FROM work_item_unit u
                      WHERE u.work_item_id = work_item.id AND u.unit_id = :unit))
      AND state IN ('accepted','assigned','awaiting_review','in_progress','paused','rework')
      AND due_at >= :after AND due_at < :before
    ORDER BY due_at, id
    LIMIT 51 OFFSET 0
    """
)


def schema_url() -> str:
    sep = "&" if "?" in PG_BASE_URL else "?"
    return f"{PG_BASE_URL}{sep}options=-csearch_path%3D{SCHEMA}"


def prepare() -> tuple[int, int]:
    """Create the schema with the sample org and 100k items once; return (user id, unit id)."""
    from workflow.migrate import upgrade
    from workflow.models import Unit, User, WorkItem, WorkItemUnit
    from workflow.services.org import load_org

    admin = make_engine(PG_BASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{SCHEMA}"'))
    admin.dispose()
    engine = make_engine(schema_url())
    with engine.begin() as conn:
        upgrade(connection=conn)
    from sqlmodel import Session

    with Session(engine) as session:
        count = session.execute(select(func.count()).select_from(WorkItem)).scalar_one()
        if count < N_ITEMS:
            org = (ROOT / "deploy" / "sample" / "org.yaml").read_text(encoding="utf-8")
            load_org(session=session, text=org)
            session.commit()
            units = session.execute(select(Unit.id)).scalars().all()
            users = session.execute(select(User.id, User.unit_id)).all()
            rng = random.Random(7)
            now = datetime(2026, 3, 2, tzinfo=UTC)
            states = ["assigned", "accepted", "in_progress", "awaiting_review", "done", "rework"]
            rows: list[dict[str, Any]] = []
            for i in range(count, N_ITEMS):
                uid, unit = rng.choice(users)
                due = now + timedelta(days=rng.randint(-60, 300), hours=rng.randint(0, 23))
                rows.append(
                    work_item_row(
                        title=f"Nhiệm vụ số {i}",
                        state=rng.choice(states),
                        unit_id=unit,
                        user_id=uid,
                        due_at=due,
                        now=now,
                    )
                )
            for start in range(0, len(rows), 5000):
                session.execute(insert(WorkItem), rows[start : start + 5000])
            session.commit()
            ids = session.execute(select(WorkItem.id)).scalars().all()
            links = {(wid, rng.choice(units)) for wid in rng.sample(list(ids), len(ids) // 10)}
            session.execute(
                insert(WorkItemUnit),
                [{"work_item_id": w, "unit_id": u, "role": "support"} for w, u in links],
            )
            session.commit()
            session.execute(text("ANALYZE"))
            session.commit()
        user = session.execute(select(User).where(User.username == USERNAME)).scalar_one()
        unit = session.execute(select(Unit).where(Unit.code == UNIT_CODE)).scalar_one()
        result = (user.id or 0, unit.id or 0)
    engine.dispose()
    return result


def serve_bare(port: int) -> None:
    """The baseline: one FastAPI route, a pooled engine, the SQL above, rows as JSON."""
    import uvicorn
    from fastapi import FastAPI

    engine = make_engine(schema_url())
    app = FastAPI()

    @app.get("/bare/items")
    def items(uid: int, unit: int, after: datetime, before: datetime) -> dict[str, Any]:
        with engine.connect() as conn:
            rows = conn.execute(
                BARE_SQL, {"uid": uid, "unit": unit, "after": after, "before": before}
            ).mappings()
            out = [dict(r) for r in rows]
        return {"items": out[:50], "has_more": len(out) > 50}

    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(cmd: list[str], env: dict[str, str], url: str) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(cmd, env=env, cwd=ROOT)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server did not start: {' '.join(cmd)}")


def load(url: str, params: Any, headers: dict[str, str], n: int, threads: int) -> Any:
    """n requests from `threads` threads; returns (requests per second, latencies in ms)."""
    latencies: list[float] = []
    lock = threading.Lock()

    def worker(count: int) -> None:
        with httpx.Client(headers=headers, timeout=30) as client:
            for _ in range(count):
                t0 = time.perf_counter()
                r = client.get(url, params=params)
                dt = (time.perf_counter() - t0) * 1000
                if r.status_code != 200:
                    raise SystemExit(f"{url}: {r.status_code} {r.text[:200]}")
                with lock:
                    latencies.append(dt)

    started = time.perf_counter()
    pool = [threading.Thread(target=worker, args=(n // threads,)) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return len(latencies) / (time.perf_counter() - started), latencies


def p99(values: list[float]) -> float:
    return statistics.quantiles(values, n=100)[98]


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--serve-bare":
        serve_bare(int(sys.argv[2]))
        return
    full = "--full" in sys.argv
    rounds, per_round, threads = (4, 400, 4) if full else (2, 150, 4)
    uid, unit = prepare()

    from api.auth import TokenKind, issue_token
    from workflow.clock import utc_now
    from workflow.models import User
    from workflow.settings import get_settings

    engine = make_engine(schema_url())
    from sqlmodel import Session

    with Session(engine) as session:
        user = session.get(User, uid)
        assert user is not None
        token = issue_token(user, kind=TokenKind.ACCESS, now=utc_now(), settings=get_settings())
    engine.dispose()

    env = {**os.environ, "PLANFLOW_DATABASE_URL": schema_url(), "PYTHONDONTWRITEBYTECODE": "1"}
    p_port, b_port = free_port(), free_port()
    planflow = start(
        [sys.executable, "-m", "uvicorn", "api.app:create_app", "--factory", "--port",
         str(p_port), "--log-level", "warning"],
        env,
        f"http://127.0.0.1:{p_port}/healthz",
    )  # fmt: skip
    bare = start(
        [sys.executable, __file__, "--serve-bare", str(b_port)],
        env,
        f"http://127.0.0.1:{b_port}/docs",
    )
    after, before = "2026-03-01T00:00:00Z", "2026-06-30T00:00:00Z"
    pf_url = f"http://127.0.0.1:{p_port}/items"
    pf_params = {
        "state": "assigned",
        "due_after": after,
        "due_before": before,
        "page_size": "50",
        "sort": "due_at",
    }
    # planflow's `state` filter takes a list; pass every open state like the bare SQL does.
    pf_query = [(k, v) for k, v in pf_params.items() if k != "state"] + [
        ("state", s)
        for s in ("accepted", "assigned", "awaiting_review", "in_progress", "paused", "rework")
    ]
    bare_url = f"http://127.0.0.1:{b_port}/bare/items"
    bare_params = {"uid": str(uid), "unit": str(unit), "after": after, "before": before}
    try:
        check = httpx.get(pf_url, params=pf_query, headers={"Authorization": f"Bearer {token}"})
        check_bare = httpx.get(bare_url, params=bare_params)
        pf_ids = [i["id"] for i in check.json()["items"]]
        bare_ids = [i["id"] for i in check_bare.json()["items"]]
        assert pf_ids == bare_ids, "the two endpoints must return the same page"
        # Warm both up, then alternate rounds so drift hits both alike.
        load(pf_url, pf_query, {"Authorization": f"Bearer {token}"}, 40, threads)
        load(bare_url, bare_params, {}, 40, threads)
        pf_rps, bare_rps, pf_lat, bare_lat = [], [], [], []
        for _ in range(rounds):
            r, lat = load(
                pf_url, pf_query, {"Authorization": f"Bearer {token}"}, per_round, threads
            )
            pf_rps.append(r)
            pf_lat += lat
            r, lat = load(bare_url, bare_params, {}, per_round, threads)
            bare_rps.append(r)
            bare_lat += lat
    finally:
        for proc in (planflow, bare):
            proc.terminate()
            proc.wait(timeout=10)
    pf, ba = statistics.median(pf_rps), statistics.median(bare_rps)
    print(f"items: {N_ITEMS}, page: 50 of the unit head's open items due in a window")
    print(f"{'':10} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for name, rps, lat in (("planflow", pf, pf_lat), ("bare", ba, bare_lat)):
        print(f"{name:10} {rps:8.1f} {statistics.median(lat):8.1f} {p99(lat):8.1f}")
    print(f"ratio planflow/bare throughput: {pf / ba:.2f} (target >= 0.5)")


if __name__ == "__main__":
    main()
