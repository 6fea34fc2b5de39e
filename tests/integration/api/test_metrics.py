"""/healthz, /readyz and /metrics after a real sweep and a real SMTP delivery.

The scrape's mail counters must equal what the SMTP sink received, kind by kind; the
request id a client sent comes back in X-Request-ID and reaches the mail it caused.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text
from sqlmodel import Session, select

from notifications.models import Notification
from notifications.senders.smtp import SmtpSender
from notifications.stats import ESCALATION_KINDS, REMINDER_KINDS, outbox_stats
from tasks import jobs
from tests.integration.api.conftest import unit_coded, user_named
from tests.integration.notifications.conftest import make_settings
from tests.smtp_sink import SmtpSink
from workflow.logs import bound_request_id
from workflow.services import work_items
from workflow.settings import get_settings

pytestmark = pytest.mark.integration
LOOPBACK = ("127.0.0.1", 40123)


def _hanoi(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 7, tzinfo=UTC)


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    out: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
    for family in text_string_to_metric_families(body):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def _scrape(app: FastAPI) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    with TestClient(app, client=LOOPBACK) as monitor:
        r = monitor.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return _samples(r.text)


@pytest.fixture
def sink() -> SmtpSink:
    with SmtpSink() as server:
        yield server


def test_metrics_equal_what_the_smtp_sink_received(
    app: FastAPI,
    client: TestClient,
    org: Session,
    now: datetime,
    auth_for: object,
    sink: SmtpSink,
) -> None:
    before = _scrape(app)
    runs_key = ("planflow_job_runs_total", (("job", "sweep_due"),))
    # A head assigns through the API, naming the request; the assignment mail carries it.
    body = {
        "title": "Rà soát TTHC quý I",
        "lead_unit_id": unit_coded(org, "CCHC").id,
        "assignee_id": user_named(org, "cchc.linh").id,
        "due_working_days": 2,
    }
    r = client.post(
        "/items",
        json=body,
        headers={**auth_for("cchc.truong"), "X-Request-ID": "req-metrics-1"},  # type: ignore[operator]
    )
    assert r.status_code == 201, r.text
    assert r.headers["x-request-id"] == "req-metrics-1"
    smtp = SmtpSender(make_settings(smtp_host=sink.host, smtp_port=sink.port))
    # The delivery job relays the assignment event to the outbox and sends it.
    assert jobs.deliver_outbox(session=org, now=now, sender=smtp).sent == 1
    # Another item, overdue since long before the sweep: reminders and escalations.
    hoa = user_named(org, "tcbc.hoa")
    head = user_named(org, "tcbc.truong")
    work_items.create_item(
        session=org,
        now=_hanoi(date(2026, 2, 2), 8),
        spec=work_items.ItemSpec(
            title="Rà soát quy trình nội bộ",
            lead_unit_id=hoa.unit_id,
            assignee_id=hoa.id or 0,
            start_on=date(2026, 2, 2),
            due_on=date(2026, 3, 2),
        ),
        assigner=head,
    )
    tick = _hanoi(date(2026, 3, 10), 9)
    with bound_request_id("sweep-run-1"):
        swept = jobs.sweep_due(session=org, now=tick)
    assert swept.reminders >= 2 and swept.escalations >= 1
    # A minute later the sweep's mails have waited a minute (the assignment is still an event).
    pending = outbox_stats(session=org, now=tick + timedelta(minutes=1))
    assert pending.pending == swept.reminders + swept.escalations
    assert pending.oldest_pending_age_s == 60
    delivered = jobs.deliver_outbox(session=org, now=tick, sender=smtp)
    assert delivered.sent + 1 == len(sink.received) and delivered.failed == 0

    got = _scrape(app)
    kinds = Counter(m.message()["X-Planflow-Kind"] for m in sink.received)
    for kind, count in kinds.items():
        assert got[("planflow_mails_sent_total", (("kind", kind),))] == count
    assert got[("planflow_reminders_sent_total", ())] == sum(
        n for k, n in kinds.items() if k in REMINDER_KINDS
    )
    assert got[("planflow_escalations_sent_total", ())] == sum(
        n for k, n in kinds.items() if k in ESCALATION_KINDS
    )
    assert got[("planflow_reminders_sent_total", ())] == swept.reminders
    assert got[("planflow_escalations_sent_total", ())] == swept.escalations
    assert got[("planflow_outbox_messages", (("status", "pending"),))] == 0
    assert got[("planflow_outbox_messages", (("status", "sent"),))] == len(sink.received)
    assert got[("planflow_outbox_oldest_pending_age_seconds", ())] == 0
    assert got[("planflow_scheduler_leader", ())] == 0  # no scheduler holds the lock here
    assert got[runs_key] == before.get(runs_key, 0) + 1
    assert got[("planflow_job_duration_seconds_count", (("job", "sweep_due"),))] >= 1
    created = (
        "planflow_http_requests_total",
        (("method", "POST"), ("route", "/items"), ("status", "201")),
    )
    assert got[created] == before.get(created, 0) + 1

    # The request id reached the mails: the assignment the request queued, the sweep's own.
    ids = {m.message()["X-Planflow-Kind"]: m.message()["X-Request-ID"] for m in sink.received}
    assert ids["assigned"] == "req-metrics-1"
    assert ids["escalation"] == "sweep-run-1"
    rows = org.exec(select(Notification.request_id).where(Notification.kind == "assigned")).all()
    assert "req-metrics-1" in rows


def test_metrics_are_for_the_monitoring_server_only(
    app: FastAPI, client: TestClient, monkeypatch: pytest.MonkeyPatch, var_dir: Path
) -> None:
    # The test client's address is no IP: not in the allow-list, refused as problem+json.
    r = client.get("/metrics")
    assert r.status_code == 403
    assert r.headers["content-type"].startswith("application/problem+json")
    with TestClient(app, client=("10.9.8.7", 5000)) as outsider:
        assert outsider.get("/metrics").status_code == 403
    monkeypatch.setenv("PLANFLOW_METRICS_ALLOW", '["10.9.0.0/16"]')
    monkeypatch.setenv("PLANFLOW_METRICS_TOKEN", "scrape-token-0123456789")
    get_settings.cache_clear()
    with TestClient(app, client=("10.9.8.7", 5000)) as monitor:
        assert monitor.get("/metrics").status_code == 200
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    right = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert right.status_code == 200 and "planflow_outbox_messages" in right.text


def test_health_and_readiness(client: TestClient, org: Session) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    assert client.get("/readyz").json() == {"status": "ok"}
    # A database behind the code's migrations is not ready: 503 problem+json saying why.
    org.execute(text("UPDATE alembic_version SET version_num = '0000'"))
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "migrations: database at 0000" in r.json()["detail"]
    assert "planflow db upgrade" in r.json()["detail"]
