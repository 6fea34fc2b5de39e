"""Mail is never silently lost: a failing server keeps mail waiting, raises and clears the
alarm; a refused recipient fails and is suppressed; `planflow mail retry` sends it again.

The whole journey against a real aiosmtpd server on loopback, on the embedded database (so
the command line sees what the test wrote), with virtual times from now on.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlmodel import Session, col, select
from typer.testing import CliRunner

from api.cli import app
from notifications.delivery import DeliveryResult, deliver_outbox
from notifications.models import MailAlarm, Notification, Suppression
from notifications.outbox import enqueue
from notifications.senders.smtp import SmtpSender
from notifications.stats import outbox_stats
from tests.integration.notifications.conftest import reminder_context
from tests.smtp_sink import SmtpSink
from workflow import db
from workflow.clock import utc_now
from workflow.models.org import Role, User
from workflow.settings import Settings, get_settings


@pytest.fixture
def smtp_db(embedded_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[SmtpSink]:
    """The embedded database with mail going to a sink that is not listening yet."""
    sink = SmtpSink()
    monkeypatch.setenv("PLANFLOW_MAIL_BACKEND", "smtp")
    monkeypatch.setenv("PLANFLOW_SMTP_HOST", sink.host)
    monkeypatch.setenv("PLANFLOW_SMTP_PORT", str(sink.port))
    monkeypatch.setenv("PLANFLOW_SMTP_TIMEOUT_SECONDS", "3")
    get_settings.cache_clear()
    yield sink


def _deliver(settings: Settings, when: object) -> DeliveryResult:
    with db.session_scope() as session:
        return deliver_outbox(
            session=session,
            now=when,  # type: ignore[arg-type]
            sender=SmtpSender(settings),
            settings=settings,
            rng=random.Random(3),
        )


def _rows(session: Session) -> dict[str, Notification]:
    return {r.dedup_key: r for r in session.exec(select(Notification))}


def _alarms(session: Session) -> list[MailAlarm]:
    return list(session.exec(select(MailAlarm).order_by(col(MailAlarm.id))))


def test_server_faults_keep_mail_waiting_and_a_refused_recipient_is_retried_after_a_fix(
    smtp_db: SmtpSink,
) -> None:
    sink, settings = smtp_db, get_settings()
    start = utc_now()
    wrong = "cao.nam.typo@sonoivu.example.vn"
    with db.session_scope() as session:
        users = {u.username: u for u in session.exec(select(User))}
        nam = users["cchc.nam"]
        nam.email = wrong  # the organisation file had a typo
        recipients = [users["cchc.linh"], users["cchc.truong"], users["tcbc.hoa"], nam]
        for i, user in enumerate(recipients * 3):
            enqueue(
                session=session,
                kind="reminder",
                recipient=user,
                context=reminder_context(user, item_id=i, now=start),
                dedup_key=f"reminder:fault:{i}",
                now=start,
                settings=settings,
            )
        admins = [u for u in users.values() if u.role == Role.ADMIN.value and u.is_active]
        assert admins
    sink.reject(wrong, "550 5.1.1 <cao.nam.typo@sonoivu.example.vn>: No such user here")

    # 1. Nothing listens: every mail waits, the alarm is raised, nobody is mailed yet.
    t = start
    first = _deliver(settings, t)
    assert (first.claimed, first.server_faults, first.failed, first.sent) == (12, 12, 0, 0)
    with db.session_scope() as session:
        assert {r.status for r in _rows(session).values()} == {"pending"}
        [alarm] = _alarms(session)
        assert alarm.cleared_at is None and "connect" in alarm.last_error
        stats = outbox_stats(session=session, now=t)
        assert stats.alarm is not None and stats.pending == 12 and stats.failed == 0

    # 2. The server answers, but refuses every recipient for its own reason (5.7.1) for
    # half an hour: still nothing fails and nothing is suppressed; after 10 minutes the
    # administrators are mailed once (the mail waits in the outbox like the others).
    with sink:
        sink.fail_all("554 5.7.1 <relay>: Relay access denied")
        while t < start + timedelta(minutes=30):
            t += timedelta(minutes=6)
            _deliver(settings, t)
        with db.session_scope() as session:
            rows = _rows(session)
            assert {r.status for r in rows.values()} == {"pending"}
            assert session.exec(select(Suppression)).all() == []
            [alarm] = _alarms(session)
            assert alarm.cleared_at is None and alarm.last_error.startswith("554 5.7.1")
            alarm_mails = [r for r in rows.values() if r.kind == "mail_alarm"]
            assert sorted(r.recipient_email for r in alarm_mails) == sorted(a.email for a in admins)
        assert sink.received == []

        # 3. The server recovers: every waiting mail arrives exactly once, the alarm is
        # cleared; the mistyped address is refused for good (5.1.1), failed and suppressed.
        sink.recover()
        t += timedelta(minutes=6)
        for _ in range(3):
            _deliver(settings, t)
            t += timedelta(seconds=10)
        with db.session_scope() as session:
            rows = _rows(session)
            by_status: dict[str, list[Notification]] = {}
            for row in rows.values():
                by_status.setdefault(row.status, []).append(row)
            assert {k: len(v) for k, v in by_status.items()} == {
                "sent": 9 + len(admins),
                "failed": 1,
                "suppressed": 2,
            }
            failed = by_status["failed"][0]
            assert failed.recipient_email == wrong and failed.last_error
            assert failed.last_error.startswith("550 5.1.1")
            assert session.exec(select(Suppression.email)).all() == [wrong]
            [alarm] = _alarms(session)
            assert alarm.cleared_at is not None
            assert outbox_stats(session=session, now=t).alarm is None
            # The alarm mails were delivered too, once each.
        for row in by_status["sent"]:
            assert len([m for m in sink.received if m.rcpt_tos == [row.recipient_email]]) >= 1
        data = [m.data for m in sink.received]
        assert len(data) == len(set(data)) == 9 + len(admins)
        assert sink.to(wrong) == []

        # 4. The address is fixed in the organisation, then `planflow mail retry`.
        with db.session_scope() as session:
            nam = session.exec(select(User).where(User.username == "cchc.nam")).one()
            nam.email = "cao.nam@sonoivu.example.vn"
        cli = CliRunner()
        out = cli.invoke(app, ["mail", "retry", "--recipient", wrong])
        assert out.exit_code == 0, out.output
        assert "re-queued 3 mail(s)" in out.output
        assert out.output.count("now to cao.nam@sonoivu.example.vn") == 3
        again = cli.invoke(app, ["mail", "retry", "--recipient", wrong])
        assert "re-queued 0 mail(s)" in again.output  # exactly once
        _deliver(settings, utc_now() + timedelta(seconds=1))
        _deliver(settings, utc_now() + timedelta(seconds=2))
        assert len(sink.to("cao.nam@sonoivu.example.vn")) == 3
        assert sink.to(wrong) == []
        with db.session_scope() as session:
            assert {r.status for r in _rows(session).values()} == {"sent"}
            # The mistyped address stays refused; nothing goes to it again.
            assert session.exec(select(Suppression.email)).all() == [wrong]
        assert len(sink.received) == 12 + len(admins)
