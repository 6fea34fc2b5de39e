"""`planflow demo seed`: sample plan tasks assigned around today, idempotent, ladder-ready."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from tasks import jobs
from tests.conftest import ROOT, SAMPLE_PLAN
from workflow.importer import parse_document, upsert_plan
from workflow.models import Plan, ReportRun
from workflow.reporting.snapshot import ReportSnapshot
from workflow.services.demo import seed_demo_history, seed_demo_items
from workflow.services.plan_units import apply_unit_mapping
from workflow.yamlio import load_yaml_with_lines

SAMPLE_UNITS = ROOT / "deploy" / "sample" / "task-units.yaml"

pytestmark = pytest.mark.integration


def test_seed_is_idempotent_and_the_first_sweep_reminds_and_escalates(
    org: Session, now: datetime
) -> None:
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    upsert_plan(session=org, tree=tree, now=now, source=SAMPLE_PLAN.name)
    first = seed_demo_items(session=org, now=now)
    assert len(first.created) == 6 and first.existing == 0
    assert all(i.plan_task_id is not None for i in first.created)
    again = seed_demo_items(session=org, now=now)
    assert (len(again.created), again.existing) == (0, 6)
    # One collapsed reminder per item (5 days, 1 day, today, 3x overdue) and escalations
    # 1, 1+2 and 1+2+3 for the items 2, 4 and 6 working days late.
    sweep = jobs.sweep_due(session=org, now=now)
    assert (sweep.claimed, sweep.reminders, sweep.escalations) == (6, 6, 6)
    assert jobs.sweep_due(session=org, now=now).claimed == 0


def test_history_gives_the_director_last_quarters_report(org: Session, now: datetime) -> None:
    """The sample plan distributed to units: the last reported quarter's work, closed on time,
    late or left open, and its report frozen from it (once)."""
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    plan = upsert_plan(session=org, tree=tree, now=now, source=SAMPLE_PLAN.name)
    units = load_yaml_with_lines(SAMPLE_UNITS.read_text(encoding="utf-8"), source="units")
    plan_id = org.exec(select(Plan.id).where(Plan.key == plan.plan_key)).one()
    apply_unit_mapping(session=org, actor=None, plan_id=plan_id, mapping=units)
    seed_demo_items(session=org, now=now)
    history = seed_demo_history(session=org, now=now)
    # `now` is Monday 2 March 2026: the last reported quarter is Q3 2025 (15/6 - 14/9).
    assert history.period_label == "quý III năm 2025"
    assert len(history.created) == 8 and history.report_id is not None
    run = org.get(ReportRun, history.report_id)
    assert run is not None
    totals = ReportSnapshot.from_json(run.snapshot).totals
    assert (totals.total, totals.done_on_time, totals.done_late, totals.overdue) == (8, 4, 2, 2)
    # Nothing of the history is mailed: its events are older than the give-up window.
    relay_events(session=org, now=now, batch_size=100)
    history_ids = [i.id for i in history.created]
    mailed = org.exec(
        select(Notification).where(col(Notification.work_item_id).in_(history_ids))
    ).all()
    assert mailed == []
    again = seed_demo_history(session=org, now=now)
    assert again.created == [] and again.report_id is None
