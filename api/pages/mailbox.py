"""The dev mailbox (hộp thư thử nghiệm): mail the embedded default wrote to var/mail.

Only served when mail goes to the maildir; with SMTP configured these pages are 404.
It holds everybody's mail, password reset links included, so only administrators may read
it (an administrator manages accounts anyway): anybody else could take over any account.
A message's HTML is served sandboxed (CSP) so nothing in a mail can act on this origin.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import escape

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import AdminUser
from api.pages.ui import render
from notifications.senders.maildir import list_messages, read_message
from workflow.settings import get_settings

router = APIRouter(prefix="/dev/mailbox", include_in_schema=False)
_CID = re.compile(r"""src=(["'])cid:([A-Za-z0-9._-]+)\1""")


@router.get("", response_class=HTMLResponse)
def mailbox(request: Request, user: AdminUser) -> HTMLResponse:
    """Newest messages first."""
    settings = get_settings()
    if settings.mail_backend != "maildir":
        raise HTTPException(status_code=404)
    messages = [
        {"summary": m, "when": datetime.fromtimestamp(m.sort_key, UTC) if m.sort_key else None}
        for m in list_messages(settings.var_dir / "mail")
    ]
    context = {"messages": messages, "tz": settings.timezone}
    return render(request, "mailbox.html", context, user=user)


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
