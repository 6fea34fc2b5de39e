"""The one APScheduler: runs the jobs in-process (embedded) or only enqueues them (distributed).

Embedded: a BackgroundScheduler inside the API process runs every job each tick, each in
its own transaction. Distributed: `planflow scheduler` waits until it holds a PostgreSQL
advisory lock on a connection kept for the life of the process, then enqueues the Celery
tasks each tick; a standby polls the lock and takes over within seconds when the leader's
connection dies. Both start with an immediate tick: after downtime each job runs once for
the whole gap (passed reminder rungs collapse, missed report periods are built once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tasks import jobs, metrics
from tasks.runs import last_run_at, record_run
from workflow.clock import utc_now, wall_now
from workflow.db import get_engine, session_scope
from workflow.logs import bound_request_id
from workflow.settings import get_settings

log = logging.getLogger("planflow.scheduler")

JOB_NAMES = (
    "materialize_recurrences",
    "receive_replies",
    "sweep_due",
    "deliver_outbox",
    "build_reports",
    "sweep_orphan_files",
)
Clock = Callable[[], datetime]


def run_job(name: str, *, now: datetime, engine: Engine | None = None) -> jobs.JobResult:
    """Run one job in its own transaction and record when it ran (`planflow jobs run`)."""
    with bound_request_id(), session_scope(engine) as session:
        result: jobs.JobResult
        if name == "sweep_due":
            result = jobs.sweep_due(session=session, now=now)
        elif name == "deliver_outbox":
            result = jobs.deliver_outbox(session=session, now=now)
        elif name == "receive_replies":
            result = jobs.receive_replies(session=session, now=now)
        elif name == "materialize_recurrences":
            result = jobs.materialize_recurrences(session=session, now=now)
        elif name == "build_reports":
            since = last_run_at(session=session, name=name)
            result = jobs.build_reports(session=session, now=now, since=since)
        elif name == "sweep_orphan_files":
            since = last_run_at(session=session, name=name)
            result = jobs.sweep_orphan_files(session=session, now=now, since=since)
            if result.skipped:
                return result  # not a run: the interval counts from the last real scan
        else:
            raise ValueError(f"unknown job {name!r}; known: {', '.join(JOB_NAMES)}")
        record_run(session, name, now)
    return result


def run_tick(*, now: datetime, engine: Engine | None = None) -> dict[str, jobs.JobResult]:
    """One embedded tick: every job once, in order; a failing job does not stop the others.
    Logs one line for the tick when any job did something (nothing for an idle tick)."""
    results: dict[str, jobs.JobResult] = {}
    lines: list[str] = []
    token = jobs.TICK_LINES.set(lines)
    try:
        for name in JOB_NAMES:
            try:
                results[name] = run_job(name, now=now, engine=engine)
            except Exception:
                metrics.job_failed(name)
                log.exception("job=%s failed", name)
    finally:
        jobs.TICK_LINES.reset(token)
    if lines:
        log.info("tick %s", "; ".join(lines))
    return results


def enqueue_tick() -> None:
    """One distributed tick: hand every job to the Celery workers, except a job whose run
    from an earlier tick still waits in the queue (`tasks.celery_app.claim_tick_slot`)."""
    from tasks.celery_app import TASKS, claim_tick_slot, release_tick_slot

    queued = []
    for name in JOB_NAMES:
        if not claim_tick_slot(name):
            continue
        try:
            TASKS[name].delay()
        except Exception:
            release_tick_slot(name)
            raise
        queued.append(name)
    # Every tick enqueues the same tasks: not worth a line (the workers log what they did).
    log.debug("tick enqueued=%s", ",".join(queued))


def _scheduler_options(tick: int) -> dict[str, Any]:
    # coalesce + max_instances=1: a late or slow tick never runs twice in a row.
    return {"coalesce": True, "max_instances": 1, "misfire_grace_time": max(tick, 30)}


def start_embedded(*, clock: Clock = utc_now, engine: Engine | None = None) -> Any:
    """Start the in-process BackgroundScheduler; the caller shuts it down."""
    from apscheduler.schedulers.background import BackgroundScheduler

    tick = get_settings().scheduler_tick_seconds
    scheduler = BackgroundScheduler(timezone="UTC", job_defaults=_scheduler_options(tick))
    scheduler.add_job(
        lambda: run_tick(now=clock(), engine=engine),
        "interval",
        seconds=tick,
        id="planflow.tick",
        # APScheduler counts real seconds: the first tick is now on the wall clock (an
        # accelerated `clock` only moves the jobs' `now`).
        next_run_time=wall_now(),
    )
    scheduler.start()
    log.info("embedded scheduler started tick_s=%d", tick)
    return scheduler


class LeaderLock:
    """A PostgreSQL session advisory lock held on a dedicated connection."""

    def __init__(self, engine: Engine, key: int) -> None:
        self._engine = engine
        self._key = key
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is None:
            self._conn = self._engine.connect()
        got = bool(
            self._conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": self._key}).scalar()
        )
        # Autobegin opened a transaction; end it so the connection is not idle in transaction.
        self._conn.commit()
        return got

    def alive(self) -> bool:
        """True while the connection (and therefore the lock) is still there."""
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1"))
            self._conn.commit()
            return True
        except Exception:
            log.exception("leader connection lost")
            return False

    def release(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None


def wait_for_leadership(lock: LeaderLock, *, poll_seconds: float) -> None:
    """Block until this process holds the lock (a standby polls)."""
    announced = False
    while not lock.try_acquire():
        if not announced:
            log.info("standby: another scheduler leads; polling every %.1fs", poll_seconds)
            announced = True
        time.sleep(poll_seconds)
    log.info("leader: holding advisory lock")


def run_distributed(*, engine: Engine | None = None) -> None:
    """`planflow scheduler`: become leader, then enqueue every tick until the lock is lost."""
    from apscheduler.schedulers.blocking import BlockingScheduler

    settings = get_settings()
    lock = LeaderLock(engine or get_engine(), settings.scheduler_lock_key)
    wait_for_leadership(lock, poll_seconds=settings.scheduler_leader_poll_seconds)
    tick = settings.scheduler_tick_seconds
    scheduler = BlockingScheduler(timezone="UTC", job_defaults=_scheduler_options(tick))

    def _check_lock() -> None:
        if not lock.alive():
            # Another instance may lead by now: stop scheduling; the supervisor restarts us.
            scheduler.shutdown(wait=False)

    scheduler.add_job(enqueue_tick, "interval", seconds=tick, next_run_time=wall_now())
    scheduler.add_job(_check_lock, "interval", seconds=settings.scheduler_leader_poll_seconds)
    try:
        scheduler.start()
    finally:
        lock.release()
