"""Report aggregation on 100k work items vs a hand-written SQL GROUP BY, on PostgreSQL.

    .venv/bin/python bench/report.py [--items 100000] [--repeat 9]

Both run side by side in one process on the same rows (a throw-away schema); the
figure is the ratio of the best times, target <= 1.2. Ours also sums the working days
overdue (the holiday calendar passed as an array parameter, in the same scan) and rolls
the groups up per area and unit. On a busy machine a larger `--repeat` smooths noise.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text
from sqlmodel import Session

from workflow.calendar import WorkCalendar
from workflow.db import make_engine
from workflow.migrate import upgrade
from workflow.reporting.aggregate import Window, grouped_counts, roll_up
from workflow.reporting.periods import parse_period
from workflow.reporting.snapshot import Counts

BASE = os.environ.get(
    "PLANFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = f"pf_bench_{os.getpid()}"

SEED = """
INSERT INTO unit (id, code, name, is_board) SELECT g, 'U' || g, 'Đơn vị ' || g, false
  FROM generate_series(1, 12) g;
INSERT INTO app_user (id, username, email, full_name, unit_id, role, language, is_active,
                      session_generation)
  SELECT g, 'u' || g, 'u' || g || '@x.vn', 'Người ' || g, 1 + g % 12, 'officer', 'vi', true, 0
  FROM generate_series(1, 120) g;
INSERT INTO plan (id, key, title, sections, imported_at)
  VALUES (1, 'p', 'Kế hoạch', '{}', now());
INSERT INTO area (id, plan_id, number, title) SELECT g, 1, g, 'Lĩnh vực ' || g
  FROM generate_series(1, 6) g;
INSERT INTO plan_task (id, plan_id, area_id, key, position, text, status, supporting_unit_codes)
  SELECT g, 1, 1 + g % 6, 't' || g, g, 'Nhiệm vụ ' || g, 'active', '[]'
  FROM generate_series(1, 300) g;
INSERT INTO work_item (plan_task_id, title, state, priority, lead_unit_id, assignee_id,
  assigner_id, start_on, due_at, original_due_at, paused_working_days, escalation_level,
  progress_pct, version, created_at, updated_at, closed_at, closed_on_time)
SELECT CASE WHEN g % 20 = 0 THEN NULL ELSE 1 + g % 300 END,
       'Việc ' || g,
       s.state, 'normal', 1 + g % 12, 1 + g % 120, 1, d.due::date, d.due, d.due, 0,
       (g % 7 = 0)::int, 0, 1, d.due - interval '60 days', d.due - interval '60 days',
       CASE WHEN s.state = 'done' THEN d.due + ((g % 11) - 7) * interval '1 day' END,
       CASE WHEN s.state = 'done' THEN (g % 11) <= 7 END
FROM generate_series(1, :n) g,
LATERAL (SELECT timestamptz '2025-10-01 10:00+00' + (g % 240) * interval '1 day' AS due) d,
LATERAL (SELECT (ARRAY['done','done','done','in_progress','accepted','assigned',
                       'awaiting_review','cancelled'])[1 + g % 8] AS state) s;
INSERT INTO extension_request (work_item_id, requested_by_id, requested_due_at,
  previous_due_at, reason, status, created_at)
SELECT id, assignee_id, due_at + interval '10 days', due_at, 'x', 'pending',
       due_at - interval '3 days'
FROM work_item WHERE id % 17 = 0;
ANALYZE;
"""

HAND = """
SELECT pt.area_id, wi.lead_unit_id,
  count(*) AS total,
  sum(CASE WHEN wi.state = 'done' AND wi.closed_at < :cutoff
            AND coalesce(wi.closed_on_time, wi.closed_at <= wi.due_at) THEN 1 ELSE 0 END),
  sum(CASE WHEN wi.state = 'done' AND wi.closed_at < :cutoff
            AND NOT coalesce(wi.closed_on_time, wi.closed_at <= wi.due_at) THEN 1 ELSE 0 END),
  sum(CASE WHEN NOT (wi.state = 'done' AND wi.closed_at < :cutoff)
            AND wi.due_at >= :late THEN 1 ELSE 0 END),
  sum(CASE WHEN NOT (wi.state = 'done' AND wi.closed_at < :cutoff)
            AND wi.due_at < :late THEN 1 ELSE 0 END),
  sum(CASE WHEN NOT (wi.state = 'done' AND wi.closed_at < :cutoff)
            AND wi.due_at < :late AND wi.due_at >= :begin THEN 1 ELSE 0 END),
  sum(CASE WHEN NOT (wi.state = 'done' AND wi.closed_at < :cutoff)
            AND wi.escalation_level > 0 THEN 1 ELSE 0 END),
  sum(coalesce(e.n, 0))
FROM work_item wi
LEFT JOIN plan_task pt ON pt.id = wi.plan_task_id
LEFT JOIN (SELECT work_item_id, count(*) AS n FROM extension_request
           WHERE created_at >= :begin AND created_at < :cutoff GROUP BY work_item_id) e
       ON e.work_item_id = wi.id
WHERE wi.state NOT IN ('cancelled', 'withdrawn', 'returned')
  AND wi.created_at < :cutoff
  AND (wi.closed_at IS NULL OR wi.closed_at >= :begin)
GROUP BY pt.area_id, wi.lead_unit_id
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()
    admin = make_engine(BASE)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{SCHEMA}"'))
    sep = "&" if "?" in BASE else "?"
    engine = make_engine(f"{BASE}{sep}options=-csearch_path%3D{SCHEMA}")
    try:
        with engine.begin() as conn:
            upgrade(connection=conn)
        with engine.begin() as conn:
            for stmt in SEED.split(";\n"):
                if stmt.strip():
                    conn.execute(text(stmt), {"n": args.items})
        period = parse_period("2026Q1")
        window = Window.of(period, "Asia/Ho_Chi_Minh")
        calendar = WorkCalendar()
        # Late from the start of the last day: an item due on the cut-off day is not late yet.
        params = {"begin": window.begin, "cutoff": window.cutoff, "late": window.late}
        ours_t: list[float] = []
        hand_t: list[float] = []
        with Session(engine) as session:

            def ours_run() -> None:
                nonlocal groups, totals
                t0 = time.perf_counter()
                groups = grouped_counts(session, window, calendar=calendar)
                totals, _, _ = roll_up(session, groups)
                ours_t.append(time.perf_counter() - t0)

            def hand_run() -> None:
                nonlocal rows
                t0 = time.perf_counter()
                rows = session.execute(text(HAND), params).all()
                hand_t.append(time.perf_counter() - t0)

            groups, totals, rows = {}, Counts(), []
            for i in range(args.repeat):
                # Alternate which goes first: neither profits from the other's warm-up.
                for run in (ours_run, hand_run) if i % 2 == 0 else (hand_run, ours_run):
                    run()
        hand_total = sum(r[2] for r in rows)
        hand_overdue = sum(r[6] for r in rows)
        ours = (totals.total, totals.overdue)
        assert ours == (hand_total, hand_overdue), f"results differ: {ours} vs hand {hand_total}"
        ours, hand = min(ours_t), min(hand_t)
        print(
            f"report aggregation, {args.items:,} items ({totals.total:,} in Q1 2026 scope, "
            f"{len(groups)} area×unit groups): ours {ours * 1000:.1f} ms, "
            f"hand-written GROUP BY {hand * 1000:.1f} ms, ratio {ours / hand:.2f} (target <= 1.2)"
        )
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{SCHEMA}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
