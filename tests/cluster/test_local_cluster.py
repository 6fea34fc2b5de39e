"""The distributed mode as a cluster on one machine (`make test-cluster`).

`deploy/local-cluster.sh` starts haproxy in front of two API processes, two Celery workers,
two schedulers (one leads) and an SMTP sink writing a Maildir, on the local PostgreSQL and
Redis, every process on the same accelerated clock (`PLANFLOW_CLOCK_*`: 4 virtual hours a
second). Through the balancer the coordinator imports and issues a 1,000-task plan; no one
works on the items, so each gets its whole ladder. Mid-way, in the overdue and escalation
wave, one worker, the leading scheduler and one API process are killed with SIGKILL (and
not restarted), while a client polls through haproxy the whole time.

At the end (30 virtual days after issuing) the sink holds exactly the expected mails,
kind by kind, each outbox row once: counted as distinct Message-IDs, since a worker killed
between the SMTP server's 250 and its commit resends that one message with the same
Message-ID (decision 0007); the raw count may exceed it by that one message. /metrics,
scraped through the balancer, says the same; the standby scheduler took over within
seconds; and no request through the balancer failed for longer than the health check's
interval. The figures are printed (run with -s to see them).

The plan's ladder is one reminder 5 working days ahead, the overdue notice and escalations
1 and 3 working days after: rungs at least a day apart in virtual time (6 s on the
accelerated clock), so a tick that comes late never collapses two reminders into one, and
the expected count does not depend on how loaded the machine is.
"""

from __future__ import annotations

import mailbox
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from api.auth import set_password
from notifications.models import Notification
from notifications.preferences import set_preferences
from tests.conftest import ROOT, SAMPLE_ORG, fresh_schema, service_missing
from tests.plan_docs import task_table_plan
from tests.smtp_sink import free_port
from tests.workers_support import cluster_env, schema_name, wait_until
from workflow.db import session_scope
from workflow.models.org import Unit, User
from workflow.models.plan import Plan
from workflow.models.work import WorkItem
from workflow.services.org import load_org

pytestmark = [pytest.mark.cluster, pytest.mark.fault, pytest.mark.integration]

SCRIPT = ROOT / "deploy" / "local-cluster.sh"
HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
SPEED = 4 * 3600  # 4 virtual hours per second: 30 days in 3 minutes
VIRTUAL_START = datetime(2026, 3, 2, tzinfo=HANOI)  # a Monday, before the wall clock's today
ITEMS = 1000
POLICY = {"reminders": [5], "escalations": [1, 3]}
PER_ITEM = {"assigned": 1, "reminder": 1, "overdue": 1, "escalation": len(POLICY["escalations"])}
DAYS = 30
KILL_AFTER_DAYS = 15  # after issuing: dues are 10-18 days out, the overdue wave
JOBS_COUNTED = ("sweep_due", "sweep_batch", "deliver_outbox")
CHECK_INTERVAL_S = 1.0  # haproxy's health check (deploy/local-cluster.sh CHECK_INTERVAL)
PASSWORD = "cluster-run-password"  # the throw-away schema's coordinator
START_TIMEOUT_S = 240.0  # imports alone took 30 s at load 26 (tests/e2e/test_cluster_faults.py)


@dataclass
class Poll:
    """A client polling through the balancer the whole time."""

    url: str
    headers: dict[str, str]
    results: list[tuple[float, float, bool, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        paths = ("/readyz", "/plans")
        with httpx.Client(base_url=self.url, timeout=30, headers=self.headers) as client:
            n = 0
            while not self.stop.is_set():
                path = paths[n % len(paths)]
                n += 1
                started = time.monotonic()
                try:
                    status = client.get(path).status_code
                    ok, what = status == 200, str(status)
                except httpx.HTTPError as exc:
                    ok, what = False, type(exc).__name__
                self.results.append((started, time.monotonic(), ok, f"{path} {what}"))
                time.sleep(0.05)

    def longest_failure_s(self) -> float:
        """The longest time from a failed request's start to the next success's end."""
        longest, first_fail = 0.0, None
        for started, ended, ok, _ in self.results:
            if not ok and first_fail is None:
                first_fail = started
            elif ok and first_fail is not None:
                longest = max(longest, ended - first_fail)
                first_fail = None
        if first_fail is not None:
            longest = float("inf")
        return longest


class Cluster:
    """deploy/local-cluster.sh with this test's environment and run directory."""

    def __init__(self, env: dict[str, str], run_dir: Path) -> None:
        self.env = env
        self.run_dir = run_dir
        self.lb = f"http://127.0.0.1:{env['LB_PORT']}"
        self.api_ports = env["API_PORTS"].split()

    def script(self, *args: str) -> str:
        done = subprocess.run(
            ["bash", str(SCRIPT), *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    def log(self, name: str) -> str:
        path = self.run_dir / f"{name}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.exists() else ""

    def virtual_now(self) -> datetime:
        """The cluster's clock, worked out here as every process does from its settings."""
        real_start = datetime.fromisoformat(self.env["PLANFLOW_CLOCK_REAL_START"])
        return VIRTUAL_START + (datetime.now(UTC) - real_start) * SPEED

    def sink(self) -> list[Any]:
        box = mailbox.Maildir(self.run_dir / "sink", create=False)
        return [box.get_message(key) for key in box.iterkeys()]


def _up(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _prepare(engine: Engine) -> list[str]:
    """The sample organisation, one mail per event (the counts are of outbox rows), the
    coordinator's password; returns the names of the units with a head (the plan's leads)."""
    with session_scope(engine) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        session.flush()
        for person in session.exec(select(User)).all():
            set_preferences(session=session, user_id=person.id or 0, grouped=False)
        coordinator = session.exec(select(User).where(User.username == "vp.cchc")).one()
        set_password(session=session, user=coordinator, password=PASSWORD)
        heads = {u.unit_id for u in session.exec(select(User).where(User.role == "unit_head"))}
        units = session.exec(select(Unit).where(Unit.is_board.is_(False))).all()  # type: ignore[attr-defined]
        return sorted(u.name for u in units if u.id in heads)


def _plan_text(issue_day: date, units: list[str]) -> str:
    """ITEMS tasks, each led by one unit (no supporting units), due 10 to 18 days ahead."""
    rows = [
        "| STT | Nội dung | Đơn vị chủ trì | Đơn vị phối hợp | Thời gian hoàn thành | Sản phẩm |",
        "|---|---|---|---|---|---|",
    ]
    per_area = ITEMS // 10
    for n in range(ITEMS):
        if n % per_area == 0:
            rows.append(f"| {n // per_area + 1}. Lĩnh vực số {n // per_area + 1} |  |  |  |  |  |")
        due = issue_day + timedelta(days=10 + n % 9)
        rows.append(
            f"| {n + 1} | Nhiệm vụ cụm số {n + 1}: rà soát thủ tục hành chính mục {n + 1} "
            f"| {units[n % len(units)]} |  | {due:%d/%m/%Y} | Báo cáo {n + 1} |"
        )
    return task_table_plan(
        number="77/KH-SNV", title=f"Kiểm thử cụm máy chủ năm {issue_day.year}", rows=rows
    )


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


@pytest.fixture
def cluster(worker_id: str, redis_url: str, tmp_path: Path) -> Iterator[tuple[Cluster, Engine]]:
    if shutil.which("haproxy") is None:
        service_missing("haproxy (make haproxy installs it)", FileNotFoundError("haproxy"))
    name = schema_name(worker_id, "cluster")
    engine = fresh_schema(name)
    run_dir = tmp_path / "cluster"
    tag = uuid.uuid4().hex[:8]
    env = cluster_env(schema=name, redis_url=redis_url, tag=tag)
    bin_dir = Path(sys.executable).parent
    env.update(
        {
            "RUN_DIR": str(run_dir),
            "PLANFLOW": str(bin_dir / "planflow"),
            "PYTHON": sys.executable,
            "LB_PORT": str(free_port()),
            "API_PORTS": f"{free_port()} {free_port()}",
            "SINK_PORT": str(free_port()),
            "PATH": f"{bin_dir}:{os.environ.get('PATH', '')}",
            "PLANFLOW_VAR_DIR": str(run_dir / "var"),
            "PLANFLOW_CLOCK_VIRTUAL_START": VIRTUAL_START.isoformat(),
            "PLANFLOW_CLOCK_REAL_START": datetime.now(UTC).isoformat(),
            "PLANFLOW_CLOCK_SPEED": str(SPEED),
            # A token lives 15 virtual minutes by default: a quarter of a second here. An
            # event waits 48 virtual hours at most to be mailed: 12 s here, a busy moment.
            "PLANFLOW_ACCESS_TOKEN_MINUTES": str(60 * 24 * 365),
            "PLANFLOW_MAIL_GIVE_UP_HOURS": str(24 * 365),
            "PLANFLOW_SCHEDULER_TICK_SECONDS": "1",
        }
    )
    c = Cluster(env, run_dir)
    try:
        c.script("start")
        yield c, engine
    finally:
        c.script("stop")
        engine.dispose()


def test_cluster_survives_kills_and_every_mail_arrives_once(
    cluster: tuple[Cluster, Engine],
) -> None:
    c, engine = cluster
    begun = time.monotonic()
    units = _prepare(engine)
    # Every process up: each API ready, haproxy forwarding, workers consuming, one leader.
    wait_until(
        lambda: all(_up(f"http://127.0.0.1:{p}/readyz") for p in c.api_ports),
        timeout=START_TIMEOUT_S,
        every=0.5,
    )
    wait_until(lambda: _up(f"{c.lb}/readyz"), timeout=30, every=0.2)
    wait_until(
        lambda: all("ready." in c.log(f"worker{n}") for n in (1, 2)),
        timeout=START_TIMEOUT_S,
        every=0.5,
    )
    wait_until(
        lambda: (
            sum("leader: holding" in c.log(f"scheduler{n}") for n in (1, 2)) == 1
            and sum("standby" in c.log(f"scheduler{n}") for n in (1, 2)) == 1
        ),
        timeout=START_TIMEOUT_S,
        every=0.5,
    )
    leader = next(f"scheduler{n}" for n in (1, 2) if "leader: holding" in c.log(f"scheduler{n}"))
    standby = "scheduler2" if leader == "scheduler1" else "scheduler1"
    started_s = time.monotonic() - begun

    with httpx.Client(base_url=c.lb, timeout=120) as api:
        r = api.post("/auth/token", data={"username": "vp.cchc", "password": PASSWORD})
        assert r.status_code == 200, r.text
        auth = {"Authorization": f"Bearer {r.json()['access_token']}"}
        poll = Poll(c.lb, auth)
        poller = threading.Thread(target=poll.run, daemon=True)
        poller.start()
        issue_day = c.virtual_now().astimezone(HANOI).date() + timedelta(days=1)
        plan = _plan_text(issue_day, units).encode()
        t0 = time.monotonic()
        r = api.post(
            "/plans/import",
            files={"file": ("cluster-plan.md", plan, "text/markdown")},
            data={"dry_run": "false"},
            headers=auth,
        )
        assert r.status_code == 200, r.text
        plan_id = r.json()["plan_id"]
        import_s = time.monotonic() - t0
        # No page sets a plan's ladder yet: the policy is written as `simulate --policy` does.
        with session_scope(engine) as session:
            row = session.get(Plan, plan_id)
            assert row is not None
            row.policy = POLICY
            session.add(row)
        t0 = time.monotonic()
        r = api.post(f"/plans/{plan_id}/issue", json={}, headers=auth)
        assert r.status_code == 200, r.text
        assert r.json()["counts"].get("create") == ITEMS, r.json()["counts"]
        issue_s = time.monotonic() - t0
        issued_at = c.virtual_now()

        # Mid-way: kill one of each, and see the standby lead.
        kill_at = issued_at + timedelta(days=KILL_AFTER_DAYS)
        wait_until(lambda: c.virtual_now() >= kill_at, timeout=DAYS * 86400 / SPEED, every=0.2)
        sent_before_kill = len(c.sink())
        killed = time.monotonic()
        for name in ("worker1", leader, "api1"):
            c.script("kill", name)
        wait_until(lambda: "leader: holding" in c.log(standby), timeout=30, every=0.1)
        takeover_s = time.monotonic() - killed

        # Thirty virtual days after issuing, and every mail out.
        end = issued_at + timedelta(days=DAYS)
        wait_until(lambda: c.virtual_now() >= end, timeout=DAYS * 86400 / SPEED, every=0.5)
        expected = {kind: n * ITEMS for kind, n in PER_ITEM.items()}
        total = sum(expected.values())

        def delivered() -> bool:
            with Session(engine) as session:
                waiting = session.exec(
                    select(func.count())
                    .select_from(Notification)
                    .where(Notification.status.in_(("pending", "grouping")))  # type: ignore[attr-defined]
                ).one()
            return waiting == 0 and len({m["Message-ID"] for m in c.sink()}) >= total

        wait_until(delivered, timeout=180, every=1.0)
        time.sleep(2.0)  # anything late would show now
        poll.stop.set()
        poller.join(timeout=35)
        scrape = api.get("/metrics")
        assert scrape.status_code == 200, scrape.text
    elapsed_s = time.monotonic() - begun

    mails = c.sink()
    ids = [str(m["Message-ID"]) for m in mails]
    kind_of = {str(m["Message-ID"]): str(m["X-Planflow-Kind"]) for m in mails}
    by_kind = Counter(kind_of.values())
    with Session(engine) as session:
        items = session.exec(
            select(func.count()).select_from(WorkItem).where(WorkItem.plan_task_id.is_not(None))  # type: ignore[union-attr]
        ).one()
        rows = session.exec(
            select(Notification.message_id, Notification.dedup_key, Notification.status)
        ).all()
    sent_rows = {mid: key for mid, key, status in rows if status == "sent"}
    got = _samples(scrape.text)
    failures = [r for r in poll.results if not r[2]]
    print(
        f"\ncluster run: {ITEMS} items, {DAYS} virtual days at {SPEED}x; started in "
        f"{started_s:.0f} s, import {import_s:.1f} s, issue {issue_s:.1f} s, whole run "
        f"{elapsed_s:.0f} s\n"
        f"  sink: {len(set(ids))} distinct mails of {total} expected ({len(ids)} received, "
        f"{len(ids) - len(set(ids))} resent), {sent_before_kill} before the kills; "
        f"by kind {dict(sorted(by_kind.items()))}\n"
        f"  standby scheduler led {takeover_s:.1f} s after the kills\n"
        f"  balancer: {len(poll.results)} polls, {len(failures)} failed, longest failure "
        f"{poll.longest_failure_s():.2f} s (check interval {CHECK_INTERVAL_S:.0f} s) "
        f"{[f[3] for f in failures][:5]}\n"
        f"  /metrics: job runs "
        f"{ {j: got.get(('planflow_job_runs_total', (('job', j),)), 0) for j in JOBS_COUNTED} }"
    )

    assert items == ITEMS
    # Every expected mail once, and nothing else.
    assert dict(by_kind) == expected
    assert len(set(ids)) == total
    assert len(ids) <= total + 1  # at most the message in flight in the killed worker
    assert set(sent_rows) == set(ids)  # each one an outbox row marked sent, no row unsent
    assert len(set(sent_rows.values())) == total
    # The standby took over, and /metrics (through the balancer) says what the sink got.
    assert takeover_s < 5
    assert "leader: holding" in c.log(standby)
    assert got[("planflow_scheduler_leader", ())] == 1
    for kind, count in expected.items():
        assert got[("planflow_mails_sent_total", (("kind", kind),))] == count
    assert got[("planflow_reminders_sent_total", ())] == by_kind["reminder"] + by_kind["overdue"]
    assert got[("planflow_escalations_sent_total", ())] == by_kind["escalation"]
    assert got[("planflow_outbox_messages", (("status", "pending"),))] == 0
    assert got[("planflow_outbox_messages", (("status", "failed"),))] == 0
    runs = {j: got.get(("planflow_job_runs_total", (("job", j),)), 0) for j in JOBS_COUNTED}
    assert runs["sweep_due"] > 0 and runs["deliver_outbox"] > 0, runs
    assert runs["sweep_batch"] >= ITEMS // 100, runs  # the sweep fans out 100 items a batch
    # No request through the balancer failed for longer than one health-check interval.
    assert len(poll.results) > 100
    assert poll.longest_failure_s() <= CHECK_INTERVAL_S, failures[:10]
