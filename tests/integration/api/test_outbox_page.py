"""The outbox console (/ui/outbox): figures, the alarm, undelivered mail with re-queue (once),
the suppression list with removal, search by recipient; administrators only."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from notifications.models import MailAlarm, Notification, Suppression
from notifications.outbox import enqueue
from notifications.preferences import add_suppression
from tests.integration.api.test_item_page_forms import browse_as, send
from tests.integration.api.test_org_names_page import notice
from tests.integration.notifications.conftest import reminder_context
from workflow.models.org import User


def _failed(org: Session, now: datetime, user: User, key: str, error: str) -> Notification:
    row = enqueue(
        session=org,
        kind="reminder",
        recipient=user,
        context=reminder_context(user, now=now),
        dedup_key=key,
        now=now - timedelta(hours=2),
    )
    row.status, row.last_error, row.attempts = "failed", error, 1
    org.flush()
    return row


def test_admin_sees_figures_alarm_and_sends_failed_mail_again_once(
    client: TestClient, org: Session, now: datetime
) -> None:
    users = {u.username: u for u in org.exec(select(User))}
    linh, hoa = users["cchc.linh"], users["tcbc.hoa"]
    bad = _failed(org, now, linh, "reminder:page:1", "550 5.1.1 No such user")
    _failed(org, now, hoa, "reminder:page:2", "554 5.6.0 Content rejected")
    enqueue(
        session=org,
        kind="reminder",
        recipient=hoa,
        context=reminder_context(hoa, item_id=9, now=now),
        dedup_key="reminder:page:3",
        now=now - timedelta(minutes=90),
    )
    add_suppression(session=org, email=linh.email, reason="550 5.1.1 No such user", now=now)
    org.add(MailAlarm(raised_at=now, last_seen_at=now, last_error="421 4.3.2 shutting down"))
    org.flush()

    browse_as(client, org, now, "cchc.linh")
    assert client.get("/ui/outbox").status_code == 403
    browse_as(client, org, now, "vp.admin")
    page = client.get("/ui/outbox")
    assert page.status_code == 200, page.text[:400]
    text = page.text
    assert 'id="nav-outbox"' in text
    assert 'data-status="failed">2<' in text and 'data-status="pending">1<' in text
    assert "421 4.3.2 shutting down" in notice(page, "outbox-alarm")
    assert f'data-mail="{bad.id}"' in text and "554 5.6.0 Content rejected" in text
    assert f'data-email="{linh.email}"' in text

    found = client.get("/ui/outbox", params={"q": "HOA"}).text
    assert "554 5.6.0" in found and "550 5.1.1 No such user</td>" not in found

    again = send(client, "/ui/outbox/retry", data={"mail_id": str(bad.id)})
    assert again.status_code == 303
    twice = send(client, "/ui/outbox/retry", data={"mail_id": str(bad.id)})
    assert "what=0" in twice.headers["location"]  # a second press queues nothing
    org.expire_all()
    row = org.get(Notification, bad.id)
    assert row is not None and row.status == "pending" and row.attempts == 0
    # Re-queueing is the administrator saying the mailbox works: the address is sent to.
    assert org.exec(select(Suppression).where(Suppression.email == linh.email)).first() is None
    done = client.get(again.headers["location"])
    assert notice(done, "outbox-notice") == "1 mail(s) queued again."  # vp.admin reads English

    add_suppression(session=org, email="cu@example.vn", reason="unsubscribed", now=now)
    org.flush()
    removed = send(client, "/ui/outbox/suppressions/remove", data={"email": "cu@example.vn"})
    assert removed.status_code == 303
    assert (
        send(client, "/ui/outbox/suppressions/remove", data={"email": "cu@example.vn"}).status_code
        == 409
    )
    everything = send(client, "/ui/outbox/retry", data={"all_failed": "true"})
    assert "what=1" in everything.headers["location"]
