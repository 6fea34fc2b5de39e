"""Reply by mail, the mail side (docs/decisions/0032-reply-by-mail.md).

Outgoing: a mail about one item to a person carries a `Reply-To` with their reply token for
that item (`reply_headers`): `planflow+TOKEN@domain` in "subaddress" mode, the dedicated
mailbox in "mailbox" mode, and in both the token in `References` as a Message-ID of its own
(`<pf.reply.TOKEN@domain>`), which every mail client quotes back in its reply.

Incoming: `receive_replies` reads the unseen mail of the reply mailbox over IMAP
(imap-tools), turns each into an `IncomingReply` (`read_mail`: the sender, the tokens, the
new text with the quoted history and the signature cut by mail-parser-reply, the files, and
whether it is an automatic mail) and hands it to `workflow.services.mail_replies`. Each mail
is committed on its own, then flagged \\Seen; its Message-ID makes a second reading a no-op.
A reply whose command was refused gets one short mail saying why (kind `reply_refused`);
a dropped mail (forged or expired token, another sender, an auto-reply, a loop) none.
"""

from __future__ import annotations

import hashlib
import imaplib
import logging
import re
import ssl
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser
from typing import Any, Protocol

from imap_tools.errors import ImapToolsError
from mailparser_reply import EmailReplyParser
from mailparser_reply.constants import MAIL_LANGUAGES, QUOTED_MATCH_INCLUDE
from sqlmodel import Session

from notifications.contexts import Kind
from notifications.events import item_ref
from notifications.outbox import enqueue
from workflow.models import User, WorkItem
from workflow.services.mail_replies import (
    IncomingReply,
    ReplyFile,
    ReplyOutcome,
    already_read,
    apply_reply,
)
from workflow.settings import Settings

log = logging.getLogger("planflow.replies")

# --- Reading one mail ----------------------------------------------------------------

_TOKEN_IN_ADDRESS = re.compile(r"\+([a-z2-7]{36})@", re.IGNORECASE)
_TOKEN_IN_REFERENCE = re.compile(r"<pf\.reply\.([a-z2-7]{36})@", re.IGNORECASE)
_ADDRESS_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To")
_REFERENCE_HEADERS = ("In-Reply-To", "References")

# Vietnamese quote headers and signatures for mail-parser-reply, which ships none:
# Gmail "Vào Th 2, 2 thg 3, 2026 lúc 09:00 Nguyễn Văn A <a@x.vn> đã viết:",
# Thunderbird "Vào 02/03/2026 09:00, Nguyễn Văn A đã viết:", Outlook "Từ: … Đã gửi: …".
_VIETNAMESE = {
    "wrote_header": r"^(" + QUOTED_MATCH_INCLUDE + r"Vào\s(?:.+?\s?.+?)\s?đã viết:)$",
    "from_header": r"((?:(?:^|\n|\n"
    + QUOTED_MATCH_INCLUDE
    + r")[* ]*(?:Từ|Đã gửi|Gửi|Đến|Tới|Chủ đề|Ngày|Cc|Bcc):[ *]*(?:\s{,2}).*){2,}(?:\n.*){,1})",
    "disclaimers": [],
    "signatures": ["Trân trọng", "Trân trọng cảm ơn", "Thân ái", "Kính thư"],
    "sent_from": "Gửi từ|Được gửi từ",
}
MAIL_LANGUAGES.setdefault("vi", _VIETNAMESE)
_QUOTE_PARSER = EmailReplyParser(languages=["vi", "en"])

# Subjects of automatic answers (Outlook, Gmail, Thunderbird; Vietnamese and English).
_AUTO_SUBJECT = re.compile(
    r"^\s*(auto(matic)?[ -]?(reply|response)|out of (the )?office|autoreply|"
    r"trả lời tự động|vắng mặt|undeliverable|delivery status notification|"
    r"mail delivery (failed|system))",
    re.IGNORECASE,
)
_ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)@", re.I)


def automatic_reason(message: EmailMessage) -> str | None:
    """Why `message` is not a person's reply (RFC 3834 and what servers write), or None.

    Never to be answered: an auto-reply answering our answer is how mail loops start."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return "auto_submitted"
    if str(message.get("Precedence", "")).strip().lower() in ("bulk", "junk", "list", "auto_reply"):
        return "precedence"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Loop"):
        if message.get(name) is not None:
            return name.lower()
    if message.get("X-Planflow-Kind") is not None:
        return "own_mail"
    if message.get("List-Id") is not None or message.get("List-Unsubscribe") is not None:
        return "mailing_list"
    if message.get_content_type() == "multipart/report" or message.get("Return-Path") == "<>":
        return "bounce"
    if _ROBOT_SENDERS.match(parseaddr(str(message.get("From", "")))[1]):
        return "robot_sender"
    if _AUTO_SUBJECT.match(str(message.get("Subject", ""))):
        return "auto_subject"
    return None


def tokens_of(message: EmailMessage) -> tuple[str, ...]:
    """Reply tokens in the recipient addresses (sub-addressing) and in the references."""
    found: list[str] = []
    for name in _ADDRESS_HEADERS:
        for _, addr in getaddresses([str(v) for v in message.get_all(name, [])]):
            found += _TOKEN_IN_ADDRESS.findall(addr)
    for name in _REFERENCE_HEADERS:
        for value in message.get_all(name, []):
            found += _TOKEN_IN_REFERENCE.findall(str(value))
    return tuple(dict.fromkeys(t.lower() for t in found))


class _Text(HTMLParser):
    """The text of an HTML body: blocks become lines, quoted blocks are left out."""

    _BLOCKS = frozenset({"p", "div", "br", "li", "tr", "h1", "h2", "h3", "table"})

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        classes = " ".join(v or "" for k, v in attrs if k == "class")
        if self.skip or tag in ("blockquote", "style", "script", "head") or "quote" in classes:
            self.skip += 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skip:
            self.skip -= 1
        if tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return re.sub(r"\n{3,}", "\n\n", "".join(parser.parts)).strip()


def new_text(body: str) -> str:
    """The words the person wrote: the quoted history (after "Vào … đã viết:", "On … wrote:",
    Outlook's "From:/Từ:" block, "> " lines) and the signature cut."""
    message = _QUOTE_PARSER.read(body.replace("\r\n", "\n"))
    first = message.replies[0] if message.replies else None
    if first is None or first.headers:
        return ""  # the mail starts with the quoted history: nothing new was written
    lines = [line for line in first.body.splitlines() if not line.lstrip().startswith(">")]
    return "\n".join(lines).strip()


def _body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    content = str(part.get_content())
    return html_text(content) if part.get_content_type() == "text/html" else content


def _files(message: EmailMessage) -> tuple[ReplyFile, ...]:
    files: list[ReplyFile] = []
    for part in message.iter_attachments():
        inline = part.get_content_disposition() == "inline" and part.get("Content-ID")
        if inline or not part.get_filename():
            continue  # a picture of the signature, not a file the person attached
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            files.append(ReplyFile(str(part.get_filename()), part.get_content_type(), data))
    return tuple(files)


def message_id_of(message: EmailMessage, raw: bytes) -> str:
    found = str(message.get("Message-ID", "")).strip()
    return found or f"<pf.noid.{hashlib.sha256(raw).hexdigest()[:32]}@planflow.invalid>"


def read_mail(raw: bytes) -> IncomingReply:
    """One incoming mail as the service needs it."""
    message = message_from_bytes(raw, policy=policy.default)
    assert isinstance(message, EmailMessage)
    automatic = automatic_reason(message)
    return IncomingReply(
        message_id=message_id_of(message, raw),
        sender=parseaddr(str(message.get("From", "")))[1],
        tokens=tokens_of(message),
        text="" if automatic else new_text(_body(message)),
        files=() if automatic else _files(message),
        automatic=automatic,
    )


def simulated_reply(
    original: bytes,
    *,
    text: str,
    message_id: str,
    files: tuple[ReplyFile, ...] = (),
) -> bytes:
    """The reply a mail client would send to `original` from its recipient: To its
    Reply-To, the threading headers, `text` above the quoted original (the dev mailbox's
    "reply" in embedded mode, which has no IMAP mailbox)."""
    parsed = message_from_bytes(original, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    msg = EmailMessage()
    msg["From"] = str(parsed["To"])
    msg["To"] = str(parsed.get("Reply-To", ""))
    msg["Subject"] = f"Re: {parsed['Subject']}"
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = str(parsed["Message-ID"])
    references = " ".join(str(v) for v in (parsed.get("References"), parsed["Message-ID"]) if v)
    msg["References"] = references
    quoted = "\n".join(f"> {line}" for line in _body(parsed).splitlines())
    msg.set_content(f"{text}\n\nVào {parsed['Date']}, {parsed['From']} đã viết:\n{quoted}\n")
    for file in files:
        maintype, _, subtype = file.content_type.partition("/")
        msg.add_attachment(
            file.data,
            maintype=maintype or "application",
            subtype=subtype or "octet-stream",
            filename=file.filename,
        )
    return msg.as_bytes()


# --- The job ---------------------------------------------------------------------------


@dataclass
class ReplyRunResult:
    """What one run of the reply job did."""

    read: int = 0
    applied: int = 0
    refused: int = 0
    dropped: int = 0
    duplicates: int = 0
    failed: int = 0
    note: str | None = None
    outcomes: list[ReplyOutcome] = field(default_factory=list)


@dataclass(frozen=True)
class Fetched:
    """One unseen mail of the mailbox: its IMAP uid and its bytes."""

    uid: str
    raw: bytes


class Mailbox(Protocol):
    """What the job needs of the reply mailbox."""

    def unseen(self, limit: int) -> Iterator[Fetched]: ...

    def mark_seen(self, uid: str) -> None: ...


class ImapMailbox:
    """The reply mailbox over IMAP (imap-tools), as the settings say."""

    def __init__(self, settings: Settings) -> None:
        from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted

        self.settings = settings
        timeout = settings.imap_timeout_seconds
        context = ssl.create_default_context()
        if settings.imap_security == "ssl":
            self.box: Any = MailBox(
                settings.imap_host, settings.imap_port, timeout=timeout, ssl_context=context
            )
        elif settings.imap_security == "starttls":
            self.box = MailBoxStartTls(
                settings.imap_host, settings.imap_port, timeout=timeout, ssl_context=context
            )
        else:
            self.box = MailBoxUnencrypted(settings.imap_host, settings.imap_port, timeout=timeout)

    def __enter__(self) -> ImapMailbox:
        password = self.settings.imap_password
        self.box.login(
            self.settings.imap_username or self.settings.reply_mailbox,
            password.get_secret_value() if password else "",
            initial_folder=self.settings.imap_folder,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.box.logout()

    def unseen(self, limit: int) -> Iterator[Fetched]:
        from imap_tools import AND

        for found in self.box.fetch(AND(seen=False), mark_seen=False, limit=limit):
            yield Fetched(str(found.uid), found.obj.as_bytes())

    def mark_seen(self, uid: str) -> None:
        from imap_tools import MailMessageFlags

        self.box.flag(uid, MailMessageFlags.SEEN, True)


MailboxFactory = Callable[[Settings], AbstractContextManager[Mailbox]]


def receive_replies(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    mailbox: MailboxFactory | None = None,
) -> ReplyRunResult:
    """Read the reply mailbox's unseen mail and apply each (see the module's docstring).

    A job, not a service: it commits after each mail, then flags it \\Seen, so a crash
    between the two reads the mail again and finds its Message-ID recorded."""
    result = ReplyRunResult()
    if settings.mail_reply_mode == "off":
        result.note = "off"
        return result
    if mailbox is None and settings.imap_password is None:
        # No mailbox to read (embedded mode tries replies in the dev mailbox).
        result.note = "no_mailbox"
        return result
    session.commit()  # nothing of the caller's is held while the server answers
    with ExitStack() as stack:
        try:
            box = stack.enter_context((mailbox or ImapMailbox)(settings))
        except (OSError, imaplib.IMAP4.error, ImapToolsError) as exc:
            # The server or our configuration: the mail waits there for the next run.
            log.warning(
                "mail_reply mailbox_unreachable host=%s port=%s error=%s",
                settings.imap_host,
                settings.imap_port,
                exc,
            )
            result.note = "mailbox_unreachable"
            return result
        for fetched in box.unseen(settings.mail_reply_batch):
            result.read += 1
            try:
                outcome = receive_one(session=session, now=now, settings=settings, raw=fetched.raw)
                session.commit()
            except Exception:
                session.rollback()
                result.failed += 1
                log.exception("mail_reply failed uid=%s", fetched.uid)
                continue
            box.mark_seen(fetched.uid)
            result.outcomes.append(outcome)
            if outcome.outcome == "duplicate":
                result.duplicates += 1
            else:
                setattr(result, outcome.outcome, getattr(result, outcome.outcome) + 1)
    return result


def receive_one(*, session: Session, now: datetime, settings: Settings, raw: bytes) -> ReplyOutcome:
    """Apply one incoming mail as the job does (the dev mailbox's simulated reply too);
    in the caller's transaction."""
    reply = read_mail(raw)
    if already_read(session=session, message_id=reply.message_id):
        return ReplyOutcome("duplicate")
    outcome = apply_reply(session=session, now=now, settings=settings, reply=reply)
    if outcome.outcome == "refused":
        _tell_why(session=session, now=now, settings=settings, reply=reply, outcome=outcome)
    return outcome


def _tell_why(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    reply: IncomingReply,
    outcome: ReplyOutcome,
) -> None:
    """One short mail to the person: what of their reply was not taken, and why."""
    user = session.get(User, outcome.user_id)
    item = session.get(WorkItem, outcome.item_id)
    if user is None or item is None:
        return
    key = hashlib.sha256(reply.message_id.encode()).hexdigest()[:32]
    enqueue(
        session=session,
        kind=Kind.REPLY_REFUSED.value,
        recipient=user,
        context={
            "recipient_name": user.full_name,
            "item": item_ref(session, item),
            "asked": outcome.asked,
            "reasons": outcome.reasons,
            "kept_as_comment": outcome.commented,
        },
        dedup_key=f"reply_refused:{key}",
        now=now,
        work_item_id=item.id,
        settings=settings,
    )
