"""Embedded default: deliver_outbox on SQLite writes a maildir, shown at /dev/mailbox to admins."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from api.auth import TokenKind, issue_token
from notifications.delivery import deliver_outbox
from notifications.outbox import enqueue
from notifications.senders import get_sender
from notifications.senders.maildir import list_messages, read_message
from tests.integration.notifications.conftest import reminder_context
from workflow import db
from workflow.clock import utc_now
from workflow.models.org import User
from workflow.settings import get_settings

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def embedded(embedded_db: str, tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def bearer(username: str) -> dict[str, str]:
    """An access token for a sample user of the embedded database, valid now."""
    with db.session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).one()
        token = issue_token(user, kind=TokenKind.ACCESS, now=utc_now(), settings=get_settings())
    return {"Authorization": f"Bearer {token}"}


def test_maildir_delivery_and_dev_mailbox(embedded: Path) -> None:
    settings = get_settings()
    with db.session_scope() as session:
        linh = session.exec(select(User).where(User.username == "cchc.linh")).one()
        enqueue(
            session=session,
            kind="reminder",
            recipient=linh,
            context=reminder_context(linh, title="Tổng hợp số liệu chỉ số PAR INDEX", now=NOW),
            dedup_key="reminder:7:maildir",
            now=NOW,
        )
    with db.session_scope() as session:
        result = deliver_outbox(session=session, now=NOW, sender=get_sender(settings))
    assert result.sent == 1

    [summary] = list_messages(embedded / "mail")
    assert summary.subject == "Tổng hợp số liệu chỉ số PAR INDEX (#42)"
    assert summary.recipient == f"Đinh Thị Linh <{linh.email}>"
    view = read_message(embedded / "mail", summary.key)
    assert view is not None and "Kính gửi Đinh Thị Linh" in view.text
    assert (embedded / "mail" / "new" / summary.key).read_bytes().count(b"\r\n") == 0

    from api.app import create_app

    admin = bearer("vp.admin")
    with TestClient(create_app()) as client:
        page = client.get("/dev/mailbox", headers=admin)
        assert page.status_code == 200
        assert "Tổng hợp số liệu chỉ số PAR INDEX" in page.text
        assert f'href="/dev/mailbox/{summary.key}"' in page.text
        shown = client.get(f"/dev/mailbox/{summary.key}", headers=admin)
        assert shown.status_code == 200
        assert "sandbox" in shown.headers["content-security-policy"]
        assert f'href="{settings.base_url}/ui/items/42"' in shown.text
        assert client.get("/dev/mailbox/nope", headers=admin).status_code == 404
        # Everybody's mail (reset links too): nobody else may read it.
        anonymous = client.get(f"/dev/mailbox/{summary.key}", follow_redirects=False)
        assert anonymous.status_code == 303
        assert anonymous.headers["location"].startswith("/login?next=/dev/mailbox/")
        officer = client.get(f"/dev/mailbox/{summary.key}", headers=bearer("cchc.linh"))
        assert officer.status_code == 403 and "Tổng hợp số liệu" not in officer.text


def test_dev_mailbox_is_off_when_mail_goes_to_smtp(
    embedded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANFLOW_MAIL_BACKEND", "smtp")
    get_settings.cache_clear()
    from api.app import create_app

    with TestClient(create_app()) as client:
        assert client.get("/dev/mailbox", headers=bearer("vp.admin")).status_code == 404


def test_the_dev_mailbox_simulates_a_reply_in_embedded_mode(
    embedded: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reply by mail without an IMAP mailbox: "Trả lời thử" answers a mail as its recipient
    would, and the reply does what the reply job would make of it."""
    monkeypatch.setenv("PLANFLOW_MAIL_REPLY_MODE", "subaddress")
    get_settings.cache_clear()
    settings = get_settings()
    start = utc_now()  # the page acts at the wall clock's time
    from workflow.services.work_items import ItemSpec, assign

    with db.session_scope() as session:
        people = {u.username: u for u in session.exec(select(User))}
        linh, head = people["cchc.linh"], people["cchc.truong"]
        spec = ItemSpec(
            title="Cập nhật quy trình nội bộ",
            lead_unit_id=linh.unit_id or 0,
            assignee_id=linh.id or 0,
            start_on=start.date(),
            due_working_days=10,
        )
        item_id = assign(session=session, now=start, actor=head, spec=spec).id
    with db.session_scope() as session:
        deliver_outbox(session=session, now=start, sender=get_sender(settings))
    [summary] = list_messages(embedded / "mail")
    assert summary.reply_to.startswith("planflow+")

    from api.app import create_app
    from workflow.models import WorkItem

    admin = bearer("vp.admin")
    with TestClient(create_app()) as client:
        page = client.get("/dev/mailbox", headers=admin)
        assert f'href="/dev/mailbox/{summary.key}/reply"' in page.text
        form = client.get(f"/dev/mailbox/{summary.key}/reply", headers=admin)
        assert form.status_code == 200 and 'id="reply-form"' in form.text
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert csrf is not None
        done = client.post(
            f"/dev/mailbox/{summary.key}/reply",
            headers=admin,
            data={"text": "Đã nhận\nEm làm ngay", "csrf_token": csrf[1]},
            files={"file": ("ke-hoach.pdf", b"%PDF-1.4 ke hoach", "application/pdf")},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        assert done.headers["location"].startswith("/dev/mailbox?replied=applied")
        shown = client.get(done.headers["location"], headers=admin)
        assert 'id="reply-notice"' in shown.text
        # An officer may not: the mailbox is everybody's.
        officer = client.get(f"/dev/mailbox/{summary.key}/reply", headers=bearer("cchc.linh"))
        assert officer.status_code == 403
    with db.session_scope() as session:
        item = session.get(WorkItem, item_id)
        assert item is not None and item.state == "accepted"
        from workflow.models import Evidence, MailReply

        assert [e.filename for e in session.exec(select(Evidence))] == ["ke-hoach.pdf"]
        [row] = session.exec(select(MailReply)).all()
        assert (row.outcome, row.action, row.user_id) == ("applied", "accept", linh.id)
