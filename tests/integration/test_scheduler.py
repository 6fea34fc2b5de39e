"""The one scheduler: embedded in the app only when asked; distributed with one leader."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.workers_support import wait_until
from workflow import db
from workflow.models.report import JobState
from workflow.settings import get_settings

pytestmark = pytest.mark.integration


@pytest.fixture
def sqlite_app_env(embedded_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = embedded_db
    monkeypatch.setenv("PLANFLOW_SCHEDULER_TICK_SECONDS", "3600")
    get_settings.cache_clear()
    yield url


def _job_names() -> set[str]:
    with Session(db.get_engine()) as s:
        return {j.name for j in s.exec(select(JobState)).all() if j.last_run_at}


def test_app_runs_no_scheduler_unless_asked(sqlite_app_env: str) -> None:
    from api.app import create_app

    app = create_app()
    with TestClient(app):
        assert app.state.scheduler is None
    assert _job_names() == set()


def test_embedded_scheduler_ticks_at_start_and_stops_with_the_app(sqlite_app_env: str) -> None:
    from api.app import create_app
    from tasks.scheduler import JOB_NAMES

    app = create_app(run_scheduler=True)
    with TestClient(app):
        assert app.state.scheduler is not None and app.state.scheduler.running
        # The first tick runs at start-up (catch-up), every job once.
        wait_until(lambda: _job_names() == set(JOB_NAMES))
    assert not app.state.scheduler.running


def test_jobs_run_cli_prints_counts(sqlite_app_env: str) -> None:
    from typer.testing import CliRunner

    from api.cli import app

    out = CliRunner().invoke(app, ["jobs", "run", "build_reports"])
    assert out.exit_code == 0, out.output
    # The wall clock decides which periods are due; the line carries the count either way.
    # (stdout alone: the job's log line goes to stderr)
    assert re.match(r"build_reports: built=\d+", out.stdout), out.output
    bad = CliRunner().invoke(app, ["jobs", "run", "nope"])
    assert bad.exit_code != 0
