"""`planflow simulate`: the jobs in virtual time on a fresh demo dataset (SQLite file)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from notifications.models import Notification
from tasks.simulate import fast_sqlite, run_simulation
from workflow.db import make_engine
from workflow.migrate import upgrade
from workflow.models.plan import PlanTask
from workflow.models.report import ReportRun
from workflow.models.work import WorkItem

pytestmark = pytest.mark.integration


def _count(session: Session, model: type, *where: object) -> int:
    return int(session.exec(select(func.count()).select_from(model).where(*where)).one())


def test_two_months_with_a_six_hour_tick_count_consistently(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sim.db'}"
    upgrade(url)
    engine = make_engine(url)
    fast_sqlite(engine)
    seen: list[tuple[int, int]] = []
    result = run_simulation(
        engine=engine,
        start=date(2026, 1, 1),
        end=date(2026, 2, 28),
        tick=timedelta(hours=6),
        officers=30,
        items=120,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert list(result.months) == ["2026-01", "2026-02"]
    total = result.total()
    assert min(total.reminders, total.escalations, total.reports) > 0
    assert min(total.closed_on_time, total.closed_late) > 0
    assert result.ticks == 59 * 4 and 0 < result.ticks_run <= result.ticks
    assert seen[-1] == (result.ticks, result.ticks)
    with Session(engine) as s:
        reminder_kinds = ("reminder", "due_today", "overdue")
        assert total.reminders == _count(
            s, Notification, col(Notification.kind).in_(reminder_kinds)
        )
        assert total.escalations == _count(s, Notification, Notification.kind == "escalation")
        assert total.reports == _count(s, ReportRun)
        assert total.closed_on_time == _count(
            s, WorkItem, WorkItem.state == "done", col(WorkItem.closed_on_time)
        )
        assert total.closed_on_time + total.closed_late == _count(
            s, WorkItem, WorkItem.state == "done"
        )
        assert result.open_at_end == _count(s, WorkItem, col(WorkItem.closed_at).is_(None))
        assert _count(s, WorkItem) == result.items == 120
        # Items come from the imported sample plan's tasks.
        assert _count(s, WorkItem, col(WorkItem.plan_task_id).is_(None)) == 0
        assert _count(s, PlanTask) > 20
        # Nothing queued twice: every dedup key is unique by constraint, and the ladder
        # never sends more reminder-like mails than rungs (3 reminders + overdue) per item.
        assert total.reminders <= 4 * 120 and total.escalations <= 3 * 120
    engine.dispose()


def test_cli_prints_a_table_per_month() -> None:
    out = CliRunner().invoke(
        app,
        [
            *("simulate", "--from", "2026-03-01", "--to", "2026-03-31", "--tick", "1d"),
            *("--items", "30", "--officers", "15"),
        ],
    )
    assert out.exit_code == 0, out.output
    assert "2026-03" in out.output and "total" in out.output and "escalations" in out.output
    bad = CliRunner().invoke(app, ["simulate", "--tick", "0h"])
    assert bad.exit_code != 0
