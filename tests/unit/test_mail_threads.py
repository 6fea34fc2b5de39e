"""Thread headers (decision 0020): one root, one subject and one Outlook conversation per
item and recipient, whatever the kind; urgency in the preview; grouped mail apart."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from notifications.message import compose, thread_index
from notifications.models import Notification
from workflow.settings import Settings

SETTINGS = Settings(_env_file=None, base_url="https://gv.example.vn/")  # type: ignore[call-arg]
DUE = datetime(2026, 3, 20, 10, 0, tzinfo=UTC)
TITLE = "Rà soát, đơn giản hóa thủ tục hành chính lĩnh vực nội vụ năm 2026"
ITEM = {"id": 7, "title": TITLE, "due_at": DUE, "unit_name": "Phòng CCHC"}


def _mail(row_id: int, kind: str, context: dict[str, Any], *, user: int = 3) -> EmailMessage:
    row = Notification(
        id=row_id,
        dedup_key=f"k:{row_id}",
        kind=kind,
        recipient_user_id=user,
        recipient_email=f"u{user}@example.vn",
        language="vi",
        context={"recipient_name": "Đinh Thị Linh", **context},
        work_item_id=7,
        next_attempt_at=DUE,
        created_at=DUE - timedelta(days=10 - row_id),
    )
    data = compose(row, settings=SETTINGS).data
    msg = message_from_bytes(data, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _three(user: int = 3) -> list[EmailMessage]:
    return [
        _mail(1, "assigned", {"item": ITEM, "assigner_name": "Trưởng phòng"}, user=user),
        _mail(2, "reminder", {"item": ITEM, "working_days_left": 2}, user=user),
        _mail(3, "overdue", {"item": ITEM, "working_days_late": 1}, user=user),
    ]


def test_every_kind_about_an_item_shares_root_subject_and_outlook_conversation() -> None:
    mails = _three()
    assert {m["Subject"] for m in mails} == {f"{TITLE} (#7)"}
    assert {m["Thread-Topic"] for m in mails} == {f"{TITLE} (#7)"}
    assert len({m["In-Reply-To"] for m in mails}) == 1
    assert all(m["References"] == m["In-Reply-To"] for m in mails)
    assert len({m["Message-ID"] for m in mails}) == 3
    indexes = [base64.b64decode(m["Thread-Index"]) for m in mails]
    # One 22-byte header block for the conversation, then each mail's own child block,
    # later mails ordered after earlier ones.
    assert all(len(i) == 27 and i[0] == 0x01 for i in indexes)
    assert len({i[:22] for i in indexes}) == 1
    assert indexes[0][22:] < indexes[1][22:] < indexes[2][22:]
    # Another person's mail about the same item is another conversation.
    other = _three(user=4)[0]
    assert other["In-Reply-To"] != mails[0]["In-Reply-To"]
    assert base64.b64decode(other["Thread-Index"])[:22] != indexes[0][:22]


def test_urgency_opens_the_mail_and_overdue_is_marked_important() -> None:
    assigned, reminder, overdue = _three()
    text = overdue.get_body(("plain",))
    html = overdue.get_body(("html",))
    assert text is not None and html is not None
    assert text.get_content().startswith(f"[Quá hạn] {TITLE} – hạn 20/03/2026")
    assert "display:none" in html.get_content().split("[Quá hạn]")[0][-200:]
    assert overdue["Importance"] == "high" and reminder["Importance"] is None
    assert assigned["Importance"] is None


def test_a_grouped_mail_starts_its_own_conversation_and_unsubscribes_its_kinds() -> None:
    entries = [
        {**ITEM, "kind": "overdue", "days": 1},
        {**ITEM, "id": 8, "kind": "reminder", "days": 2},
    ]
    msg = _mail(
        5,
        "grouped",
        {
            "occasion": "morning",
            "entries": entries,
            "total": 2,
            "counts": {"overdue": 1, "reminder": 1},
            "kinds": ["overdue", "reminder"],
        },
    )
    assert msg["In-Reply-To"] is None and msg["Thread-Index"] is None
    assert msg["Subject"] == "[Việc cần làm] 2 việc: 1 quá hạn, 1 sắp đến hạn"
    from notifications.preferences import read_unsubscribe_token

    token = msg["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    assert read_unsubscribe_token(settings=SETTINGS, token=token).kind == "overdue+reminder"


def test_thread_index_child_block_counts_time_from_the_root() -> None:
    root = "<pf.item.7.x@example.vn>"
    early = base64.b64decode(thread_index(root_id=root, created=DUE, message_id="<a@x>"))
    late = base64.b64decode(
        thread_index(root_id=root, created=DUE + timedelta(hours=5), message_id="<a@x>")
    )
    assert early[:22] == late[:22] and early[22:] < late[22:]
