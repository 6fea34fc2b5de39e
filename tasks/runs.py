"""When each scheduled job last ran (`job_state`): read by the jobs that catch up on what
they missed, written by whoever ran the job (the embedded tick, a Celery task, the CLI)."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from workflow.models.report import JobState


def last_run_at(*, session: Session, name: str) -> datetime | None:
    """When job `name` last finished, or None if it never ran."""
    state = session.get(JobState, name)
    return state.last_run_at if state else None


def record_run(session: Session, name: str, now: datetime) -> None:
    """Job `name` finished at `now` (in the caller's transaction)."""
    state = session.get(JobState, name) or JobState(name=name)
    state.last_run_at = now
    session.add(state)
