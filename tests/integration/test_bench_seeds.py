"""The benchmarks' seeding SQL still fits the schema: a bench that writes rows by hand
(generate_series, for speed) breaks silently when a NOT NULL column is added, and is only
found broken the day someone needs its figure. Each seed runs here at a tiny size."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import Session

from bench import sweep
from bench.rows import work_item_row
from tasks import jobs
from tests.conftest import ROOT
from workflow.models import WorkItem


def test_the_report_bench_seeds_and_runs_both_queries() -> None:
    done = subprocess.run(
        [sys.executable, "bench/report.py", "--items", "200", "--repeat", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "ratio" in done.stdout


def test_the_sweep_bench_seeds_due_and_later_items() -> None:
    engine = sweep._reset_schema(sweep.SCHEMA + "_seedcheck")
    try:
        sweep._add_items(engine, 1, 30, 7)
        with Session(engine) as session:  # type: ignore[arg-type]
            result = jobs.sweep_due(
                session=session,
                now=sweep.NOW,
                batch_size=5,
                handler=sweep._handler,
                make_context=lambda s: None,
            )
            rows = session.execute(text("SELECT count(*) FROM work_item")).scalar_one()
            session.rollback()
        assert (result.claimed, rows) == (7, 30)
    finally:
        engine.dispose()  # type: ignore[attr-defined]


def test_the_benches_item_row_fills_every_required_column() -> None:
    """bench/api.py and bench/search.py insert `work_item_row` dicts through the model's
    table: each NOT NULL column without a default (which the insert cannot fill) is in it."""
    required = {
        c.name
        for c in WorkItem.__table__.columns  # type: ignore[attr-defined]
        if not c.nullable and not c.primary_key and c.default is None and c.server_default is None
    }
    now = datetime(2026, 3, 2, tzinfo=UTC)
    row = work_item_row(title="t", state="assigned", unit_id=1, user_id=1, due_at=now, now=now)
    assert required - set(row) == set()
