"""Fault tests of distributed mode: processes die on purpose, every mail still arrives once.

"Once" is counted per dedup key as distinct Message-IDs: a worker killed after the SMTP
server accepted a message but before the row was marked sent resends it with the same
(deterministic) Message-ID, which receiving servers and clients treat as one message. That
window cannot be closed without a two-phase commit with the mail server; the tests assert
it costs at most the one message in flight (docs/decisions/0007-scheduled-workers.md).
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from tasks.celery_app import make_celery
from tasks.jobs import SweepResult
from tasks.scheduler import run_tick
from tests.conftest import SAMPLE_ORG, fresh_schema
from tests.smtp_sink import SmtpSink
from tests.workers_support import (
    Proc,
    RedisServer,
    assert_each_once,
    cluster_env,
    mails_by_key,
    schema_name,
    seed_overdue_items,
    settings_of,
    start_worker,
    wait_for_mails,
    wait_until,
    worker_proc,
)
from workflow.clock import utc_now
from workflow.db import make_engine, session_scope
from workflow.migrate import upgrade
from workflow.models.org import User
from workflow.services.org import load_org
from workflow.services.work_items import ItemSpec, create_item
from workflow.settings import get_settings

pytestmark = [pytest.mark.fault, pytest.mark.integration]


@pytest.fixture
def schema(worker_id: str) -> Iterator[tuple[str, Engine]]:
    name = schema_name(worker_id, "fault")
    engine = fresh_schema(name)
    yield name, engine
    engine.dispose()


def _env(name: str, redis_url: str, sink: SmtpSink) -> dict[str, str]:
    return cluster_env(
        schema=name,
        redis_url=redis_url.rsplit("/", 1)[0] + "/13",
        tag=uuid.uuid4().hex[:8],
        smtp_port=sink.port,
    )


def test_worker_killed_mid_delivery_resends_only_the_message_in_flight(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    name, engine = schema
    expected = seed_overdue_items(engine, now=utc_now(), count=6)
    with SmtpSink() as sink:
        env = _env(name, redis_url, sink)
        first = start_worker(env, tmp_path / "first.log", "first")
        killed = threading.Event()

        def kill_on_seventh() -> None:
            # Runs inside the server before it answers 250: the worker dies holding an
            # accepted message it never marks sent.
            if sink.count == 7 and not killed.is_set():
                first.kill9()
                killed.set()

        sink.on_accept = kill_on_seventh
        make_celery(settings_of(env)).send_task("planflow.sweep_due")
        wait_until(killed.is_set, timeout=20)
        # The only delivery task was in flight: it comes back because it was never
        # acknowledged (acks_late), after the visibility timeout.
        second = start_worker(env, tmp_path / "second.log", "second")
        try:
            wait_for_mails(engine, sink, expected, timeout=60)
            time.sleep(1.0)
        finally:
            second.stop()
            first.stop()
    by_key = mails_by_key(engine, sink)
    assert_each_once(by_key, expected)
    assert sink.count == len(expected) + 1
    assert sorted(len(v) for v in by_key.values())[-2:] == [1, 2]


def test_redis_restarted_while_tasks_are_queued(schema: tuple[str, Engine], tmp_path: Path) -> None:
    name, engine = schema
    expected = seed_overdue_items(engine, now=utc_now(), count=8)
    redis = RedisServer(tmp_path)
    redis.start()
    with SmtpSink() as sink:
        sink.on_accept = lambda: time.sleep(0.1)  # a slow server: tasks pile up meanwhile
        env = _env(name, redis.url, sink)
        scheduler = Proc(["scheduler"], env=env, log=tmp_path / "scheduler.log")
        worker = worker_proc(env, tmp_path / "worker.log", "w")
        try:
            worker.wait_for("ready.", timeout=120)
            wait_until(lambda: sink.count >= 3)
            wait_until(lambda: redis.queued() > 0)
            # Mid-delivery with ticks queued: all of Redis is lost; the database still
            # knows what is due and what was sent, and the next ticks finish the work.
            redis.restart()
            sent_before = sink.count
            wait_for_mails(engine, sink, expected, timeout=60)
            time.sleep(1.0)
        finally:
            scheduler.stop()
            worker.stop()
            redis.kill9()
    assert sent_before < len(expected)
    assert "Connection to broker lost" in worker.output()
    assert_each_once(mails_by_key(engine, sink), expected)
    assert sink.count == len(expected)


def test_standby_scheduler_takes_over_when_the_leader_dies_and_mail_goes_out_once(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    name, engine = schema
    before = seed_overdue_items(engine, now=utc_now(), count=3)
    with SmtpSink() as sink:
        env = _env(name, redis_url, sink)
        worker = worker_proc(env, tmp_path / "worker.log", "w")
        both = [Proc(["scheduler"], env=env, log=tmp_path / f"s{n}.log") for n in (1, 2)]
        try:
            wait_until(lambda: any("leader: holding" in s.output() for s in both), timeout=120)
            leader, standby = both if "leader: holding" in both[0].output() else both[::-1]
            standby.wait_for("standby", timeout=120)
            worker.wait_for("ready.", timeout=120)
            wait_for_mails(engine, sink, before, timeout=60)
            assert "tick enqueued" not in standby.output()
            leader.kill9()
            killed = time.monotonic()
            # Items that fall due after the leader died: only the new leader's ticks send them.
            after = seed_overdue_items(engine, now=utc_now(), count=3, first=3)
            standby.wait_for("leader: holding advisory lock", timeout=30)
            assert time.monotonic() - killed < 5
            wait_for_mails(engine, sink, before | after, timeout=60)
            time.sleep(1.0)
        finally:
            worker.stop()
            for s in both:
                s.stop()
    assert_each_once(mails_by_key(engine, sink), before | after)
    assert sink.count == len(before | after)


def _tick_until(stop: datetime, now: datetime, step: timedelta, engine: Engine) -> datetime:
    while now < stop:
        run_tick(now=now, engine=engine)
        now += step
    return now


def test_scheduler_down_for_three_days_catches_up_with_one_tick(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Embedded mode (SQLite) in virtual time: hourly-ish ticks, then none for three days."""
    with SmtpSink() as sink:
        url = f"sqlite:///{tmp_path / 'pf.db'}"
        for key, value in {
            "DATABASE_URL": url,
            "VAR_DIR": str(tmp_path),
            "MAIL_BACKEND": "smtp",
            "SMTP_PORT": str(sink.port),
            # Reports have their own exactly-once tests; here only the ladder's mail counts.
            "REPORT_KINDS_ENABLED": "[]",
        }.items():
            monkeypatch.setenv(f"PLANFLOW_{key}", value)
        get_settings.cache_clear()
        try:
            upgrade(url)
            engine = make_engine(url)
            with session_scope(engine) as s:
                load_org(session=s, text=SAMPLE_ORG.read_text(encoding="utf-8"))
                hoa = s.exec(select(User).where(User.username == "tcbc.hoa")).one()
                head = s.exec(select(User).where(User.username == "tcbc.truong")).one()

                def assign(start: date, due: date) -> int:
                    spec = ItemSpec(
                        title=f"Việc hạn {due:%d/%m}",
                        lead_unit_id=hoa.unit_id,
                        assignee_id=hoa.id or 0,
                        start_on=start,
                        due_on=due,
                    )
                    at = datetime(2026, 2, 1, tzinfo=UTC)
                    item = create_item(session=s, now=at, spec=spec, assigner=head)
                    return item.id or 0

                a = assign(date(2026, 2, 25), date(2026, 3, 10))  # due during the outage
                b = assign(date(2026, 3, 2), date(2026, 3, 20))  # due after it
            step = timedelta(hours=2)
            down = datetime(2026, 3, 8, 17, tzinfo=UTC)  # Mon 9/3 00:00 in Hanoi
            back = down + timedelta(days=3)  # Thu 12/3 00:00 in Hanoi
            _tick_until(down, datetime(2026, 3, 2, tzinfo=UTC), step, engine)
            catch_up = run_tick(now=back, engine=engine)
            sweep = catch_up["sweep_due"]
            assert isinstance(sweep, SweepResult)
            # Item a: remind-1, due-today and overdue came while down → one 'overdue' mail;
            # escalation 1 (11/3) came too. Item b: nothing yet.
            assert (sweep.reminders, sweep.escalations) == (1, 1)
            _tick_until(datetime(2026, 3, 25, 12, tzinfo=UTC), back + step, step, engine)
            engine.dispose()
        finally:
            get_settings.cache_clear()
        expected = {
            *(f"reminder:{a}:20260310:{r}" for r in ("remind-5", "overdue")),
            *(f"escalation:{a}:20260310:{level}" for level in (1, 2, 3)),
            *(f"reminder:{b}:20260320:{r}" for r in ("remind-5", "remind-1", "due-today")),
            f"reminder:{b}:20260320:overdue",
            *(f"escalation:{b}:20260320:{level}" for level in (1, 2)),
        }
        by_key = mails_by_key(make_engine(url), sink)
    assert_each_once(by_key, expected)
    assert sink.count == len(expected) == 11
