"""The password reset link travels as an outbox mail to a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.header import decode_header, make_header

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from api.deps import get_now
from notifications.delivery import deliver_outbox
from notifications.models import Notification
from notifications.preferences import set_preferences
from notifications.senders.smtp import SmtpSender
from tests.integration.api.conftest import reset_links, user_named
from tests.integration.notifications.conftest import make_settings
from tests.smtp_sink import SmtpSink

Auth = Callable[[str], dict[str, str]]


def _text_part(raw: bytes) -> str:
    from email import message_from_bytes, policy

    msg = message_from_bytes(raw, policy=policy.compat32)
    for part in msg.walk():
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and part.get_content_type() == "text/plain":
            return payload.decode(part.get_content_charset() or "ascii")
    raise AssertionError("no text part")


def test_reset_mail_arrives_at_once_and_its_link_sets_the_password(
    client: TestClient, org: Session, now: datetime
) -> None:
    linh = user_named(org, "cchc.linh")
    # A digest reader inside quiet hours still gets a reset link at once: it expires.
    set_preferences(
        session=org, user_id=linh.id or 0, mode="digest", quiet_start_hour=0, quiet_end_hour=23
    )
    assert client.post("/auth/password-reset", json={"login": "nobody"}).status_code == 202
    for _ in range(2):  # a double click is one mail
        assert client.post("/auth/password-reset", json={"login": linh.email}).status_code == 202
    rows = org.exec(select(Notification).where(Notification.kind == "password_reset")).all()
    assert [(r.recipient_email, r.status, r.next_attempt_at) for r in rows] == [
        (linh.email, "pending", now)
    ]
    assert rows[0].dedup_key == f"password_reset:{linh.id}:{int(now.timestamp())}"

    with SmtpSink() as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        result = deliver_outbox(
            session=org,
            now=now,
            sender=SmtpSender(settings),
            settings=settings,
            rng=random.Random(1),
        )
        assert result.sent == 1
        assert [r.rcpt_tos for r in sink.received] == [[linh.email]]
        message = sink.received[0].message()
    subject = str(make_header(decode_header(str(message["Subject"]))))
    assert subject == "[Đặt lại mật khẩu] Tài khoản cchc.linh"
    assert message["List-Unsubscribe"] is None  # nobody opts out of their own reset
    text = _text_part(sink.received[0].data)
    link = reset_links(org, "cchc.linh")[0]
    assert link in text and "trong vòng 2 giờ" in text
    token = link.split("token=", 1)[1]
    done = client.post(
        "/auth/password-reset/confirm",
        json={"token": token, "new_password": "mat-khau-tu-thu-1"},
    )
    assert done.status_code == 204
    r = client.post("/auth/token", data={"username": "cchc.linh", "password": "mat-khau-tu-thu-1"})
    assert r.status_code == 200


def test_reset_mail_follows_the_users_language_and_cannot_be_switched_off(
    client: TestClient, org: Session, now: datetime, auth_for: Auth
) -> None:
    nam = user_named(org, "cchc.nam")
    nam.language = "en"
    org.add(nam)
    org.flush()
    client.post("/auth/password-reset", json={"login": "cchc.nam"})
    client.app.dependency_overrides[get_now] = lambda: now + timedelta(minutes=5)  # type: ignore[attr-defined]
    client.post("/auth/password-reset", json={"login": "cchc.nam"})
    rows = org.exec(select(Notification).where(Notification.recipient_user_id == nam.id)).all()
    assert [r.language for r in rows] == ["en", "en"]  # a later request is a new mail
    body = {"mode": "immediate", "opted_out_kinds": ["password_reset"]}
    r = client.put("/me/notifications", json=body, headers=auth_for("cchc.nam"))
    assert r.status_code == 422, r.text
