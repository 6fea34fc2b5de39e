"""Quiet, honest logs: an embedded tick that did something logs one line, an idle tick
none; the scheduler library's chatter stays below INFO."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from notifications.outbox import enqueue
from tasks.scheduler import run_tick
from tests.integration.notifications.conftest import reminder_context
from workflow import db, logs
from workflow.clock import utc_now
from workflow.models.org import User
from workflow.settings import get_settings


def test_one_line_per_tick_that_did_something(
    embedded_db: str, caplog: pytest.LogCaptureFixture
) -> None:
    now = utc_now()
    with db.session_scope() as session:
        linh = session.exec(select(User).where(User.username == "cchc.linh")).one()
        enqueue(
            session=session,
            kind="reminder",
            recipient=linh,
            context=reminder_context(linh, now=now),
            dedup_key="reminder:quiet",
            now=now,
        )
    caplog.set_level(logging.INFO)
    run_tick(now=now)
    lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
    assert len(lines) == 1, lines
    assert lines[0].startswith("tick job=deliver_outbox relayed=0 sent=1")
    # Later ticks may still send what the first queued (a report due today); each logs at
    # most one line, and once nothing is left a tick logs nothing.
    for n in range(1, 5):
        caplog.clear()
        run_tick(now=now + timedelta(seconds=2 * n))
        lines = [r.getMessage() for r in caplog.records if r.levelno >= logging.INFO]
        assert len(lines) <= 1, lines
        if not lines:
            break
    assert lines == []


def test_the_chatty_libraries_log_warnings_only() -> None:
    logs.configure(get_settings())
    assert all(logging.getLogger(n).getEffectiveLevel() >= logging.WARNING for n in logs.CHATTY)
