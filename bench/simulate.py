"""One simulated year of an agency: 500 officers, 5,000 work items, on SQLite and PostgreSQL.

Prints the wall time of each (target: under 60 s on this machine) and the ratio
PostgreSQL/SQLite, measured side by side in one run. The demo dataset is the sample
organisation and plan (tasks/simulate.py); PostgreSQL runs in a schema of its own
(`pf_bench_simulate`), SQLite in a temporary file.

    .venv/bin/python bench/simulate.py            # 2 months, 850 items (fast)
    .venv/bin/python bench/simulate.py --full     # the year, 5,000 items
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from tasks.simulate import SimulationResult, fast_sqlite, run_simulation
from workflow.db import make_engine
from workflow.migrate import upgrade

BASE = os.environ.get(
    "PLANFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = "pf_bench_simulate"


def _pg_url() -> str:
    admin = make_engine(BASE)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    return f"{BASE}{'&' if '?' in BASE else '?'}options=-csearch_path%3D{SCHEMA}"


def _run(url: str, *, end: date, items: int, officers: int) -> tuple[float, SimulationResult]:
    engine = make_engine(url)
    with engine.begin() as conn:
        upgrade(connection=conn)
    fast_sqlite(engine)
    started = time.perf_counter()
    result = run_simulation(
        engine=engine,
        start=date(2026, 1, 1),
        end=end,
        tick=timedelta(hours=1),
        officers=officers,
        items=items,
    )
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="a whole year, 5,000 items")
    args = parser.parse_args()
    end, items = (date(2026, 12, 31), 5000) if args.full else (date(2026, 2, 28), 850)
    officers = 500
    times: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="pf-bench-sim-") as tmp:
        for name, url in (("sqlite", f"sqlite:///{Path(tmp) / 'sim.db'}"), ("postgresql", None)):
            elapsed, r = _run(url or _pg_url(), end=end, items=items, officers=officers)
            t = r.total()
            times[name] = elapsed
            print(
                f"{name:10s} 2026-01-01..{end} tick 1h: {items} items, {officers} officers: "
                f"{elapsed:6.1f} s ({r.ticks} ticks, {r.ticks_run} run); reminders={t.reminders} "
                f"escalations={t.escalations} reports={t.reports} on_time={t.closed_on_time} "
                f"late={t.closed_late} open={r.open_at_end}"
            )
    print(f"postgresql/sqlite wall time: {times['postgresql'] / times['sqlite']:.2f}")
    print("target: under 60 s each for --full (one year, 5,000 items)")


if __name__ == "__main__":
    main()
