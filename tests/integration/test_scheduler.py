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


def test_jobs_run_as_of_a_given_moment(sqlite_app_env: str) -> None:
    """`--now` stands in for the clock: the job runs, and is recorded, as of that moment
    (agency time when no zone is given); a moment that is not one is refused (the CLI's
    entry point turns it into one line and exit code 2)."""
    from datetime import UTC, datetime

    from typer.testing import CliRunner

    from api.cli import app

    out = CliRunner().invoke(app, ["jobs", "run", "sweep_due", "--now", "2031-05-06T08:00"])
    assert out.exit_code == 0, out.output
    assert out.output.startswith("sweep_due: "), out.output
    with Session(db.get_engine()) as s:
        row = s.exec(select(JobState).where(JobState.name == "sweep_due")).one()
    ran = row.last_run_at if row.last_run_at.tzinfo else row.last_run_at.replace(tzinfo=UTC)
    assert ran == datetime(2031, 5, 6, 1, 0, tzinfo=UTC)  # 08:00 in Hanoi
    bad = CliRunner().invoke(app, ["jobs", "run", "sweep_due", "--now", "next tuesday"])
    assert bad.exit_code != 0 and "not an ISO 8601" in str(bad.exception)
