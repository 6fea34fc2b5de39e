"""enqueue: dedup, preferences (opt-out, digest, quiet hours), suppression, unsubscribe."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from sqlalchemy import delete, event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from notifications.delivery import DeliveryResult, deliver_outbox
from notifications.models import Notification, NotificationPreference, Suppression
from notifications.outbox import RecipientLookups, enqueue
from notifications.preferences import apply_unsubscribe, set_preferences
from notifications.senders.smtp import SmtpSender
from tests.integration.notifications.conftest import reminder_context
from tests.smtp_sink import SmtpSink
from workflow.errors import InvalidInput
from workflow.models.org import User
from workflow.settings import Settings


def _remind(
    session: Session, user: User, key: str, now: datetime, settings: Settings, **kw: object
) -> Notification:
    return enqueue(
        session=session,
        kind=str(kw.pop("kind", "reminder")),
        recipient=user,
        context=kw.pop("context", None) or reminder_context(user, now=now),  # type: ignore[arg-type]
        dedup_key=key,
        now=now,
        settings=settings,
    )


def _escalation(user: User, now: datetime) -> dict[str, object]:
    item = reminder_context(user, now=now)["item"]
    return {
        "recipient_name": user.full_name,
        "level": 1,
        "unit_names": ["Phòng Cải cách hành chính"],
        "items": [{**item, "working_days_late": 2}],
    }


def test_same_key_returns_the_existing_row(
    session: Session, users: dict[str, User], smtp_settings: Settings, now: datetime
) -> None:
    linh = users["cchc.linh"]
    first = _remind(session, linh, "reminder:1:20260305:3d", now, smtp_settings)
    other = reminder_context(linh, title="Khác", now=now)
    again = _remind(
        session,
        linh,
        "reminder:1:20260305:3d",
        now + timedelta(hours=1),
        smtp_settings,
        context=other,
    )
    assert again.id == first.id and again.context["item"]["title"] == "Báo cáo kết quả CCHC quý I"
    count = session.exec(select(func.count()).select_from(Notification)).one()
    assert count == 1


def test_lookups_read_each_recipient_once_for_a_batch(
    session: Session, users: dict[str, User], smtp_settings: Settings, now: datetime
) -> None:
    """A sweep's RecipientLookups: the preference and suppression of a recipient are read at
    the first mail and reused; the rows come back from the INSERT itself."""
    linh = users["cchc.linh"]
    pref = set_preferences(session=session, user_id=linh.id or 0, mode="digest", digest_hour=7)
    session.flush()
    session.expunge(pref)  # read from the database, not the identity map
    lookups = RecipientLookups()
    statements: list[str] = []

    def seen(_c: object, _cur: object, statement: str, *_rest: object) -> None:
        statements.append(statement)

    conn = session.connection()
    event.listen(conn, "before_cursor_execute", seen)
    try:
        rows = [
            enqueue(
                session=session,
                kind="reminder",
                recipient=linh,
                context=reminder_context(linh, now=now),
                dedup_key=f"reminder:{n}:20260305:remind-1",
                now=now,
                settings=smtp_settings,
                lookups=lookups,
            )
            for n in range(3)
        ]
    finally:
        event.remove(conn, "before_cursor_execute", seen)
    assert [r.status for r in rows] == ["held"] * 3 and len({r.id for r in rows}) == 3
    reads = [s for s in statements if "notification_preference" in s or "suppression" in s]
    assert len(reads) == 2  # one preference read, one suppression check, for three mails
    assert len(statements) == 2 + 3  # and one INSERT ... RETURNING per mail


def test_bad_context_is_refused_at_enqueue(
    session: Session, users: dict[str, User], smtp_settings: Settings, now: datetime
) -> None:
    with pytest.raises(InvalidInput):
        _remind(
            session, users["cchc.linh"], "k", now, smtp_settings, context={"recipient_name": "x"}
        )
    with pytest.raises(InvalidInput):
        _remind(session, users["cchc.linh"], "k", now, smtp_settings, kind="nonsense")


def test_concurrent_enqueue_of_one_key_never_raises(
    pg_engine: Engine, smtp_settings: Settings
) -> None:
    """Two transactions race on one key: the second waits, then gets the first's row."""
    key = f"race:{uuid.uuid4()}"
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    ctx = {
        "recipient_name": "Ngô Thị Bình",
        "item": {"id": 1, "title": "T", "due_at": now.isoformat()},
        "working_days_left": 1,
    }
    found: list[int | None] = []

    def second() -> None:
        with Session(pg_engine) as s2:
            row = enqueue(
                session=s2,
                kind="reminder",
                recipient="binh@example.vn",
                context=ctx,
                dedup_key=key,
                now=now,
                settings=smtp_settings,
            )
            found.append(row.id)
            s2.commit()

    try:
        with Session(pg_engine) as s1:
            mine = enqueue(
                session=s1,
                kind="reminder",
                recipient="binh@example.vn",
                context=ctx,
                dedup_key=key,
                now=now,
                settings=smtp_settings,
            )
            mine_id = mine.id
            thread = threading.Thread(target=second)
            thread.start()
            thread.join(timeout=0.5)
            assert thread.is_alive()  # blocked on our uncommitted row, not failed
            s1.commit()
            thread.join(timeout=10)
        assert found == [mine_id]
    finally:
        with Session(pg_engine) as s:
            s.exec(delete(Notification).where(Notification.dedup_key == key))  # type: ignore[arg-type]
            s.commit()


def test_opt_out_skips_except_escalations(
    session: Session, users: dict[str, User], smtp_settings: Settings, now: datetime
) -> None:
    head = users["cchc.truong"]
    assert head.id is not None
    set_preferences(session=session, user_id=head.id, opted_out_kinds=["reminder"])
    assert _remind(session, head, "r:1", now, smtp_settings).status == "skipped"
    esc = _remind(
        session, head, "e:1", now, smtp_settings, kind="escalation", context=_escalation(head, now)
    )
    assert esc.status == "pending"
    with pytest.raises(InvalidInput):
        set_preferences(session=session, user_id=head.id, opted_out_kinds=["escalation"])


def test_inactive_and_suppressed_recipients(
    session: Session, users: dict[str, User], smtp_settings: Settings, now: datetime
) -> None:
    thu, mai = users["ccvc.thu"], users["xdcq.mai"]
    thu.is_active = False
    session.add(thu)
    session.add(Suppression(email=mai.email, reason="550 5.1.1", created_at=now))
    session.flush()
    assert _remind(session, thu, "r:thu", now, smtp_settings).status == "skipped"
    row = _remind(session, mai, "r:mai", now, smtp_settings)
    assert row.status == "suppressed" and row.last_error


def test_quiet_hours_delay_delivery(
    session: Session, users: dict[str, User], smtp_settings: Settings
) -> None:
    linh = users["cchc.linh"]
    assert linh.id is not None
    set_preferences(session=session, user_id=linh.id, quiet_start_hour=21, quiet_end_hour=7)
    late = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)  # 22:30 in Hanoi
    row = _remind(session, linh, "r:quiet", late, smtp_settings)
    assert row.status == "pending"
    assert row.next_attempt_at == datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 07:00 next day


def test_digest_holds_then_sends_one_mail_per_user_per_day(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    linh, nam = users["cchc.linh"], users["cchc.nam"]
    assert linh.id is not None
    set_preferences(session=session, user_id=linh.id, mode="digest", digest_hour=7)
    held = [
        _remind(
            session,
            linh,
            f"r:{i}",
            now,
            smtp_settings,
            context=reminder_context(linh, item_id=i, now=now),
        )
        for i in range(3)
    ]
    assert {r.status for r in held} == {"held"}
    urgent = _remind(
        session,
        linh,
        "e:linh",
        now,
        smtp_settings,
        kind="escalation",
        context=_escalation(linh, now),
    )
    _remind(session, nam, "r:nam", now, smtp_settings)  # immediate user

    def deliver(at: datetime) -> DeliveryResult:
        return deliver_outbox(
            session=session, now=at, sender=SmtpSender(smtp_settings), settings=smtp_settings
        )

    first = deliver(now)
    assert (first.digests, first.sent) == (0, 2)
    session.refresh(urgent)
    assert urgent.status == "sent"  # escalations are never held for the digest

    digest_time = datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 07:00 in Hanoi
    assert deliver(digest_time - timedelta(minutes=1)).claimed == 0
    second = deliver(digest_time)
    assert (second.digests, second.sent) == (1, 1)
    assert deliver(digest_time + timedelta(hours=1)).claimed == 0
    # Nothing to say, nothing sent.
    assert deliver(digest_time + timedelta(days=1)).digests == 0

    mails = sink.to(linh.email)
    assert len(mails) == 2  # the escalation, then one digest
    digest = message_from_bytes(mails[1].data, policy=policy.default)
    assert str(digest["Subject"]) == "[Tổng hợp] 3 thông báo ngày 03/03/2026"
    text = digest.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert text.count("[Nhắc việc] Báo cáo kết quả CCHC quý I") == 3
    for i in range(3):
        assert f"/items/{i}\n" in text
    for r in held:
        session.refresh(r)
    assert {r.status for r in held} == {"digested"} and len({r.digest_id for r in held}) == 1


def test_unsubscribe_link_opts_out_of_that_kind(
    session: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings, now: datetime
) -> None:
    linh = users["cchc.linh"]
    _remind(session, linh, "r:unsub", now, smtp_settings)
    deliver_outbox(
        session=session, now=now, sender=SmtpSender(smtp_settings), settings=smtp_settings
    )
    msg = message_from_bytes(sink.to(linh.email)[0].data, policy=policy.default)
    token = str(msg["List-Unsubscribe"]).strip("<>").rsplit("/", 1)[1]
    with pytest.raises(InvalidInput):
        apply_unsubscribe(session=session, settings=smtp_settings, token=token[:-2] + "xx", now=now)
    request = apply_unsubscribe(session=session, settings=smtp_settings, token=token, now=now)
    assert (request.user_id, request.kind) == (linh.id, "reminder")
    pref = session.get(NotificationPreference, linh.id)
    assert pref is not None and pref.opted_out_kinds == ["reminder"]
    assert _remind(session, linh, "r:after", now, smtp_settings).status == "skipped"
