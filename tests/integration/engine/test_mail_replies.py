"""The reply service on real PostgreSQL: what a reply may do for whom, and when its token
no longer counts (docs/decisions/0032-reply-by-mail.md). The mailbox side and the job are
tested end to end in tests/integration/notifications/test_reply_by_mail.py."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from tests.integration.engine.conftest import MakeItem, People
from tests.integration.notifications.conftest import make_settings
from workflow.models import (
    Comment,
    Evidence,
    ExtensionRequest,
    MailReply,
    StoredFile,
    User,
    WorkItem,
)
from workflow.reply_mail import reply_token
from workflow.services.mail_replies import (
    IncomingReply,
    ReplyFile,
    apply_reply,
    revoke_reply_tokens,
)
from workflow.services.work_items import act, add_evidence
from workflow.settings import Settings
from workflow.states import Action

pytestmark = pytest.mark.integration

SECRET = "test-secret-key-0123456789abcdef"
_ids = itertools.count(1)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(secret_key=SECRET, var_dir=tmp_path, mail_reply_mode="subaddress")


def mail(
    item: WorkItem,
    user: User,
    text: str,
    *,
    issued: datetime,
    files: tuple[ReplyFile, ...] = (),
) -> IncomingReply:
    token = reply_token(secret=SECRET, item_id=item.id or 0, user_id=user.id or 0, issued_at=issued)
    return IncomingReply(
        message_id=f"<m{next(_ids)}@phone>",
        sender=user.email.upper(),  # addresses compare without case
        tokens=(token,),
        text=text,
        files=files,
    )


def test_a_reply_acts_as_its_person_may_under_the_state_table(
    org: Session, people: People, make_item: MakeItem, now: datetime, settings: Settings
) -> None:
    linh, head = people["cchc.linh"], people["cchc.truong"]
    item = make_item()
    at = now + timedelta(hours=1)

    def apply(user: User, text: str, **kw: object) -> tuple[str, list[str], str | None]:
        out = apply_reply(
            session=org,
            now=at,
            settings=settings,
            reply=mail(item, user, text, issued=now, **kw),  # type: ignore[arg-type]
        )
        return out.outcome, out.reasons, out.action

    assert apply(linh, "") == ("dropped", ["empty"], None)
    assert apply(linh, "Đã nhận") == ("applied", [], "accept")
    # The head cannot submit the officer's work; the officer cannot submit without evidence
    # (nor is the work started by the attempt: the start and the submission go together).
    assert apply(head, "Đã xong") == ("refused", ["not_allowed_now"], None)
    assert apply(linh, "Đã xong") == ("refused", ["needs_evidence"], None)
    assert item.state == "accepted"
    # A file type the uploads refuse is refused here too, and leaves no file behind.
    exe = ReplyFile("virus.exe", "application/x-msdownload", b"MZ")
    assert apply(linh, "", files=(exe,)) == ("refused", ["evidence_type"], None)
    assert not any(settings.var_dir.rglob("*.exe"))
    in_store = select(StoredFile.key).where(col(StoredFile.key).startswith(f"evidence/{item.id}/"))
    assert org.exec(in_store).all() == []  # nor in the file store
    assert org.exec(select(Evidence).where(Evidence.work_item_id == item.id)).all() == []
    # "Xin gia hạn đến 30/6" asks for the extension, with the rest as its reason.
    asked = apply(linh, "Xin gia hạn đến 30/6\nChờ số liệu của Sở Tài chính")
    assert asked == ("applied", [], "extension_request")
    request = org.exec(
        select(ExtensionRequest).where(ExtensionRequest.work_item_id == item.id)
    ).one()
    assert request.reason == "Chờ số liệu của Sở Tài chính"
    assert request.requested_due_at.astimezone().date() >= date(2026, 6, 30) - timedelta(days=1)
    # A second request while the first waits: refused, kept as a comment.
    assert apply(linh, "Xin gia hạn đến 15/7") == ("refused", ["extension_pending"], None)
    # With evidence, "Hoàn thành" on accepted work starts and submits it; the reviewer's
    # "Hoàn thành" approves it.
    add_evidence(session=org, now=at, actor=linh, item_id=item.id or 0, note="Báo cáo đã ký")
    assert apply(linh, "Hoàn thành. Gửi anh bản ký") == ("applied", [], "submit")
    assert item.state == "awaiting_review"
    assert apply(head, "Hoàn thành") == ("applied", [], "approve")
    assert item.state == "done"
    comments = org.exec(select(Comment.body).where(Comment.work_item_id == item.id)).all()
    assert sorted(comments) == ["Xin gia hạn đến 15/7", "Đã xong", "Đã xong"]


def test_a_token_dies_with_its_item_its_age_a_revocation_or_its_account(
    org: Session, people: People, make_item: MakeItem, now: datetime, settings: Settings
) -> None:
    linh = people["cchc.linh"]
    item = make_item()

    def outcome(issued: datetime, at: datetime, text: str = "Ý kiến") -> tuple[str, list[str]]:
        out = apply_reply(
            session=org, now=at, settings=settings, reply=mail(item, linh, text, issued=issued)
        )
        return out.outcome, out.reasons

    days = settings.mail_reply_token_days
    assert outcome(now, now + timedelta(days=days - 1)) == ("applied", [])
    assert outcome(now, now + timedelta(days=days + 1)) == ("dropped", ["token_expired"])
    revoked_at = now + timedelta(days=1)
    revoke_reply_tokens(session=org, now=revoked_at, user=linh, item_id=item.id)
    assert outcome(now, revoked_at + timedelta(hours=1)) == ("dropped", ["token_revoked"])
    # A mail sent after the revocation carries a new token, which counts.
    later = revoked_at + timedelta(minutes=5)
    assert outcome(later, later + timedelta(hours=1)) == ("applied", [])
    linh.is_active = False
    org.add(linh)
    assert outcome(later, later + timedelta(hours=2)) == ("dropped", ["inactive"])
    linh.is_active = True
    act(
        session=org,
        now=later,
        actor=people["cchc.truong"],
        item_id=item.id or 0,
        action=Action.CANCEL,
        comment="Thôi",
    )
    assert outcome(later, later + timedelta(hours=3)) == ("dropped", ["item_closed"])
    # Nothing a dropped mail said was kept; each mail is recorded once.
    bodies = org.exec(select(Comment.body).where(Comment.work_item_id == item.id)).all()
    assert bodies == ["Ý kiến", "Ý kiến"]
    assert len(org.exec(select(MailReply)).all()) == 6


def test_no_mailbox_or_an_unreachable_one_reads_nothing_and_fails_nothing(
    org: Session, now: datetime, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    from notifications.replies import receive_replies

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nobody listens there
    base = {"secret_key": SECRET, "var_dir": tmp_path, "mail_reply_mode": "subaddress"}
    off = receive_replies(
        session=org, now=now, settings=make_settings(**{**base, "mail_reply_mode": "off"})
    )
    assert (off.note, off.read) == ("off", 0)
    none = receive_replies(session=org, now=now, settings=make_settings(**base))
    assert (none.note, none.read) == ("no_mailbox", 0)
    closed = make_settings(
        **base, imap_port=port, imap_security="none", imap_password="x", imap_timeout_seconds=5
    )
    with caplog.at_level("WARNING", logger="planflow.replies"):
        result = receive_replies(session=org, now=now, settings=closed)
    assert (result.note, result.read, result.failed) == ("mailbox_unreachable", 0, 0)
    assert f"mailbox_unreachable host=127.0.0.1 port={port}" in caplog.text
