"""Distributed mode end to end: Celery workers (subprocesses) on real Redis sweep due items
and deliver to a real SMTP server; the sink holds exactly the expected mails."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from notifications.models import Notification
from tasks.celery_app import make_celery
from tests.conftest import fresh_schema
from tests.smtp_sink import SmtpSink
from tests.workers_support import (
    assert_each_once,
    cluster_env,
    mails_by_key,
    schema_name,
    seed_overdue_items,
    settings_of,
    start_worker,
    wait_for_mails,
)
from workflow.clock import utc_now
from workflow.models.work import WorkItem, WorkItemEvent

pytestmark = pytest.mark.integration


@pytest.fixture
def schema(worker_id: str) -> Iterator[tuple[str, Engine]]:
    name = schema_name(worker_id, "deliver")
    engine = fresh_schema(name)
    yield name, engine
    engine.dispose()


def test_two_workers_sweep_and_deliver_each_mail_once(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    name, engine = schema
    expected = seed_overdue_items(engine, now=utc_now(), count=12)
    with SmtpSink() as sink:
        env = cluster_env(
            schema=name,
            redis_url=redis_url.rsplit("/", 1)[0] + "/13",
            tag=uuid.uuid4().hex[:8],
            smtp_port=sink.port,
        )
        env["PLANFLOW_SWEEP_BATCH_SIZE"] = "5"  # 12 items → 3 sweep_batch tasks to share
        workers = [start_worker(env, tmp_path / f"w{n}.log", f"w{n}") for n in (1, 2)]
        try:
            make_celery(settings_of(env)).send_task("planflow.sweep_due")
            # Bounded, not a speed target: the other xdist worker may be driving a browser.
            wait_for_mails(engine, sink, expected, timeout=60)
            time.sleep(1.0)  # anything extra would arrive now
        finally:
            for w in workers:
                w.stop()
        by_key = mails_by_key(engine, sink)
        assert_each_once(by_key, expected)
        # 12 items x (assigned + overdue + 3 escalation levels)
        assert sink.count == len(expected) == 60
        with Session(engine) as s:
            rows = s.exec(select(Notification)).all()
            assert {r.status for r in rows} == {"sent"}
            for mail in sink.received:
                row = next(r for r in rows if r.message_id == mail.message()["Message-ID"])
                assert mail.rcpt_tos == [row.recipient_email]
            assert all(i.escalation_level == 3 for i in s.exec(select(WorkItem)).all())
            escalations = s.exec(
                select(WorkItemEvent).where(col(WorkItemEvent.action) == "escalate")
            ).all()
            assert len(escalations) == 36
    logs = "".join(w.output() for w in workers)
    # 12 items in batches of 5: three batches claim them all; under load a late batch may
    # still run and find nothing left (claimed=0), which is the idempotence we want.
    claimed = [int(n) for n in re.findall(r'"job": "sweep_batch", "claimed": (\d+)', logs)]
    assert sum(claimed) == 12
    assert max(claimed) == 5
    assert len([n for n in claimed if n]) >= 3
