"""The production delivery path (`deliver_each`, the Celery task): one SMTP connection per
batch, a commit after every message, so a kill -9 resends at most the one message whose
answer was not yet recorded; two sessions take turns on PostgreSQL and never send a row
twice."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import select

from notifications.delivery import deliver_each
from notifications.models import Notification
from notifications.outbox import enqueue
from notifications.senders.smtp import SmtpSender
from tests.conftest import SAMPLE_ORG, fresh_schema, schema_url, worker_schema
from tests.integration.notifications.conftest import make_settings, reminder_context
from tests.smtp_sink import SmtpSink
from workflow.db import session_scope
from workflow.models.org import User
from workflow.services.org import load_org

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CHILD = textwrap.dedent(
    """
    import sys
    from datetime import datetime, UTC
    from notifications.delivery import deliver_each
    from notifications.senders.smtp import SmtpSender
    from tests.integration.notifications.conftest import make_settings
    from workflow.db import make_engine, session_scope
    url, port = sys.argv[1], int(sys.argv[2])
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port)
    with session_scope(make_engine(url)) as session:
        deliver_each(session=session, now=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
                     sender=SmtpSender(settings), settings=settings, batch_size=50)
    """
)


@pytest.fixture
def committed(worker_id: str) -> Iterator[tuple[Engine, str]]:
    """A PostgreSQL schema of its own whose commits other processes see."""
    schema = worker_schema(worker_id) + "_each"
    engine = fresh_schema(schema)
    with session_scope(engine) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
    yield engine, schema_url(schema)
    engine.dispose()


def _queue(engine: Engine, n: int, settings: object) -> None:
    with session_scope(engine) as session:
        users = list(session.exec(select(User).where(User.is_active)))
        for i in range(n):
            user = users[i % len(users)]
            enqueue(
                session=session,
                kind="reminder",
                recipient=user,
                context=reminder_context(user, item_id=i, now=NOW),
                dedup_key=f"reminder:{i}:each",
                now=NOW,
                settings=settings,  # type: ignore[arg-type]
            )


def test_one_connection_per_batch_every_row_sent_once(committed: tuple[Engine, str]) -> None:
    engine, _url = committed
    with SmtpSink() as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        _queue(engine, 45, settings)
        with session_scope(engine) as session:
            result = deliver_each(
                session=session, now=NOW, sender=SmtpSender(settings), settings=settings,
                batch_size=20,
            )  # fmt: skip
        assert (result.sent, result.claimed, result.batches) == (45, 45, 3)
        assert sink.ehlos == 3  # one connection per batch of 20
        with session_scope(engine) as session:
            rows = list(session.exec(select(Notification)))
        assert {r.status for r in rows} == {"sent"}
        received = Counter(str(r.message()["Message-ID"]) for r in sink.received)
        assert set(received) == {r.message_id for r in rows} and set(received.values()) == {1}


def test_kill_after_an_accept_resends_at_most_that_one(committed: tuple[Engine, str]) -> None:
    engine, url = committed
    with SmtpSink() as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        _queue(engine, 6, settings)
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(sink.port)],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        )

        def kill_after_third() -> None:
            if sink.count == 3:
                os.kill(child.pid, signal.SIGKILL)

        sink.on_accept = kill_after_third
        assert child.wait(timeout=60) == -signal.SIGKILL
        sink.on_accept = None
        with session_scope(engine) as session:
            statuses = Counter(r.status for r in session.exec(select(Notification)))
        # The first two were committed before the third was sent.
        assert statuses == {"sent": 2, "pending": 4}
        with session_scope(engine) as session:
            result = deliver_each(
                session=session, now=NOW, sender=SmtpSender(settings), settings=settings
            )
        assert result.sent == 4
        received = Counter(str(r.message()["Message-ID"]) for r in sink.received)
        assert sorted(received.values()) == [1, 1, 1, 1, 1, 2]  # one duplicate at most


def test_the_driver_claim_reads_what_the_orm_claim_reads(committed: tuple[Engine, str]) -> None:
    """`deliver_each` claims through psycopg (BEGIN and SELECT in one round trip): the same
    row, field for field, with UTC times, as the SQLAlchemy claim of the per-batch path."""
    from notifications.delivery import _claim, _claim_one_pg

    engine, _url = committed
    _queue(engine, 2, make_settings())
    with session_scope(engine) as session:
        orm = _claim(session, NOW, 1)
        session.rollback()
        driver = _claim_one_pg(session, NOW)
        session.rollback()
    assert len(orm) == 1 and driver == orm
    assert driver[0].created_at.tzinfo == UTC and driver[0].next_attempt_at.tzinfo == UTC
    assert driver[0].context == orm[0].context and isinstance(driver[0].context, dict)


def test_a_failed_commit_of_the_previous_mail_stops_the_next_before_its_data() -> None:
    """The previous message's commit overlaps this one's envelope (MAIL, RCPT); when it
    fails, this message is abandoned (RSET) before DATA: never delivered, the error raised,
    and the connection still serves the next message."""
    from notifications.message import OutgoingMail

    def mail(n: int) -> OutgoingMail:
        body = f"Message-ID: <m{n}@so.example.vn>\r\nSubject: {n}\r\n\r\nnoi dung\r\n"
        return OutgoingMail(n, f"<m{n}@so.example.vn>", "pf@so.example.vn",
                            "linh@so.example.vn", body.encode())  # fmt: skip

    def commit_failed() -> None:
        raise RuntimeError("commit of the previous message failed")

    with SmtpSink() as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        with SmtpSender(settings).batch() as batch:
            with pytest.raises(RuntimeError, match="previous message"):
                batch.send(mail(1), ready=commit_failed)
            assert sink.count == 0
            waited: list[int] = []
            assert batch.send(mail(2), ready=lambda: waited.append(2)).accepted
        assert waited == [2] and sink.count == 1 and sink.ehlos == 1
