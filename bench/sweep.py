"""Sweep cost follows the due items, not the table: 1,000 due among 10k vs 1M open items.

Runs on the local PostgreSQL in a schema of its own (`pf_bench_sweep`), seeded with
generate_series. Prints t(big)/t(10k) for one sweep tick (target ≤ 1.5) and the claim
throughput in due items per second with 1 and 2 workers (processes, batches of 100).
The per-item step only moves `next_action_at` forward: what grows with the table is the
claim, which this isolates; the full per-item work is timed by bench/simulate.py.

    .venv/bin/python bench/sweep.py            # 10k vs 200k (fast)
    .venv/bin/python bench/sweep.py --full     # 10k vs 1M
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text
from sqlmodel import Session

from tasks import jobs
from workflow.db import make_engine
from workflow.migrate import upgrade
from workflow.models.work import WorkItem

BASE = os.environ.get(
    "PLANFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = "pf_bench_sweep"


def url_of(schema: str) -> str:
    return f"{BASE}{'&' if '?' in BASE else '?'}options=-csearch_path%3D{schema}"


URL = url_of(SCHEMA)
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
DUE = 1000


def _handler(session: Session, item: WorkItem, now: datetime, ctx: object) -> jobs.ItemOutcome:
    item.next_action_at = now + timedelta(days=1)
    return jobs.ItemOutcome(reminders=1)


def _reset_schema(schema: str) -> object:
    admin = make_engine(BASE)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    admin.dispose()
    engine = make_engine(url_of(schema))
    with engine.begin() as conn:
        upgrade(connection=conn)
        conn.execute(text("INSERT INTO unit (code, name, is_board) VALUES ('U', 'Phòng', false)"))
        conn.execute(
            text(
                "INSERT INTO app_user (username, email, full_name, unit_id, role, language,"
                " is_active, session_generation) VALUES ('o', 'o@x.vn', 'O', 1, 'officer', 'vi',"
                " true, 0)"
            )
        )
    return engine


def _add_items(engine: object, first: int, count: int, due: int) -> None:
    """Rows first..first+count-1; the `due` lowest ones are due at NOW, the rest later."""
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            text(
                """
                INSERT INTO work_item (title, state, priority, lead_unit_id, assignee_id,
                    assigner_id, start_on, due_at, original_due_at, escalation_level,
                    next_action_at, version, created_at, updated_at, paused_working_days,
                    progress_pct)
                SELECT 'bench ' || g, 'in_progress', 'normal', 1, 1, 1, DATE '2026-05-01',
                    :now + interval '30 days', :now + interval '30 days', 0,
                    CASE WHEN g < :first + :due THEN :now - (g % 600) * interval '1 minute'
                         ELSE :now + (1 + g % 9000) * interval '1 hour' END,
                    1, :now, :now, 0, 0
                FROM generate_series(:first, :first + :count - 1) AS g
                """
            ),
            {"now": NOW, "first": first, "count": count, "due": due},
        )
        conn.execute(text("ANALYZE work_item"))


def _make_due(engine: object, n: int) -> None:
    with engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(
            text(
                "UPDATE work_item SET next_action_at = :now - interval '1 minute' "
                "WHERE id IN (SELECT id FROM work_item ORDER BY id LIMIT :n)"
            ),
            {"now": NOW, "n": n},
        )


def _one_tick(engine: object) -> float:
    with Session(engine) as session:  # type: ignore[arg-type]
        started = time.perf_counter()
        result = jobs.sweep_due(
            session=session, now=NOW, batch_size=100, handler=_handler, make_context=lambda s: None
        )
        session.commit()
        elapsed = time.perf_counter() - started
    assert result.claimed == DUE, result
    return elapsed


def _tick_times(small: object, large: object, rounds: int = 5) -> tuple[float, float]:
    """Alternate the two tables so that load from other processes hits both alike."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(rounds):
        for engine, times in ((small, a), (large, b)):
            _make_due(engine, DUE)
            times.append(_one_tick(engine))
    return min(a), min(b)


def _worker(_: int) -> int:
    engine = make_engine(URL)
    done = 0
    while True:
        with Session(engine) as session:
            result = jobs.sweep_due(
                session=session,
                now=NOW,
                batch_size=100,
                max_items=100,
                handler=_handler,
                make_context=lambda s: None,
            )
            session.commit()
        if result.claimed == 0:
            engine.dispose()
            return done
        done += result.claimed


def _throughput(engine: object, workers: int, due: int) -> float:
    _make_due(engine, due)
    started = time.perf_counter()
    with mp.get_context("fork").Pool(workers) as pool:
        total = sum(pool.map(_worker, range(workers)))
    elapsed = time.perf_counter() - started
    assert total == due, (total, due)
    return due / elapsed


def _explain(engine: object) -> str:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        stmt = jobs._due_query(NOW, 100, None)
        compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True})
        rows = conn.execute(text(f"EXPLAIN {compiled}")).all()
    return "\n".join(r[0] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--full", action="store_true", help="1M open items instead of 200k")
    args = parser.parse_args()
    big = 1_000_000 if args.full else 200_000
    import logging

    logging.getLogger("planflow.jobs").setLevel(logging.WARNING)
    small_db = _reset_schema(SCHEMA + "_small")
    _add_items(small_db, 1, 10_000, DUE)
    engine = _reset_schema(SCHEMA)
    seeded = time.perf_counter()
    _add_items(engine, 1, big, DUE)
    seed_s = time.perf_counter() - seeded
    small, large = _tick_times(small_db, engine)
    print(f"plan of the claim query:\n{_explain(engine)}")
    print(f"one sweep tick, {DUE} due among 10k open:   {small * 1000:7.1f} ms")
    print(f"one sweep tick, {DUE} due among {big // 1000}k open: {large * 1000:7.1f} ms")
    print(f"ratio t({big // 1000}k)/t(10k) = {large / small:.2f} (target <= 1.5)")
    print(f"(seeding {big} rows took {seed_s:.1f}s)")
    due = 20_000
    one = _throughput(engine, 1, due)
    two = _throughput(engine, 2, due)
    print(f"sweep throughput, {due} due items: 1 worker {one:,.0f}/s, 2 workers {two:,.0f}/s")
    engine.dispose()
    small_db.dispose()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
