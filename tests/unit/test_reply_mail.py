"""Reply by mail without I/O: tokens, the first line's command, quotes and signatures cut,
automatic mail told apart (docs/decisions/0032-reply-by-mail.md)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from notifications.replies import automatic_reason, new_text, read_mail, tokens_of
from workflow.reply_mail import Command, read_command, read_reply_token, reply_token

SECRET = "test-secret-key-0123456789abcdef"
ISSUED = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
TODAY = date(2026, 3, 2)


def test_a_token_names_its_item_person_and_time_and_nothing_else_reads() -> None:
    token = reply_token(secret=SECRET, item_id=4321, user_id=17, issued_at=ISSUED)
    assert len(token) == 36 and token == token.lower() and token.isalnum()
    claim = read_reply_token(token.upper(), secret=SECRET)  # a server that folds case
    assert claim is not None
    assert (claim.item_id, claim.user_id, claim.issued_at) == (4321, 17, ISSUED)
    # Another deployment's key, one character changed, cut short: nothing.
    assert read_reply_token(token, secret=SECRET + "x") is None
    flipped = ("b" if token[5] == "a" else "a").join((token[:5], token[6:]))
    assert read_reply_token(flipped, secret=SECRET) is None
    assert read_reply_token(token[:-1], secret=SECRET) is None
    # Another item or person gets another token: one cannot be made from another.
    other = reply_token(secret=SECRET, item_id=4322, user_id=17, issued_at=ISSUED)
    assert other[:8] != token[:8] or other[-16:] != token[-16:]


@pytest.mark.parametrize(
    ("first_line", "command", "detail"),
    [
        ("50%", Command.PROGRESS, 50),
        ("Tiến độ 70%", Command.PROGRESS, 70),
        ("tien do: 45% - xong phan 1", Command.PROGRESS, 45),
        ("Đã xong", Command.DONE, None),
        ("Da xong.", Command.DONE, None),
        ("Hoàn thành", Command.DONE, None),
        ("Đã nhận", Command.ACCEPT, None),
        ("Xin gia hạn đến 30/6", Command.EXTENSION, date(2026, 6, 30)),
        ("gia han den ngay 15/1", Command.EXTENSION, date(2027, 1, 15)),
        ("Xin gia hạn đến 30/6/2027", Command.EXTENSION, date(2027, 6, 30)),
        # The English mail's hint words them in English.
        ("Progress 60%", Command.PROGRESS, 60),
        ("Accepted", Command.ACCEPT, None),
        ("Done", Command.DONE, None),
        ("Extend to 30/6", Command.EXTENSION, date(2026, 6, 30)),
        ("Đã xong phần 1, còn phần 2", Command.COMMENT, None),
        ("Anh xem giúp em bản dự thảo", Command.COMMENT, None),
        ("Đơn vị đạt 50% chỉ tiêu", Command.COMMENT, None),
    ],
)
def test_the_first_line_says_what_a_reply_asks(
    first_line: str, command: Command, detail: object
) -> None:
    read = read_command(f"{first_line}\nGhi chú thêm", today=TODAY)
    assert read.command == command
    assert read.invalid is None
    if command == Command.PROGRESS:
        assert read.percent == detail
    if command == Command.EXTENSION:
        assert read.due_on == detail
    if command != Command.COMMENT:
        assert read.note.endswith("Ghi chú thêm")
    assert read.text.startswith(first_line)


def test_a_command_that_cannot_be_one_says_why() -> None:
    assert read_command("150%", today=TODAY).invalid == "progress_range"
    assert read_command("Xin gia hạn đến 31/2", today=TODAY).invalid == "extension_date"
    assert read_command("Đã xong. Gửi anh bản dự thảo", today=TODAY).note == "Gửi anh bản dự thảo"


GMAIL_VI = """Tiến độ 60%
Đã gửi bản dự thảo cho phòng.

Trân trọng,
Linh

Vào Th 2, 2 thg 3, 2026 lúc 09:00 Hệ thống giao việc Sở Nội vụ <
planflow@sonoivu.example.vn> đã viết:

> Kính gửi Nguyễn Thị Linh,
> Nhiệm vụ sau sắp đến hạn: còn 3 ngày làm việc.
"""
THUNDERBIRD_VI = """Đã xong

Vào 02/03/2026 09:00, Hệ thống giao việc đã viết:
> Kính gửi Nguyễn Thị Linh,
"""
OUTLOOK_VI = """Em đã nhận, sẽ làm ngay.

Từ: Hệ thống giao việc <planflow@sonoivu.example.vn>
Đã gửi: Thứ Hai, 2 tháng 3, 2026 9:00 SA
Đến: Nguyễn Thị Linh
Chủ đề: Báo cáo kết quả CCHC quý I (#42)
Kính gửi Nguyễn Thị Linh,"""
ENGLISH = """Done - the draft is attached

On Mon, Mar 2, 2026 at 9:00 AM Planflow <planflow@sonoivu.example.vn> wrote:
> Dear Linh,
"""
PHONE = "Xin gia hạn đến 30/6\nVì chờ số liệu của Sở Tài chính\n\nGửi từ iPhone của tôi\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GMAIL_VI, "Tiến độ 60%\nĐã gửi bản dự thảo cho phòng."),
        (THUNDERBIRD_VI, "Đã xong"),
        (OUTLOOK_VI, "Em đã nhận, sẽ làm ngay."),
        (ENGLISH, "Done - the draft is attached"),
        (PHONE, "Xin gia hạn đến 30/6\nVì chờ số liệu của Sở Tài chính"),
        ("> only the quoted history\n> nothing new", ""),
    ],
)
def test_quoted_history_and_signatures_are_cut(body: str, expected: str) -> None:
    assert new_text(body) == expected


def _message(headers: dict[str, str], body: str = "Đã nhận") -> EmailMessage:
    lines = [f"{k}: {v}" for k, v in headers.items()]
    raw = "\r\n".join([*lines, "Content-Type: text/plain; charset=utf-8", "", body, ""])
    msg = message_from_bytes(raw.encode("utf-8"), policy=policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


PERSON = {"From": "linh@sonoivu.example.vn", "To": "planflow@sonoivu.example.vn", "Subject": "Re"}


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "auto_submitted"),
        ({"Precedence": "bulk"}, "precedence"),
        ({"X-Autoreply": "yes"}, "x-autoreply"),
        ({"X-Loop": "planflow"}, "x-loop"),
        ({"X-Planflow-Kind": "reminder"}, "own_mail"),
        ({"List-Id": "<cchc.list>"}, "mailing_list"),
        ({"Subject": "Trả lời tự động: Báo cáo (#42)"}, "auto_subject"),
        ({"Subject": "Automatic reply: Report (#42)"}, "auto_subject"),
        ({"From": "MAILER-DAEMON@sonoivu.example.vn"}, "robot_sender"),
    ],
)
def test_automatic_mail_is_told_apart(extra: dict[str, str], reason: str) -> None:
    assert automatic_reason(_message(PERSON)) is None
    assert automatic_reason(_message({**PERSON, **extra})) == reason
    assert automatic_reason(_message({**PERSON, "Auto-Submitted": "no"})) is None


def test_tokens_come_from_the_sub_address_or_the_references() -> None:
    token = reply_token(secret=SECRET, item_id=42, user_id=7, issued_at=ISSUED)
    other = reply_token(secret=SECRET, item_id=43, user_id=7, issued_at=ISSUED)
    msg = _message(
        {
            **PERSON,
            "To": f'"Hệ thống" <planflow+{token}@sonoivu.example.vn>',
            "References": f"<pf.item.42.ab@x> <pf.reply.{other}@sonoivu.example.vn>",
        }
    )
    assert tokens_of(msg) == (token, other)


def test_a_mail_is_read_with_its_files_and_without_its_signature_picture() -> None:
    token = reply_token(secret=SECRET, item_id=42, user_id=7, issued_at=ISSUED)
    msg = EmailMessage()
    msg["From"] = "Nguyễn Thị Linh <Linh@SoNoiVu.example.vn>"
    msg["To"] = f"planflow+{token}@sonoivu.example.vn"
    msg["Message-ID"] = "<reply-1@phone>"
    msg.set_content(GMAIL_VI)
    msg.add_attachment(
        b"%PDF-1.4 bao cao", maintype="application", subtype="pdf", filename="bc.pdf"
    )
    msg.add_attachment(b"\x89PNG logo", maintype="image", subtype="png", filename="logo.png")
    logo = list(msg.iter_attachments())[-1]
    logo.replace_header("Content-Disposition", 'inline; filename="logo.png"')
    logo["Content-ID"] = "<logo@sig>"
    reply = read_mail(msg.as_bytes())
    assert reply.message_id == "<reply-1@phone>"
    assert reply.sender == "Linh@SoNoiVu.example.vn"
    assert reply.tokens == (token,)
    assert reply.text == "Tiến độ 60%\nĐã gửi bản dự thảo cho phòng."
    assert [(f.filename, f.content_type, f.data) for f in reply.files] == [
        ("bc.pdf", "application/pdf", b"%PDF-1.4 bao cao")
    ]
    assert reply.automatic is None


def _row(kind: str, context: dict[str, object], user_id: int | None = 7) -> object:
    from notifications.models import Notification

    return Notification(
        id=11,
        dedup_key=f"{kind}:11",
        kind=kind,
        recipient_user_id=user_id,
        recipient_email="linh@sonoivu.example.vn",
        language="vi" if user_id != 8 else "en",
        context=context,
        next_attempt_at=ISSUED,
        created_at=ISSUED,
    )


REMINDER = {
    "recipient_name": "Linh",
    "item": {"id": 42, "title": "Báo cáo quý I", "due_at": ISSUED.isoformat()},
    "working_days_left": 3,
}


@pytest.mark.parametrize("mode", ["off", "subaddress", "mailbox"])
def test_an_item_mail_says_where_a_reply_goes_and_what_it_can_do(mode: str) -> None:
    from notifications.message import compose
    from workflow.settings import Settings

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        secret_key=SECRET,
        mail_from="planflow@sonoivu.example.vn",
        mail_reply_mode=mode,
    )
    for user_id, hint in ((7, "Trả lời thư này để gửi ý kiến"), (8, "Reply to this mail")):
        mail = compose(_row("reminder", REMINDER, user_id), settings=settings)  # type: ignore[arg-type]
        msg = message_from_bytes(mail.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        text = str(msg.get_body(preferencelist=("plain",)).get_content())  # type: ignore[union-attr]
        token = reply_token(secret=SECRET, item_id=42, user_id=user_id, issued_at=ISSUED)
        if mode == "off":
            assert msg["Reply-To"] is None and hint not in text
            assert "vui lòng không trả lời" in text or "not reply" in text.lower()
            continue
        assert hint in text
        assert msg["In-Reply-To"].startswith("<pf.item.42.")  # still the item's thread
        if mode == "subaddress":
            assert msg["Reply-To"] == f"planflow+{token}@sonoivu.example.vn"
            assert msg["References"] == msg["In-Reply-To"]
        else:
            assert msg["Reply-To"] == "planflow@sonoivu.example.vn"
            assert msg["References"].split()[-1] == f"<pf.reply.{token}@sonoivu.example.vn>"
        assert tokens_of(msg) == (token,) or mode == "subaddress"
    # A mail to a bare address (no user) has no token to carry.
    bare = compose(_row("reminder", REMINDER, None), settings=settings)  # type: ignore[arg-type]
    assert b"\r\nReply-To:" not in bare.data
