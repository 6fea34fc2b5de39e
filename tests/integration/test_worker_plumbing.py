"""A real Celery worker subprocess runs the named tasks against its own committed schema."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import Session

from tasks.celery_app import make_celery
from tests.conftest import fresh_schema
from tests.workers_support import cluster_env, schema_name, settings_of, start_worker, wait_until
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
