"""The dev mailbox (hộp thư thử nghiệm): mail the embedded default wrote to var/mail.

Only served when mail goes to the maildir; with SMTP configured these pages are 404.
It holds everybody's mail, password reset links included, so only administrators may read
it (an administrator manages accounts anyway): anybody else could take over any account.
A message's HTML is served sandboxed (CSP) so nothing in a mail can act on this origin.

With reply by mail on (docs/decisions/0032-reply-by-mail.md), a mail with a Reply-To can be
answered here as its recipient would from a mail client ("Trả lời thử"): the reply is
built as a client builds it and goes through the reply job's own path
(`notifications.replies.receive_one`), so embedded mode, which has no IMAP mailbox, can try
what a reply does.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from html import escape
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import AdminUser, NowDep, SessionDep
from api.pages.ui import render
from notifications.replies import receive_one, simulated_reply
from notifications.senders.maildir import list_messages, read_bytes, read_message
from workflow.services.mail_replies import ReplyFile
from workflow.settings import Settings, get_settings

router = APIRouter(prefix="/dev/mailbox", include_in_schema=False)
_CID = re.compile(r"""src=(["'])cid:([A-Za-z0-9._-]+)\1""")


@router.get("", response_class=HTMLResponse)
def mailbox(
    request: Request,
    user: AdminUser,
    replied: Annotated[str | None, Query(max_length=20)] = None,
    why: Annotated[str | None, Query(max_length=300)] = None,
) -> HTMLResponse:
    """Newest messages first; `replied` and `why`: what a simulated reply did."""
    settings = get_settings()
    if settings.mail_backend != "maildir":
        raise HTTPException(status_code=404)
    messages = [
        {"summary": m, "when": datetime.fromtimestamp(m.sort_key, UTC) if m.sort_key else None}
        for m in list_messages(settings.var_dir / "mail")
    ]
    context = {
        "messages": messages,
        "tz": settings.timezone,
        "replies_on": settings.mail_reply_mode != "off",
        "replied": replied if replied in REPLY_OUTCOMES else None,
        "why": why or "",
    }
    return render(request, "mailbox.html", context, user=user)


REPLY_OUTCOMES = ("applied", "refused", "dropped", "duplicate")


def _repliable(settings: Settings, key: str) -> bytes:
    """The stored mail `key` if a simulated reply to it is possible, else 404."""
    raw = None
    if settings.mail_backend == "maildir" and settings.mail_reply_mode != "off":
        raw = read_bytes(settings.var_dir / "mail", key)
    view = read_message(settings.var_dir / "mail", key) if raw is not None else None
    if raw is None or view is None or not view.summary.reply_to:
        raise HTTPException(status_code=404)
    return raw


@router.get("/{key}/reply", response_class=HTMLResponse)
def reply_form(request: Request, key: str, user: AdminUser) -> HTMLResponse:
    """A reply to the mail `key`, as its recipient would write it in their mail client."""
    settings = get_settings()
    _repliable(settings, key)
    view = read_message(settings.var_dir / "mail", key)
    assert view is not None
    return render(request, "mailbox_reply.html", {"mail": view.summary, "key": key}, user=user)


@router.post("/{key}/reply", response_class=HTMLResponse)
def reply_send(
    key: str,
    session: SessionDep,
    now: NowDep,
    _admin: AdminUser,
    text: Annotated[str, Form(max_length=20_000)] = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Apply the simulated reply as the reply job would, then back to the mailbox with
    what it did."""
    settings = get_settings()
    raw = _repliable(settings, key)
    files: tuple[ReplyFile, ...] = ()
    if file is not None and file.filename:
        # One byte past the limit is enough for the upload rule to refuse it.
        data = file.file.read(settings.evidence_max_bytes + 1)
        files = (ReplyFile(file.filename, file.content_type or "", data),)
    message_id = f"<pf.devreply.{secrets.token_hex(8)}@planflow.invalid>"
    reply = simulated_reply(raw, text=text, message_id=message_id, files=files)
    outcome = receive_one(session=session, now=now, settings=settings, raw=reply)
    query = urlencode({"replied": outcome.outcome, "why": ",".join(outcome.reasons)})
    return RedirectResponse(f"/dev/mailbox?{query}", status_code=303)


@router.get("/{key}", response_class=HTMLResponse)
def show(key: str, _admin: AdminUser) -> HTMLResponse:
    """The HTML part, with inline images pointed at this mailbox."""
    settings = get_settings()
    view = (
        read_message(settings.var_dir / "mail", key) if settings.mail_backend == "maildir" else None
    )
    if view is None:
        raise HTTPException(status_code=404)
    html = _CID.sub(lambda m: f'src="/dev/mailbox/{key}/cid/{m.group(2)}"', view.html)
    return HTMLResponse(
        html or f"<pre>{escape(view.text)}</pre>",
        headers={"Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self'"},
    )


@router.get("/{key}/cid/{cid}")
def inline_image(key: str, cid: str, _admin: AdminUser) -> Response:
    """An image the HTML refers to as cid:…"""
    settings = get_settings()
    view = (
        read_message(settings.var_dir / "mail", key) if settings.mail_backend == "maildir" else None
    )
    if view is None or cid not in view.images:
        raise HTTPException(status_code=404)
    content_type, data = view.images[cid]
    return Response(data, media_type=content_type)
