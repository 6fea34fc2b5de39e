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
from datetime import datetime
from email.utils import format_datetime, formataddr
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import quote
from zoneinfo import ZoneInfo

from notifications.contexts import COMPOSED, MANDATORY, MailContext
from notifications.preferences import unsubscribe_url
from notifications.render import Renderer, get_renderer, parse_context
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
        if not (key.isascii() and value.isascii()) or "\r" in value or "\n" in value:
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
    link = (
        None
        if row.kind in MANDATORY
        else unsubscribe_url(
            settings=settings,
            user_id=row.recipient_user_id,
            email=row.recipient_email,
            kind=row.kind,
        )
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
            kind=row.kind, language=row.language, context=context, unsubscribe_url=link
        )
        subject, html, text = rendered.subject, rendered.html, rendered.text
    headers = {"X-Planflow-Kind": row.kind, "X-Planflow-Notification": str(row.id)}
    if row.request_id:
        # The request (or job run) that queued the mail: its log lines carry the same id.
        headers["X-Request-ID"] = row.request_id
    if link is not None:
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    message_id = row.message_id or message_id_for(
        notification_id=row.id, dedup_key=row.dedup_key, mail_from=settings.mail_from
    )
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
