"""Build the MIME message of a notification: text + HTML parts, inline images, headers.

`email.mime` with `email.header.Header(s, "utf-8")` and the compat32 policy with CRLF:
the default/SMTP policies of `EmailMessage` drop a space in some folded Vietnamese
subjects (CPython folding bug, see domain-vn.md), and this path is about 10x faster.
The Message-ID and the Date come from the row, so a resend after a crash is byte-identical
and recognisable as the same message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from email.header import Header
from email.mime.image import MIMEImage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime, formataddr
from pathlib import Path
from zoneinfo import ZoneInfo

from notifications.contexts import MANDATORY, Kind, ReportCoverContext
from notifications.models import Notification
from notifications.preferences import unsubscribe_url
from notifications.render import Renderer, get_renderer, parse_context
from workflow.clock import ensure_utc
from workflow.settings import Settings


class _Policy(Compat32):
    """compat32 with CRLF, except that URL headers stay on one line (< 998 characters).

    Folded after the colon, `List-Unsubscribe` reads back with a leading space in some
    parsers; an unbroken URL is what RFC 8058 examples show.
    """

    _unfolded = frozenset({"list-unsubscribe", "list-unsubscribe-post"})

    def fold(self, name: str, value: str) -> str:
        if name.lower() in self._unfolded:
            return f"{name}: {value}{self.linesep}"
        return super().fold(name, value)

    def fold_binary(self, name: str, value: str) -> bytes:
        if name.lower() in self._unfolded:
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


POLICY = _Policy(linesep="\r\n")


@dataclass(frozen=True)
class InlineImage:
    """An image referenced from the HTML as `cid:<cid>`."""

    cid: str
    data: bytes
    subtype: str = "png"


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


def address(name: str, addr: str) -> str:
    """A display name + address; a non-ASCII name becomes ONE RFC 2047 encoded word.

    Split into several words (as `Header` folds it), CPython's modern address parser puts a
    space between them, mid-word ("kết qu ả"); one word, even past 75 characters for very
    long names, decodes identically everywhere we tried (tests check both parsers).
    """
    return formataddr((name, addr), charset="utf-8")


def _set(msg: MIMEMultipart, name: str, value: Header) -> None:
    # compat32 messages take Header objects; typeshed only admits str.
    msg[name] = value  # type: ignore[assignment]


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
) -> bytes:
    """multipart/alternative (text, html), inside multipart/related when images are inline."""
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(text, "plain", "utf-8"))
    alternative.attach(MIMEText(html, "html", "utf-8"))
    root = alternative
    if images:
        root = MIMEMultipart("related")
        root.attach(alternative)
        for image in images:
            part = MIMEImage(image.data, image.subtype)
            part["Content-ID"] = f"<{image.cid}>"
            part["Content-Disposition"] = f'inline; filename="{image.cid}.{image.subtype}"'
            root.attach(part)
    _set(root, "Subject", Header(subject, "utf-8", header_name="Subject"))
    root["From"] = address(from_name, from_addr)
    root["To"] = address(to_name, to_addr)
    root["Date"] = date_header
    root["Message-ID"] = message_id
    # Tell auto-responders (out-of-office) not to answer a robot.
    root["Auto-Submitted"] = "auto-generated"
    root["X-Auto-Response-Suppress"] = "All"
    for key, value in (headers or {}).items():
        root[key] = value
    return root.as_bytes(policy=POLICY)


def _load_images(context: ReportCoverContext) -> list[InlineImage]:
    return [
        InlineImage(
            img.cid, Path(img.path).read_bytes(), Path(img.path).suffix.lstrip(".") or "png"
        )
        for img in context.images
    ]


def compose(
    row: Notification,
    *,
    settings: Settings,
    renderer: Renderer | None = None,
    load_images: Callable[[ReportCoverContext], list[InlineImage]] = _load_images,
) -> OutgoingMail:
    """Render a stored notification into a finished message."""
    assert row.id is not None
    renderer = renderer or get_renderer(settings)
    context = parse_context(row.kind, row.context)
    link = None if row.kind in MANDATORY else unsubscribe_url(settings=settings, row=row)
    rendered = renderer.render(
        kind=row.kind, language=row.language, context=context, unsubscribe_url=link
    )
    headers = {"X-Planflow-Kind": row.kind, "X-Planflow-Notification": str(row.id)}
    if link is not None:
        headers["List-Unsubscribe"] = f"<{link}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    images = (
        load_images(context)
        if row.kind == Kind.REPORT_COVER and isinstance(context, ReportCoverContext)
        else None
    )
    message_id = row.message_id or message_id_for(
        notification_id=row.id, dedup_key=row.dedup_key, mail_from=settings.mail_from
    )
    created = ensure_utc(row.created_at).astimezone(ZoneInfo(settings.timezone))
    data = build_message(
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        from_name=settings.mail_from_name,
        from_addr=settings.mail_from,
        to_name=context.recipient_name,
        to_addr=row.recipient_email,
        message_id=message_id,
        date_header=format_datetime(created),
        headers=headers,
        images=images,
    )
    return OutgoingMail(row.id, message_id, settings.mail_from, row.recipient_email, data)
