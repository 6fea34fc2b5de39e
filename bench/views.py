"""The board, timeline, deadline calendar and Director's dashboard on 100k work items, each
against the plain SQL reading the same rows, on PostgreSQL.

    .venv/bin/python bench/views.py [--items 100000] [--repeat 7]

The rows are bench/report.py's (12 units, 300 plan tasks in 6 areas, deadlines over 240
days from October 2025, a fifth of them open), read as the director, who sees them all; "now"
is 2 March 2026. Each view's service runs side by side with a hand-written SELECT of the
rows it reads (its unit's cards, the year's bars, the month's deadlines, the report's GROUP
BY for the dashboard), best of `--repeat`; the figures are each view's time (issue 17's
target: under 300 ms) and its ratio to the plain read (what the grouping, flags and
visibility cost on top).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from workflow.calendar import WorkCalendar  # noqa: E402
from workflow.db import make_engine  # noqa: E402
from workflow.migrate import upgrade  # noqa: E402
from workflow.models import User  # noqa: E402
from workflow.reporting.aggregate import Window  # noqa: E402
from workflow.reporting.dashboard import work_scope  # noqa: E402
from workflow.reporting.director import director_board  # noqa: E402
from workflow.reporting.periods import parse_period  # noqa: E402
from workflow.services.board import unit_board  # noqa: E402
from workflow.services.deadline_calendar import Whose, deadline_calendar  # noqa: E402
from workflow.services.timeline import Zoom, plan_timeline  # noqa: E402
from workflow.settings import get_settings  # noqa: E402

# The 100k rows of the report benchmark, the one seed of both.
_spec = importlib.util.spec_from_file_location("bench_report", ROOT / "bench" / "report.py")
assert _spec is not None and _spec.loader is not None
report_bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_bench)

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
PLAIN = {
    "board": """SELECT * FROM work_item WHERE lead_unit_id = 1
        AND (state NOT IN ('done', 'cancelled', 'withdrawn', 'returned')
             OR closed_at >= :now - interval '30 days')
        ORDER BY due_at, id LIMIT 401""",
    "timeline": """SELECT wi.*, pt.* FROM work_item wi JOIN plan_task pt ON pt.id = wi.plan_task_id
        WHERE pt.plan_id = 1 AND wi.due_at >= '2026-01-01' AND wi.start_on <= '2026-12-31'
        ORDER BY pt.area_id, pt.position, wi.start_on LIMIT 1501""",
    "calendar": """SELECT * FROM work_item WHERE lead_unit_id = 1
        AND due_at >= '2026-02-23' AND due_at < '2026-04-06' ORDER BY due_at, id LIMIT 2001""",
}


def best(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    base, schema = report_bench.BASE, report_bench.SCHEMA
    admin = make_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    engine = make_engine(f"{base}{sep}options=-csearch_path%3D{schema}")
    settings = get_settings()
    try:
        with engine.begin() as conn:
            upgrade(connection=conn)
        with engine.begin() as conn:
            for stmt in report_bench.SEED.split(";\n"):
                if stmt.strip():
                    conn.execute(text(stmt), {"n": args.items})
            conn.execute(text("UPDATE app_user SET role = 'director' WHERE id = 1"))
            conn.execute(text("UPDATE plan SET start_year = 2025, end_year = 2026"))
        calendar = WorkCalendar()
        with Session(engine) as session:
            director = session.exec(select(User).where(User.id == 1)).one()
            views: dict[str, Callable[[], Any]] = {
                "board": lambda: unit_board(
                    session=session, user=director, unit_id=1, now=NOW, settings=settings
                ),
                "timeline": lambda: plan_timeline(
                    session=session,
                    user=director,
                    plan_id=1,
                    now=NOW,
                    settings=settings,
                    zoom=Zoom.YEAR,
                    year=2026,
                ),
                "calendar": lambda: deadline_calendar(
                    session=session,
                    user=director,
                    now=NOW,
                    settings=settings,
                    lang="vi",
                    anchor=date(2026, 3, 1),
                    whose=Whose.UNIT,
                    unit_id=1,
                ),
                "director": lambda: director_board(
                    session=session,
                    scope=work_scope(session=session, user=director),
                    now=NOW,
                    calendar=calendar,
                    tz=settings.timezone,
                    at_risk_ratio=settings.indicator_at_risk_ratio,
                ),
            }
            window = Window.of(parse_period("2026Q1"), settings.timezone)
            plain: dict[str, Callable[[], Any]] = {
                name: (lambda sql=sql: session.execute(text(sql), {"now": NOW}).all())
                for name, sql in PLAIN.items()
            }
            plain["director"] = lambda: session.execute(
                text(report_bench.HAND), {"begin": window.begin, "cutoff": window.cutoff}
            ).all()
            for name, view in views.items():
                view()  # warm: statements built, calendars computed
                ours = best(view, args.repeat)
                hand = best(plain[name], args.repeat)
                verdict = "ok" if ours < 0.3 else "OVER 300 ms"
                print(
                    f"{name}, {args.items:,} items: {ours * 1000:.1f} ms ({verdict}); "
                    f"plain read {hand * 1000:.1f} ms, ratio {ours / hand:.1f}"
                )
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
