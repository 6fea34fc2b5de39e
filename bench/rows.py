"""The work item row the benches insert in bulk (`insert(WorkItem)` with a list of dicts):
every NOT NULL column once, here, so a column added to the model is added in one place
(tests/integration/test_bench_seeds.py checks it against the model)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any


def work_item_row(
    *, title: str, state: str, unit_id: int, user_id: int, due_at: datetime, now: datetime
) -> dict[str, Any]:
    """An item of `unit_id` assigned to (and by) `user_id`, created at `now`."""
    return {
        "title": title,
        "state": state,
        "priority": "normal",
        "lead_unit_id": unit_id,
        "assignee_id": user_id,
        "assigner_id": user_id,
        "start_on": date(2026, 1, 1),
        "due_at": due_at,
        "original_due_at": due_at,
        "escalation_level": 0,
        "version": 1,
        "paused_working_days": 0,
        "progress_pct": 0,
        "created_at": now,
        "updated_at": now,
    }
