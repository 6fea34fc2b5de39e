"""`planflow mail deliver` and `planflow mail suppressions list|remove` on the embedded default."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from api.cli import app
from notifications.outbox import enqueue
from notifications.preferences import add_suppression
from notifications.senders.maildir import list_messages
from tests.integration.notifications.conftest import reminder_context
from workflow import db
from workflow.errors import NotFound
from workflow.models.org import User

# Enqueued in the past, so a delivery run "now" finds the rows due.
THEN = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def cli(embedded_db: str) -> Iterator[CliRunner]:
    yield CliRunner()


def _run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_deliver_sends_due_mail_once(cli: CliRunner, tmp_path: Path) -> None:
    with db.session_scope() as session:
        linh = session.exec(select(User).where(User.username == "cchc.linh")).one()
        for i in range(2):
            enqueue(
                session=session,
                kind="reminder",
                recipient=linh,
                context=reminder_context(linh, item_id=i, now=THEN),
                dedup_key=f"reminder:cli:{i}",
                now=THEN,
            )
    first = _run(cli, "mail", "deliver")
    assert "claimed=2 sent=2 retried=0 failed=0" in first
    assert "claimed=0 sent=0" in _run(cli, "mail", "deliver")
    assert len(list_messages(tmp_path / "mail")) == 2


def test_suppressions_list_and_remove(cli: CliRunner) -> None:
    assert _run(cli, "mail", "suppressions", "list") == "no suppressed addresses\n"
    with db.session_scope() as session:
        add_suppression(
            session=session, email="Cu.Nam@Example.vn", reason="550 5.1.1\nNo such user", now=THEN
        )
        add_suppression(session=session, email="khac@example.vn", reason="unsubscribed", now=THEN)
    listed = _run(cli, "mail", "suppressions", "list").splitlines()
    assert sorted(line.split("\t")[0] for line in listed) == [
        "cu.nam@example.vn",
        "khac@example.vn",
    ]
    assert "cu.nam@example.vn\t2026-03-02 02:00 UTC\t550 5.1.1 No such user" in listed
    assert _run(cli, "mail", "suppressions", "remove", "CU.NAM@example.vn") == (
        "removed cu.nam@example.vn\n"
    )
    assert _run(cli, "mail", "suppressions", "list").startswith("khac@example.vn\t")
    missing = cli.invoke(app, ["mail", "suppressions", "remove", "cu.nam@example.vn"])
    assert isinstance(missing.exception, NotFound)  # main() prints one line, exits 2
