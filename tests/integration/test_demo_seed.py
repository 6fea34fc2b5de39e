"""`planflow demo seed`: sample plan tasks assigned around today, idempotent, ladder-ready."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session

from tasks import jobs
from tests.conftest import SAMPLE_PLAN
from workflow.importer import parse_document, upsert_plan
from workflow.services.demo import seed_demo_items

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
