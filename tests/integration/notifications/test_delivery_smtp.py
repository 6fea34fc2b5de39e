"""deliver_outbox against a real aiosmtpd server: what arrives, retries, refusals."""

from __future__ import annotations

import base64
import random
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parseaddr

from sqlmodel import Session, select

from notifications.delivery import DeliveryResult, deliver_outbox
from notifications.message import thread_root_id
from notifications.models import Notification, Suppression
from notifications.outbox import enqueue
from notifications.senders.smtp import SmtpSender
from tests.integration.notifications.conftest import BASE_URL, make_settings, reminder_context
from tests.smtp_sink import SmtpSink, free_port
from workflow.models.org import User
from workflow.settings import Settings


def _decoded(msg: Message, name: str) -> str:
    return str(make_header(decode_header(str(msg[name]))))


def _parts(msg: Message) -> dict[str, str]:
    found: dict[str, str] = {}
    for part in msg.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and part.get_content_maintype() == "text":
            found[part.get_content_type()] = payload.decode(part.get_content_charset() or "ascii")
    return found


def _deliver(session: Session, now: datetime, settings: Settings) -> DeliveryResult:
    return deliver_outbox(
        session=session,
        now=now,
        sender=SmtpSender(settings),
        settings=settings,
        rng=random.Random(7),
    )


def test_reminder_arrives_with_headers_both_parts_diacritics_and_links(
    session: Session,
    users: dict[str, User],
    sink: SmtpSink,
    smtp_settings: Settings,
    now: datetime,
) -> None:
    linh = users["cchc.linh"]
    row = enqueue(
        session=session,
        kind="reminder",
        recipient=linh,
        context=reminder_context(
            linh, title="Rà soát thủ tục hành chính <lĩnh vực> & công vụ", now=now
        ),
        dedup_key="reminder:42:20260305:3d",
        now=now,
        settings=smtp_settings,
    )
    result = _deliver(session, now, smtp_settings)
    assert (result.sent, result.failed, result.retried) == (1, 0, 0)

    [received] = sink.to(linh.email)
    assert received.mail_from == smtp_settings.mail_from
    msg = received.message()
    # The item's conversation: its title and number, the same in every mail about it
    # (docs/decisions/0020-mail-threads.md); what happened and how urgent opens the body.
    assert _decoded(msg, "Subject") == "Rà soát thủ tục hành chính <lĩnh vực> & công vụ (#42)"
    urgency = (
        "[Nhắc việc] Rà soát thủ tục hành chính <lĩnh vực> & công vụ – hạn 05/03/2026 "
        "(còn 3 ngày làm việc)"
    )
    root = thread_root_id(item_id=42, recipient=linh.id or 0, mail_from=smtp_settings.mail_from)
    assert msg["In-Reply-To"] == msg["References"] == root
    assert _decoded(msg, "Thread-Topic") == _decoded(msg, "Subject")
    assert len(base64.b64decode(msg["Thread-Index"])) == 27  # header block + one child block
    assert parseaddr(_decoded(msg, "To")) == ("Đinh Thị Linh", linh.email)
    assert parseaddr(_decoded(msg, "From")) == (
        smtp_settings.mail_from_name,
        smtp_settings.mail_from,
    )
    session.refresh(row)
    assert row.status == "sent" and row.sent_at == now and row.attempts == 1
    assert msg["Message-ID"] == row.message_id
    assert row.message_id is not None and row.message_id.startswith(f"<pf.{row.id}.")
    assert msg["Auto-Submitted"] == "auto-generated"
    modern = message_from_bytes(received.data, policy=policy.default)
    assert modern["List-Unsubscribe"].startswith(f"<{BASE_URL}/unsubscribe/")
    assert modern["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert msg.get_content_type() == "multipart/alternative"

    parts = _parts(msg)
    assert set(parts) == {"text/plain", "text/html"}
    text, html = parts["text/plain"], parts["text/html"]
    assert text.startswith(urgency + "\n\nKính gửi Đinh Thị Linh,")
    # In the preview (a hidden first line) and on top of the mail.
    assert html.count("[Nhắc việc] Rà soát thủ tục hành chính &lt;lĩnh vực&gt; &amp; công vụ") == 2
    assert "Rà soát thủ tục hành chính <lĩnh vực> & công vụ" in text
    assert f"{BASE_URL}/ui/items/42" in text
    assert f'<a href="{BASE_URL}/ui/items/42">' in html
    assert "&lt;lĩnh vực&gt; &amp; công vụ" in html  # autoescaped in HTML only
    assert "<lĩnh vực>" not in html
    assert "Hạn xử lý" in html and "05/03/2026" in html
    # Wire format: CRLF only, 7-bit clean (UTF-8 travels encoded).
    assert b"\r\n" in received.data and b"\n" not in received.data.replace(b"\r\n", b"")
    assert received.data.isascii()


def test_english_user_gets_english_mail(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    nam = users["cchc.nam"]
    enqueue(
        session=session,
        kind="reminder",
        recipient=nam,
        context=reminder_context(nam, now=now),
        dedup_key="reminder:42:en",
        now=now,
        settings=smtp_settings,
    )
    _deliver(session, now, smtp_settings)
    msg = sink.to(nam.email)[0].message()
    assert _decoded(msg, "Subject") == "Báo cáo kết quả CCHC quý I (#42)"
    text = _parts(msg)["text/plain"]
    assert text.startswith("[Reminder] Báo cáo kết quả CCHC quý I – due 5 Mar 2026")
    assert "Dear Cao Văn Nam," in text


def test_451_then_250_delivers_exactly_once(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    linh = users["cchc.linh"]
    sink.defer(linh.email, times=1)
    row = enqueue(
        session=session,
        kind="reminder",
        recipient=linh,
        context=reminder_context(linh, now=now),
        dedup_key="reminder:451",
        now=now,
        settings=smtp_settings,
    )
    first = _deliver(session, now, smtp_settings)
    assert (first.sent, first.retried) == (0, 1)
    session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and row.last_error
    assert row.last_error.startswith("451")
    # Backoff: between half and all of the base delay (60 s), never immediately.
    assert now + timedelta(seconds=30) <= row.next_attempt_at <= now + timedelta(seconds=60)

    assert _deliver(session, now + timedelta(seconds=10), smtp_settings).claimed == 0
    later = _deliver(session, now + timedelta(minutes=2), smtp_settings)
    assert later.sent == 1
    assert _deliver(session, now + timedelta(hours=1), smtp_settings).claimed == 0

    assert len(sink.to(linh.email)) == 1
    assert sink.rcpt_log.count(linh.email) == 2
    session.refresh(row)
    assert row.status == "sent" and row.attempts == 2


def test_550_fails_at_once_and_suppresses_the_address(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    hoa, khoa = users["tcbc.hoa"], users["tcbc.khoa"]
    sink.reject(hoa.email)
    rows = [
        enqueue(
            session=session,
            kind="reminder",
            recipient=user,
            context=reminder_context(user, item_id=i, now=now),
            dedup_key=f"reminder:{i}:{user.username}",
            now=now,
            settings=smtp_settings,
        )
        for i, user in [(1, hoa), (2, hoa), (3, khoa)]
    ]
    result = _deliver(session, now, smtp_settings)
    assert (result.sent, result.failed, result.suppressed) == (1, 1, 1)
    for row in rows:
        session.refresh(row)
    assert [r.status for r in rows] == ["failed", "suppressed", "sent"]
    assert rows[0].last_error and rows[0].last_error.startswith("550")
    # The second row for the refused address never reached the server.
    assert sink.rcpt_log.count(hoa.email) == 1
    suppression = session.exec(select(Suppression).where(Suppression.email == hoa.email)).one()
    assert suppression.reason.startswith("550")

    later = enqueue(
        session=session,
        kind="overdue",
        recipient=hoa,
        context={
            "recipient_name": hoa.full_name,
            "item": reminder_context(hoa, now=now)["item"],
            "working_days_late": 1,
        },
        dedup_key="overdue:1",
        now=now + timedelta(days=1),
        settings=smtp_settings,
    )
    assert later.status == "suppressed"
    assert _deliver(session, now + timedelta(days=1), smtp_settings).claimed == 0


def test_unreachable_server_defers_the_whole_batch(
    session: Session, users: dict[str, User], now: datetime
) -> None:
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_timeout_seconds=2)
    linh = users["cchc.linh"]
    for i in range(3):
        enqueue(
            session=session,
            kind="reminder",
            recipient=linh,
            context=reminder_context(linh, item_id=i, now=now),
            dedup_key=f"reminder:down:{i}",
            now=now,
            settings=settings,
        )
    result = _deliver(session, now, settings)
    assert (result.claimed, result.retried, result.sent) == (3, 3, 0)
    rows = session.exec(select(Notification).where(Notification.recipient_email == linh.email))
    assert {r.status for r in rows} == {"pending"}


def test_gives_up_after_the_configured_time(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    linh = users["cchc.linh"]
    # The mailbox, not the server (RFC 3463 X.2.1): a server fault would never give up.
    sink.defer(linh.email, times=100, reply="450 4.2.1 Mailbox busy")
    row = enqueue(
        session=session,
        kind="reminder",
        recipient=linh,
        context=reminder_context(linh, now=now),
        dedup_key="reminder:giveup",
        now=now,
        settings=smtp_settings,
    )
    t = now
    for _ in range(100):
        _deliver(session, t, smtp_settings)
        session.refresh(row)
        if row.status != "pending":
            break
        assert row.next_attempt_at <= now + timedelta(hours=48)
        t = row.next_attempt_at
    assert row.status == "failed"
    assert row.last_error and row.last_error.startswith("gave up: 450 4.2.1")
    assert t == now + timedelta(hours=48)  # the last try is exactly at the give-up time
    assert 10 < row.attempts < 100
    assert sink.to(linh.email) == []


def test_one_bad_row_never_stops_the_batch(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    linh = users["cchc.linh"]
    bad = Notification(
        dedup_key="broken:1",
        kind="reminder",
        recipient_email=linh.email,
        context={"recipient_name": "x"},  # missing fields: cannot render
        next_attempt_at=now - timedelta(minutes=1),
        created_at=now,
    )
    session.add(bad)
    session.flush()
    enqueue(
        session=session,
        kind="reminder",
        recipient=linh,
        context=reminder_context(linh, now=now),
        dedup_key="reminder:good",
        now=now,
        settings=smtp_settings,
    )
    result = _deliver(session, now, smtp_settings)
    assert (result.claimed, result.sent, result.failed) == (2, 1, 1)
    session.refresh(bad)
    assert bad.status == "failed" and bad.last_error and "InvalidInput" in bad.last_error


def test_an_address_with_a_line_break_fails_alone(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    # smtplib would parse it into <x@example.vn> and send there; the row fails instead, and
    # the batch goes on over the same connection.
    linh = users["cchc.linh"]
    evil = "x@example.vn>\r\nRCPT TO:<spy@example.vn"
    for key, to in (("r:evil", evil), ("r:ok", linh.email)):
        enqueue(
            session=session,
            kind="reminder",
            recipient=to,
            context=reminder_context(linh, now=now),
            dedup_key=key,
            now=now,
            settings=smtp_settings,
        )
    result = _deliver(session, now, smtp_settings)
    assert (result.claimed, result.sent, result.failed) == (2, 1, 1)
    assert sink.rcpt_log == [linh.email]
    row = session.exec(select(Notification).where(Notification.dedup_key == "r:evil")).one()
    session.refresh(row)
    assert row.status == "failed" and (row.last_error or "").startswith("bad address:")
    assert sink.ehlos == 1


def test_batches_reuse_one_connection_each(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    linh = users["cchc.linh"]
    for i in range(7):
        enqueue(
            session=session,
            kind="reminder",
            recipient=linh,
            context=reminder_context(linh, item_id=i, now=now),
            dedup_key=f"reminder:batch:{i}",
            now=now,
            settings=smtp_settings,
        )
    result = deliver_outbox(
        session=session,
        now=now,
        sender=SmtpSender(smtp_settings),
        settings=smtp_settings,
        batch_size=3,
    )
    assert (result.sent, result.batches) == (7, 3)
    assert len(sink.to(linh.email)) == 7
    assert sink.ehlos == 3  # one EHLO per connection (no STARTTLS here)


def test_subjects_and_names_round_trip_at_the_server_over_many_lengths(
    sink: SmtpSink,
) -> None:
    """CPython's default policy loses spaces in some folded Vietnamese subjects: not here."""
    import smtplib

    from notifications.message import build_message

    words = (
        "Nhắc việc hạn chót báo cáo kết quả thực hiện nhiệm vụ cải cách hành chính quý I "
        "năm 2026 của Sở Nội vụ tỉnh Bắc Giang gửi Ủy ban nhân dân tỉnh đúng hạn quy định "
        "Phòng Xây dựng chính quyền và công tác thanh niên phối hợp thực hiện đầy đủ"
    )
    cases = [
        (words[:n].strip() or "ạ", words[: max(1, n // 3)].strip() or "Ư")
        for n in range(1, len(words), 3)
    ]
    conn = smtplib.SMTP(sink.host, sink.port)
    for i, (subject, name) in enumerate(cases):
        data = build_message(
            subject=subject,
            text="t",
            html="<p>h</p>",
            from_name="Hệ thống giao việc Sở Nội vụ",
            from_addr="planflow@sonoivu.example.vn",
            to_name=name,
            to_addr=f"u{i}@example.vn",
            message_id=f"<rt.{i}@example.vn>",
            date_header="Mon, 02 Mar 2026 09:00:00 +0700",
        )
        conn.sendmail("planflow@sonoivu.example.vn", [f"u{i}@example.vn"], data)
    conn.quit()
    assert len(sink.received) == len(cases) > 60
    for (subject, name), received in zip(cases, sink.received, strict=True):
        old = received.message()
        assert _decoded(old, "Subject") == subject
        assert parseaddr(_decoded(old, "To"))[0] == name
        # A modern parser (what most clients resemble) reads the same text.
        new = message_from_bytes(received.data, policy=policy.default)
        assert str(new["Subject"]) == subject
        assert new["To"].addresses[0].display_name == name
