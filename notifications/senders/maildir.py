"""Maildir sender for the embedded default (var/mail), and a reader for /dev/mailbox."""

from __future__ import annotations

import mailbox
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import Message
from email.utils import parsedate_to_datetime
from pathlib import Path

from notifications.message import OutgoingMail
from notifications.senders import ACCEPTED, Outcome


class MaildirSender:
    """Every message is accepted and written as one file under `root/new`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @contextmanager
    def batch(self) -> Iterator[MaildirSender]:
        yield self

    def send(
        self,
        mail: OutgoingMail,
        meanwhile: Callable[[], None] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> Outcome:
        if ready is not None:
            ready()
        # mailbox creates the folder itself but not its parents (a fresh var_dir).
        self.root.parent.mkdir(parents=True, exist_ok=True)
        box = mailbox.Maildir(self.root, create=True)
        # Maildir files use the local line ending; mailbox would turn CRLF into CRCRLF.
        box.add(mail.data.replace(b"\r\n", b"\n"))
        if meanwhile is not None:
            meanwhile()
        return ACCEPTED


@dataclass(frozen=True)
class MailSummary:
    key: str
    subject: str
    sender: str
    recipient: str
    date: str
    message_id: str
    sort_key: float
    # Where a reply goes (reply by mail, docs/decisions/0032); "" when it has no Reply-To.
    reply_to: str = ""


@dataclass(frozen=True)
class MailView:
    summary: MailSummary
    text: str
    html: str
    images: dict[str, tuple[str, bytes]] = field(default_factory=dict)


def _header(msg: Message, name: str) -> str:
    raw = msg.get(name)
    return str(make_header(decode_header(str(raw)))) if raw is not None else ""


def _summary(key: str, msg: Message) -> MailSummary:
    date = _header(msg, "Date")
    try:
        stamp = parsedate_to_datetime(date).timestamp()
    except (TypeError, ValueError):
        stamp = 0.0
    return MailSummary(
        key=key,
        subject=_header(msg, "Subject"),
        sender=_header(msg, "From"),
        recipient=_header(msg, "To"),
        date=date,
        message_id=_header(msg, "Message-ID"),
        sort_key=stamp,
        reply_to=_header(msg, "Reply-To"),
    )


def _parse(data: bytes) -> Message:
    return message_from_bytes(data, policy=policy.compat32)


def list_messages(root: Path, limit: int = 200) -> list[MailSummary]:
    """Newest first, at most `limit`."""
    if not (root / "new").is_dir():
        return []
    box = mailbox.Maildir(root, create=False)
    found = [_summary(key, _parse(box.get_bytes(key))) for key in box.iterkeys()]
    found.sort(key=lambda m: (m.sort_key, m.key), reverse=True)
    return found[:limit]


def read_bytes(root: Path, key: str) -> bytes | None:
    """The stored bytes of one message; None when there is no such key."""
    if not (root / "new").is_dir():
        return None
    try:
        return mailbox.Maildir(root, create=False).get_bytes(key)
    except KeyError:
        return None


def read_message(root: Path, key: str) -> MailView | None:
    """One message with its decoded parts; None when there is no such key."""
    if not (root / "new").is_dir():
        return None
    box = mailbox.Maildir(root, create=False)
    try:
        msg = _parse(box.get_bytes(key))
    except KeyError:
        return None
    text = html = ""
    images: dict[str, tuple[str, bytes]] = {}
    for part in msg.walk():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        ctype = part.get_content_type()
        if ctype == "text/plain" and not text:
            text = payload.decode(part.get_content_charset() or "utf-8", "replace")
        elif ctype == "text/html" and not html:
            html = payload.decode(part.get_content_charset() or "utf-8", "replace")
        elif ctype.startswith("image/") and part.get("Content-ID"):
            images[str(part["Content-ID"]).strip("<>")] = (ctype, payload)
    return MailView(_summary(key, msg), text, html, images)
