"""The outbox console (Hộp thư đi, /ui/outbox): the administrators' view of outgoing mail in
every mode (the dev mailbox shows only the embedded maildir).

Counts by state and the oldest waiting mail (`notifications.stats.outbox_stats`, the figures
the metrics give too), the mail alarm while the server fails, failed and suppressed mails
with the server's answer, searchable by recipient, each with a button to send it again
(`notifications.operations.requeue`, exactly once however often it is pressed), and the
suppression list with removal. Each form is one transaction and answers 303 back here with
a notice. Anybody but an administrator gets the 403 page.
"""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import NowDep, OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.ui import refusal, render, to_login
from notifications.operations import may_operate_mail, requeue, undelivered
from notifications.preferences import list_suppressions, remove_suppression
from notifications.stats import outbox_stats
from workflow.models import User
from workflow.settings import get_settings

router = APIRouter(include_in_schema=False)
PAGE = "/ui/outbox"
NOTICES = ("requeued", "unsuppressed")


def _gate(request: Request, user: User | None) -> Response | None:
    if user is None:
        return to_login(request)
    if not may_operate_mail(user):
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    return None


def _done(notice: str, what: str, q: str = "") -> RedirectResponse:
    query = {"done": notice, "what": what} | ({"q": q} if q else {})
    return RedirectResponse(f"{PAGE}?{urlencode(query)}", status_code=303)


@router.get(PAGE, response_class=HTMLResponse)
def outbox_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    q: Annotated[str | None, Query(max_length=255)] = None,
    done: Annotated[str | None, Query(max_length=20)] = None,
    what: Annotated[str | None, Query(max_length=300)] = None,
) -> Response:
    """The console; `q` narrows the undelivered mails and the suppression list to
    addresses containing it."""
    if (gate := _gate(request, user)) is not None:
        return gate
    assert user is not None
    needle = (q or "").strip().lower()
    suppressions = [s for s in list_suppressions(session=session) if needle in s.email]
    context = {
        "stats": outbox_stats(session=session, now=now),
        "mails": undelivered(session=session, recipient=needle or None),
        "suppressions": suppressions,
        "q": q or "",
        "notice": (done, what or "") if done in NOTICES else None,
        "tz": get_settings().timezone,
    }
    return render(request, "outbox.html", context, user=user)


@router.post(f"{PAGE}/retry", response_class=HTMLResponse)
def outbox_retry(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    mail_id: Annotated[int | None, Form()] = None,
    all_failed: Annotated[bool, Form()] = False,
    q: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """Send one mail (`mail_id`) or every failed one again."""
    if (gate := _gate(request, user)) is not None:
        return gate
    if mail_id is None and not all_failed:
        return refusal(request, user, msg.OUTBOX_NOTHING_CHOSEN, status=422, back=PAGE)
    done = requeue(
        session=session,
        now=now,
        ids=[mail_id] if mail_id is not None else [],
        all_failed=all_failed and mail_id is None,
    )
    return _done("requeued", str(len(done.ids)), q)


@router.post(f"{PAGE}/suppressions/remove", response_class=HTMLResponse)
def outbox_unsuppress(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    email: Annotated[str, Form(max_length=255)] = "",
    q: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """Take an address off the suppression list (its mailbox works again)."""
    if (gate := _gate(request, user)) is not None:
        return gate
    if not remove_suppression(session=session, email=email):
        return refusal(request, user, msg.OUTBOX_NOT_SUPPRESSED, status=409, back=PAGE)
    return _done("unsuppressed", email.lower(), q)
