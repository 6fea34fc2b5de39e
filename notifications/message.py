"""Build the MIME message of a notification: text + HTML parts, inline images,
attachments, headers.

The default/SMTP policies of `EmailMessage` drop a space in some folded Vietnamese
subjects (a CPython folding bug, docs/decisions/0005-outbox-delivery.md). Here the subject
is cut into RFC 2047 encoded words on character boundaries (what `Header(s, "utf-8")` with
compat32 does, in linear time), lines end in CRLF, and the fixed MIME structure is written directly
(docs/decisions/0005-outbox-delivery.md). The Message-ID and the Date come from the row,
so a resend after a crash is byte-identical and recognisable as the same message.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from notifications.contexts import (
    COMPOSED,
    MANDATORY,
    URGENT,
    GroupedContext,
    MailContext,
    item_of,
)
from notifications.preferences import unsubscribe_url
from notifications.render import Renderer, clip, get_renderer, parse_context
from notifications.reply_to import reply_headers
from workflow.clock import ensure_utc
from workflow.settings import Settings


@dataclass(frozen=True)
class InlineImage:
    """An image referenced from the HTML as `cid:<cid>`."""

    cid: str
    data: bytes
    subtype: str = "png"


class MailRow(Protocol):
    """What composing needs from an outbox row: a `Notification` or a lean claimed row."""

    @property
    def id(self) -> int | None: ...
    @property
    def dedup_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def context(self) -> dict[str, Any]: ...
    @property
    def recipient_user_id(self) -> int | None: ...
    @property
    def recipient_email(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def message_id(self) -> str | None: ...
    @property
    def request_id(self) -> str | None: ...


@dataclass(frozen=True)
class Attachment:
    """A file attached to the mail (e.g. a report's DOCX and XLSX)."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Composed:
    """A message body made by a kind-specific composer instead of the templates."""

    subject: str
    html: str
    text: str
    images: list[InlineImage] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)


# Composes the body of one row of a kind listed in contexts.COMPOSED.
Composer = Callable[[MailRow, MailContext], Composed]


class NoComposer(RuntimeError):
    """A composed kind reached `compose` without its composer (a wiring bug)."""


@dataclass(frozen=True)
class OutgoingMail:
    """What a sender needs: the envelope and the finished bytes (CRLF line endings)."""

    notification_id: int
    message_id: str
    envelope_from: str
    recipient: str
    data: bytes


def message_id_for(*, notification_id: int, dedup_key: str, mail_from: str) -> str:
    """Deterministic: the same row always gets the same Message-ID."""
    domain = mail_from.rpartition("@")[2] or "planflow.invalid"
    digest = hashlib.sha256(dedup_key.encode("utf-8")).hexdigest()[:20]
    return f"<pf.{notification_id}.{digest}@{domain}>"


# --- One conversation per item and recipient (docs/decisions/0020-mail-threads.md) -------

# Outlook's conversation index counts from a FILETIME (100 ns since 1601-01-01); the root's
# time is fixed, so every mail of a conversation computes the same root block.
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)
_ROOT_TIME = datetime(2020, 1, 1, tzinfo=UTC)


def _filetime(moment: datetime) -> int:
    delta = ensure_utc(moment) - _FILETIME_EPOCH
    return (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10


@dataclass(frozen=True)
class Thread:
    """The conversation one mail belongs to: one per (item, recipient)."""

    root_id: str
    subject: str
    index: str  # Thread-Index (Outlook), base64 of the root block and this mail's child block


def thread_root_id(*, item_id: int, recipient: int | str, mail_from: str) -> str:
    """The synthetic root Message-ID every mail about the item to this person refers to.

    Never the Message-ID of a sent mail: two mails with one Message-ID are one mail to
    Gmail and archivers, and an item's first mail may be an assignment mailed again.
    """
    domain = mail_from.rpartition("@")[2] or "planflow.invalid"
    who = hashlib.sha256(f"{item_id}:{recipient}".encode()).hexdigest()[:16]
    return f"<pf.item.{int(item_id)}.{who}@{domain}>"


def thread_subject(title: str, item_id: int) -> str:
    """The conversation's subject: the item's title and number, the same in every mail
    (Gmail starts a new conversation when the subject changes, whatever References say)."""
    return f"{clip(' '.join(title.split()))} (#{int(item_id)})"


def thread_index(*, root_id: str, created: datetime, message_id: str) -> str:
    """Thread-Index as Outlook writes it (MS-OXOMSG PidTagConversationIndex): a 22-byte
    header block (the root's FILETIME, high 6 bytes, and a GUID from the root id), then one
    5-byte child block for this mail (time since the root, 31 bits, and 8 bits of the
    Message-ID for the order of mails at the same instant)."""
    root_time = _filetime(_ROOT_TIME) & ~0xFFFF
    guid = hashlib.sha256(root_id.encode()).digest()[:16]
    header = root_time.to_bytes(8, "big")[:6] + guid
    delta = max(0, _filetime(created) - root_time)
    if delta < 1 << 49:
        code, bits = 0, (delta >> 18) & 0x7FFFFFFF
    else:
        code, bits = 1, (delta >> 23) & 0x7FFFFFFF
    tail = hashlib.sha256(message_id.encode()).digest()[0]
    child = ((code << 39) | (bits << 8) | tail).to_bytes(5, "big")
    return base64.b64encode(header + child).decode("ascii")


def thread_of(
    row: MailRow, context: MailContext, *, message_id: str, mail_from: str
) -> Thread | None:
    """The item conversation of a mail about one item; None for other mails (a grouped
    mail lists several items and so starts its own conversation)."""
    item = item_of(context)
    if item is None:
        return None
    who: int | str = (
        row.recipient_user_id if row.recipient_user_id is not None else row.recipient_email.lower()
    )
    root = thread_root_id(item_id=item.id, recipient=who, mail_from=mail_from)
    return Thread(
        root_id=root,
        subject=thread_subject(item.title, item.id),
        index=thread_index(root_id=root, created=row.created_at, message_id=message_id),
    )


@lru_cache(maxsize=4096)
def address(name: str, addr: str) -> str:
    """A display name + address; a non-ASCII name becomes ONE RFC 2047 encoded word.

    Split into several words (as `Header` folds it), CPython's modern address parser puts a
    space between them, mid-word ("kết qu ả"); one word, even past 75 characters for very
    long names, decodes identically everywhere we tried (tests check both parsers).
    """
    return formataddr((name, addr), charset="utf-8")


def encode_words(value: str, first_line: int = len("Subject: ")) -> str:
    """RFC 2047 'B' encoded words, split on character boundaries, folded with CRLF SP.

    Same shape as `email.header.Header(value, "utf-8").encode()`, but linear: Header
    re-encodes to search each split point (about 0.5 ms per Vietnamese subject). Every
    space travels inside an encoded word, so no decoder can drop or add one.
    """
    if value.isascii() and len(value) + first_line <= 78 and "=?" not in value:
        return value
    data = value.encode("utf-8")
    words: list[str] = []
    start = 0
    while start < len(data):
        # 45 bytes -> 60 base64 characters -> a 72-character word (limit 75).
        end = min(start + 45, len(data))
        while end < len(data) and data[end] & 0xC0 == 0x80:  # never cut inside a character
            end -= 1
        words.append("=?utf-8?b?" + base64.b64encode(data[start:end]).decode("ascii") + "?=")
        start = end
    return "\r\n ".join(words)


def build_message(
    *,
    subject: str,
    text: str,
    html: str,
    from_name: str,
    from_addr: str,
    to_name: str,
    to_addr: str,
    message_id: str,
    date_header: str,
    headers: dict[str, str] | None = None,
    images: list[InlineImage] | None = None,
    attachments: list[Attachment] | None = None,
) -> bytes:
    """multipart/alternative (text, html), inside multipart/related when images are inline,
    inside multipart/mixed when files are attached.

    Written directly rather than through `email.mime` + a generator: the structure is
    fixed, and the generator cost ten times our rendering (see the decision record).
    Boundaries derive from the Message-ID, so the bytes are deterministic; they start
    with "=_", which base64 bodies can never contain at the start of a line.
    """
    tag = hashlib.sha256(message_id.encode()).hexdigest()[:24]
    alt, rel, mixed = f"=_pf_{tag}_a", f"=_pf_{tag}_r", f"=_pf_{tag}_m"
    lines = [
        f"Subject: {encode_words(subject)}",
        f"From: {address(from_name, from_addr)}",
        f"To: {address(to_name, to_addr)}",
        f"Date: {date_header}",
        f"Message-ID: {message_id}",
        "MIME-Version: 1.0",
        # Tell auto-responders (out-of-office) not to answer a robot.
        "Auto-Submitted: auto-generated",
        "X-Auto-Response-Suppress: All",
    ]
    for key, value in (headers or {}).items():
        # A folded encoded-word header (Thread-Topic) continues with CRLF + space.
        if not (key.isascii() and value.isascii()) or "\r" in value.replace("\r\n ", ""):
            raise ValueError(f"header {key!r} must be one ASCII line")
        if "\n" in value.replace("\r\n ", ""):
            raise ValueError(f"header {key!r} must be one ASCII line")
        lines.append(f"{key}: {value}")
    content_type = f'multipart/alternative; boundary="{alt}"'
    body = [
        f"--{alt}",
        *_part('text/plain; charset="utf-8"', text.encode("utf-8")),
        f"--{alt}",
        *_part('text/html; charset="utf-8"', html.encode("utf-8")),
        f"--{alt}--",
    ]
    if images:
        outer = [f"--{rel}", f"Content-Type: {content_type}", "", *body]
        for image in images:
            outer += [
                f"--{rel}",
                *_part(
                    f"image/{image.subtype}",
                    image.data,
                    f"Content-ID: <{image.cid}>",
                    f'Content-Disposition: inline; filename="{image.cid}.{image.subtype}"',
                ),
            ]
        content_type = f'multipart/related; boundary="{rel}"; type="multipart/alternative"'
        body = [*outer, f"--{rel}--"]
    if attachments:
        outer = [f"--{mixed}", f"Content-Type: {content_type}", "", *body]
        for file in attachments:
            outer += [
                f"--{mixed}",
                *_part(
                    f"{file.content_type}; {_file_param('name', file.filename)}",
                    file.data,
                    f"Content-Disposition: attachment; {_file_param('filename', file.filename)}",
                ),
            ]
        content_type = f'multipart/mixed; boundary="{mixed}"'
        body = [*outer, f"--{mixed}--"]
    lines.append(f"Content-Type: {content_type}")
    return "\r\n".join([*lines, "", *body, ""]).encode("ascii")


def _file_param(name: str, filename: str) -> str:
    """A file name parameter; non-ASCII names use RFC 2231 (filename*=utf-8''...)."""
    if filename.isascii() and '"' not in filename and "\\" not in filename:
        return f'{name}="{filename}"'
    return f"{name}*=utf-8''{quote(filename, safe='')}"


def _part(content_type: str, data: bytes, *extra: str) -> list[str]:
    encoded = base64.b64encode(data).decode("ascii")
    # 76-character lines (RFC 2045), cut in one pass rather than by base64.encodebytes.
    lines = [encoded[i : i + 76] for i in range(0, len(encoded), 76)]
    return [
        f"Content-Type: {content_type}",
        "Content-Transfer-Encoding: base64",
        *extra,
        "",
        *lines,
    ]


@lru_cache(maxsize=256)
def _date_header(created: datetime, zone: str) -> str:
    # Rows of one sweep share their creation time: format it once.
    return format_datetime(ensure_utc(created).astimezone(ZoneInfo(zone)))


def _unsubscribe_link(row: MailRow, context: MailContext, settings: Settings) -> str | None:
    """The link of List-Unsubscribe and the footer; a grouped mail's stops the kinds it
    folds in (kinds joined by "+"), so one click ends that very mail."""
    kinds = [row.kind]
    if isinstance(context, GroupedContext):
        kinds = [kind.value for kind in context.kinds if kind not in MANDATORY]
    if not kinds or any(kind in MANDATORY for kind in kinds):
        return None
    return unsubscribe_url(
        settings=settings,
        user_id=row.recipient_user_id,
        email=row.recipient_email,
        kind="+".join(kinds),
    )


def compose(
    row: MailRow,
    *,
    settings: Settings,
    renderer: Renderer | None = None,
    composers: Mapping[str, Composer] | None = None,
) -> OutgoingMail:
    """Render a stored notification into a finished message.

    Kinds in `contexts.COMPOSED` are made by their composer in `composers` (e.g. the
    periodic report, rendered from its frozen snapshot); the others by the templates.
    """
    assert row.id is not None
    context = parse_context(row.kind, row.context)
    message_id = row.message_id or message_id_for(
        notification_id=row.id, dedup_key=row.dedup_key, mail_from=settings.mail_from
    )
    thread = thread_of(row, context, message_id=message_id, mail_from=settings.mail_from)
    link = _unsubscribe_link(row, context, settings)
    item = item_of(context)
    # A reply to a mail about one item goes back to that item (docs/decisions/0032).
    replies = (
        reply_headers(
            settings=settings,
            item_id=item.id,
            user_id=row.recipient_user_id,
            issued_at=row.created_at,
        )
        if item is not None
        else {}
    )
    images: list[InlineImage] | None = None
    attachments: list[Attachment] | None = None
    if row.kind in COMPOSED:
        composer = (composers or {}).get(row.kind)
        if composer is None:
            raise NoComposer(f"no composer given for notifications of kind {row.kind!r}")
        made = composer(row, context)
        subject, html, text = made.subject, made.html, made.text
        images, attachments = made.images, made.attachments
    else:
        renderer = renderer or get_renderer(settings)
        rendered = renderer.render(
            kind=row.kind,
            language=row.language,
            context=context,
            unsubscribe_url=link,
            thread_subject=thread.subject if thread else None,
            reply_hint=bool(replies),
        )
        subject, html, text = rendered.subject, rendered.html, rendered.text
    headers = {"X-Planflow-Kind": row.kind, "X-Planflow-Notification": str(row.id)}
    if thread is not None:
        # Every mail about the item answers the same (never sent) root: Gmail, Thunderbird
        # and Dovecot's THREAD REFERENCES put them in one conversation; Outlook reads
        # Thread-Topic and Thread-Index (docs/decisions/0020-mail-threads.md).
        headers["In-Reply-To"] = thread.root_id
        headers["References"] = thread.root_id
        headers["Thread-Topic"] = encode_words(thread.subject, len("Thread-Topic: "))
        headers["Thread-Index"] = thread.index
    if replies:
        headers["Reply-To"] = replies["Reply-To"]
        if settings.mail_reply_mode == "mailbox":
            # One mailbox for every reply: the token comes back in the reply's References.
            headers["References"] = f"{headers['References']} {replies['Reference']}"
    if row.kind in URGENT:
        headers["Importance"] = "high"
        headers["X-Priority"] = "2 (High)"
    if row.request_id:
        # The request (or job run) that queued the mail: its log lines carry the same id.
        headers["X-Request-ID"] = row.request_id
    if link is not None:
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    data = build_message(
        subject=subject,
        text=text,
        html=html,
        from_name=settings.mail_from_name,
        from_addr=settings.mail_from,
        to_name=context.recipient_name,
        to_addr=row.recipient_email,
        message_id=message_id,
        date_header=_date_header(row.created_at, settings.timezone),
        headers=headers,
        images=images,
        attachments=attachments,
    )
    return OutgoingMail(row.id, message_id, settings.mail_from, row.recipient_email, data)
