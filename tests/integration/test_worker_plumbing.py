"""A real Celery worker subprocess runs the named tasks against its own committed schema."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tasks.celery_app import make_celery
from tests.conftest import ROOT, fresh_schema
from tests.workers_support import (
    Proc,
    cluster_env,
    schema_name,
    settings_of,
    start_worker,
    wait_until,
)
from workflow.models.report import JobState

pytestmark = pytest.mark.integration


@pytest.fixture
def schema(worker_id: str) -> Iterator[tuple[str, Engine]]:
    name = schema_name(worker_id, "plumb")
    engine = fresh_schema(name)
    yield name, engine
    engine.dispose()


def test_worker_runs_named_tasks_and_records_job_state(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    name, engine = schema
    env = cluster_env(
        schema=name, redis_url=redis_url.rsplit("/", 1)[0] + "/13", tag=uuid.uuid4().hex[:8]
    )
    client = make_celery(settings_of(env))
    worker = start_worker(env, tmp_path / "worker.log", "plumb")
    try:
        for task in ("planflow.materialize_recurrences", "planflow.build_reports"):
            client.send_task(task)

        def recorded() -> bool:
            with Session(engine) as s:
                return all(s.get(JobState, n) for n in ("materialize_recurrences", "build_reports"))

        wait_until(recorded)
    finally:
        worker.stop()
    # Quiet logs: an idle run (nothing built) and the library's per-task lines stay out.
    output = worker.output()
    assert "job=build_reports" not in output, output
    assert "succeeded in" not in output and "Received task" not in output, output


def test_ticks_queue_each_job_once_until_a_worker_starts_it(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    """Workers busy or down: ten ticks leave one run of each job in the queue, not ten; once
    a worker has started them, ticks queue them again."""
    import redis

    from tasks.scheduler import JOB_NAMES

    name, _engine = schema
    env = cluster_env(
        schema=name, redis_url=redis_url.rsplit("/", 1)[0] + "/13", tag=uuid.uuid4().hex[:8]
    )
    settings = settings_of(env)
    broker = redis.Redis.from_url(settings.redis_url)
    queue = f"{settings.celery_key_prefix}{settings.celery_queue}"

    def ticks(n: int) -> None:  # as the leading scheduler's process does, n times
        code = f"from tasks.scheduler import enqueue_tick\nfor _ in range({n}): enqueue_tick()"
        subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT, check=True)

    try:
        ticks(10)
        assert broker.llen(queue) == len(JOB_NAMES)
        worker = start_worker(env, tmp_path / "worker.log", "slots")
        try:
            wait_until(lambda: broker.llen(queue) == 0, timeout=60)
            wait_until(lambda: not broker.keys(f"{settings.celery_key_prefix}planflow:queued:*"))
        finally:
            worker.stop()
        ticks(3)
        assert broker.llen(queue) == len(JOB_NAMES)
    finally:
        broker.delete(*broker.keys(f"{settings.celery_key_prefix}*") or [queue])


def test_scheduler_on_an_accelerated_clock_ticks_every_real_second(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    """The jobs' `now` runs months behind and 14,400 times faster than the wall clock, but
    the scheduler's timer counts real seconds: its first tick queues every job at once."""
    import redis

    from tasks.scheduler import JOB_NAMES
    from workflow.clock import wall_now

    name, _engine = schema
    env = cluster_env(
        schema=name, redis_url=redis_url.rsplit("/", 1)[0] + "/13", tag=uuid.uuid4().hex[:8]
    )
    env.update(
        PLANFLOW_CLOCK_VIRTUAL_START="2026-03-02T00:00:00+07:00",
        PLANFLOW_CLOCK_REAL_START=wall_now().isoformat(),
        PLANFLOW_CLOCK_SPEED="14400",
    )
    settings = settings_of(env)
    broker = redis.Redis.from_url(settings.redis_url)
    queue = f"{settings.celery_key_prefix}{settings.celery_queue}"
    scheduler = Proc(["scheduler"], env=env, log=tmp_path / "scheduler.log")
    try:
        scheduler.wait_for("leader: holding", timeout=120)
        led = time.monotonic()
        wait_until(lambda: broker.llen(queue) == len(JOB_NAMES), timeout=30)
        assert time.monotonic() - led < 10
    finally:
        scheduler.stop()
        broker.delete(*broker.keys(f"{settings.celery_key_prefix}*") or [queue])
    assert "was missed by" not in scheduler.output()
