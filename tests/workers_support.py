"""Helpers for the scheduled-jobs tests: items that become due, committed schemas, processes."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import zlib
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from notifications.models import Notification
from tests.conftest import ROOT, SAMPLE_ORG, schema_url
from tests.smtp_sink import SmtpSink
from workflow.db import session_scope
from workflow.models.org import Unit, User
from workflow.models.work import WorkItem, WorkItemEvent
from workflow.settings import Settings


def schema_name(worker_id: str, purpose: str) -> str:
    """A schema of its own per checkout, xdist worker and test purpose (visible to subprocesses)."""
    checkout = hashlib.sha1(str(ROOT).encode(), usedforsecurity=False).hexdigest()[:6]
    return f"pf_wk_{checkout}_{worker_id}_{purpose}".replace("-", "_")


def officer(session: Session, username: str = "tcbc.hoa") -> User:
    return session.exec(select(User).where(User.username == username)).one()


def make_item(
    session: Session,
    *,
    now: datetime,
    due_at: datetime,
    next_action_at: datetime | None,
    assignee: str = "tcbc.hoa",
    state: str = "accepted",
    title: str = "Rà soát thủ tục hành chính",
) -> WorkItem:
    user = officer(session, assignee)
    unit = session.get(Unit, user.unit_id)
    assert unit is not None
    head = session.exec(
        select(User).where(User.unit_id == user.unit_id, User.role == "unit_head")
    ).one()
    item = WorkItem(
        title=title,
        state=state,
        lead_unit_id=user.unit_id,
        assignee_id=user.id or 0,
        assigner_id=head.id or 0,
        start_on=(now - timedelta(days=20)).date(),
        due_at=due_at,
        original_due_at=due_at,
        next_action_at=next_action_at,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


def cluster_env(
    *, schema: str, redis_url: str, tag: str, smtp_port: int = 25, lock_key: int = 0
) -> dict[str, str]:
    """Environment of worker/scheduler subprocesses: own schema, own queue and key prefix."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(
        {
            "PLANFLOW_MODE": "distributed",
            "PLANFLOW_DATABASE_URL": schema_url(schema),
            "PLANFLOW_REDIS_URL": redis_url,
            "PLANFLOW_CELERY_QUEUE": f"pf-{tag}",
            "PLANFLOW_CELERY_KEY_PREFIX": f"pf-{tag}:",
            "PLANFLOW_CELERY_VISIBILITY_TIMEOUT_SECONDS": "3",
            "PLANFLOW_CELERY_RESTORE_INTERVAL_SECONDS": "1",
            "PLANFLOW_MAIL_BACKEND": "smtp",
            "PLANFLOW_SMTP_HOST": "127.0.0.1",
            "PLANFLOW_SMTP_PORT": str(smtp_port),
            "PLANFLOW_SCHEDULER_TICK_SECONDS": "1",
            "PLANFLOW_SCHEDULER_LEADER_POLL_SECONDS": "0.5",
            "PLANFLOW_SCHEDULER_LOCK_KEY": str(lock_key or zlib.crc32(tag.encode())),
            "PLANFLOW_VAR_DIR": str(Path(tempfile.gettempdir()) / f"pf-{tag}"),
            "PYTHONUNBUFFERED": "1",
            # Reports have their own exactly-once tests; here only the ladder's mail counts.
            "PLANFLOW_REPORT_KINDS_ENABLED": "[]",
        }
    )
    return env


def settings_of(env: dict[str, str]) -> Settings:
    """The Settings a subprocess with `env` will see, for a Celery client in the test."""
    values = {
        # Lists arrive as JSON in the environment, as pydantic-settings reads them there.
        k.removeprefix("PLANFLOW_").lower(): json.loads(v) if v.startswith("[") else v
        for k, v in env.items()
        if k.startswith("PLANFLOW_")
    }
    return Settings.model_validate(values)


class Proc:
    """A planflow sub-command in a child process, with its output in a log file."""

    def __init__(self, args: list[str], *, env: dict[str, str], log: Path) -> None:
        self.log = log
        self._fh = log.open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "api.cli", *args],
            env=env,
            cwd=ROOT,
            stdout=self._fh,
            stderr=subprocess.STDOUT,
        )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for(self, needle: str, timeout: float = 20.0, start: int = 0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if needle in self.output()[start:]:
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} not seen in {self.log}:\n{self.output()[-3000:]}")

    def kill9(self) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill9()
        self._fh.close()


def worker_proc(env: dict[str, str], log: Path, name: str, pool: str = "solo") -> Proc:
    """A real Celery worker subprocess, starting (wait for "ready." before relying on it)."""
    return Proc(
        ["worker", "--pool", pool, "--concurrency", "1", "--hostname", f"{name}@%h"],
        env=env,
        log=log,
    )


def start_worker(env: dict[str, str], log: Path, name: str, pool: str = "solo") -> Proc:
    """A real Celery worker subprocess, returned once it is ready to consume."""
    worker = worker_proc(env, log, name, pool)
    worker.wait_for("ready.", timeout=30)
    return worker


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(every)
    raise AssertionError("condition not met in time")


# --- due items and what the SMTP sink received ------------------------------------------

OFFICERS = (
    "tcbc.hoa",
    "xdcq.mai",
    "ccvc.thu",
    "cchc.linh",
    "tdkt.ngoc",
    "btg.yen",
    "vtlt.ha",
    "tt.binh",
    "vp.an",
    "cchc.nam",
    "tcbc.khoa",
)


def seed_overdue_items(engine: Engine, *, now: datetime, count: int, first: int = 0) -> set[str]:
    """Commit `count` items due about 40 days before `now` (the sample org is loaded if absent);
    return the dedup keys the jobs must produce: the 'assigned' mail the event relay sends the
    assignee, the collapsed 'overdue' reminder and escalation levels 1-3 (unit head, deputy
    in charge, director).

    Everyone takes one mail per event (decision 0021): these tests count one mail per
    outbox row; grouped mail is tested in tests/integration/notifications."""
    from notifications.preferences import set_preferences
    from workflow.calendar import load_calendar, local_date
    from workflow.services.org import load_org
    from workflow.services.work_items import ItemSpec, create_item

    tz = "Asia/Ho_Chi_Minh"
    keys: set[str] = set()
    with session_scope(engine) as session:
        if session.exec(select(Unit)).first() is None:
            load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
            session.flush()
        calendar = load_calendar(session=session)
        for person in session.exec(select(User)).all():
            set_preferences(session=session, user_id=person.id or 0, grouped=False)
        for n in range(first, first + count):
            user = officer(session, OFFICERS[n % len(OFFICERS)])
            head = session.exec(
                select(User).where(User.unit_id == user.unit_id, User.role == "unit_head")
            ).one()
            spec = ItemSpec(
                title=f"Việc quá hạn số {n + 1}",
                lead_unit_id=user.unit_id,
                assignee_id=user.id or 0,
                start_on=(now - timedelta(days=70)).date(),
                due_on=(now - timedelta(days=40)).date(),
            )
            item = create_item(session=session, now=now, spec=spec, assigner=head)
            due = local_date(item.due_at, tz=tz)
            # Every escalation (1, 3, 5 working days after due) has come by `now`.
            assert calendar.working_days_between(due, local_date(now, tz=tz)) > 6
            keys.add(f"reminder:{item.id}:{due:%Y%m%d}:overdue")
            keys.update(f"escalation:{item.id}:{due:%Y%m%d}:{level}" for level in (1, 2, 3))
            assigned = session.exec(
                select(WorkItemEvent).where(WorkItemEvent.work_item_id == item.id)
            ).one()
            keys.add(f"event:{assigned.id}:{item.assignee_id}")
    return keys


def mails_by_key(engine: Engine, sink: SmtpSink) -> dict[str, list[str]]:
    """Message-IDs the sink accepted, grouped by the dedup key of their outbox row.

    The Message-ID is derived from the row (notifications.message.message_id_for), so a
    resend after a crash between the server's 250 and our commit carries the same one.
    """
    with Session(engine) as session:
        rows = session.exec(select(Notification.message_id, Notification.dedup_key)).all()
    key_of = {mid: key for mid, key in rows if mid}
    with sink.lock:
        received = list(sink.received)
    out: dict[str, list[str]] = defaultdict(list)
    for mail in received:
        mid = str(mail.message()["Message-ID"])
        out[key_of.get(mid, f"unknown:{mid}")].append(mid)
    return dict(out)


def wait_for_mails(engine: Engine, sink: SmtpSink, expected: set[str], timeout: float) -> None:
    """Block until every expected dedup key reached the sink."""
    wait_until(lambda: set(mails_by_key(engine, sink)) >= expected, timeout=timeout, every=0.3)


def assert_each_once(by_key: dict[str, list[str]], expected: set[str]) -> None:
    """Exactly the expected dedup keys, each as one distinct Message-ID."""
    assert set(by_key) == expected, sorted(set(by_key) ^ expected)[:10]
    repeated = {k: v for k, v in by_key.items() if len(set(v)) != 1}
    assert not repeated, repeated


class RedisServer:
    """A redis-server of our own on a free loopback port, without persistence, so a test can
    kill and restart it (never the machine's Redis on 6379)."""

    def __init__(self, workdir: Path) -> None:
        from tests.smtp_sink import free_port

        self.port = free_port()
        self.workdir = workdir
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        import redis

        log = (self.workdir / "redis.log").open("ab")
        self.proc = subprocess.Popen(
            [
                "redis-server",
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no", "--dir", str(self.workdir)),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                return False

        wait_until(up, timeout=10)

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def restart(self) -> None:
        """Crash and come back empty: whatever was queued is gone (checked with a marker)."""
        import redis

        redis.Redis.from_url(self.url).set("pf-test-marker", "1")
        self.kill9()
        self.start()
        assert redis.Redis.from_url(self.url).get("pf-test-marker") is None

    def queued(self) -> int:
        """Messages waiting in the lists (queues) of every database of this server."""
        import redis

        total = 0
        for db in self.keyspaces():
            client = redis.Redis.from_url(self.url.rsplit("/", 1)[0] + f"/{db}")
            total += sum(
                int(client.llen(k)) for k in client.scan_iter() if client.type(k) == b"list"
            )
        return total

    def keyspaces(self) -> list[int]:
        import redis

        info = redis.Redis.from_url(self.url).info("keyspace")
        return [int(name.removeprefix("db")) for name in info]
