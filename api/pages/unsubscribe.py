"""Unsubscribe links (ngừng nhận thông báo): a confirmation page, then the opt-out.

GET only shows what the signed link would do, because mail scanners and link previews
fetch every URL in a message. POST applies it: the page's button, and the one-click POST
that mail clients send on their own (RFC 8058, body `List-Unsubscribe=One-Click`).

The recipient's own signed-in browser goes to the notification settings page instead
(`api.pages.settings`), where the opt-out is offered among the other choices.

The page speaks the language of the language switch, else of the link's account, else
Vietnamese (a bare address has no account to ask).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import NowDep, SessionDep, page_user
from api.pages import messages as msg
from api.pages.ui import render
from notifications.contexts import MANDATORY
from notifications.links import SETTINGS_PAGE
from notifications.preferences import UnsubscribeRequest, apply_unsubscribe, read_unsubscribe_token
from workflow.errors import InvalidInput
from workflow.models import User
from workflow.settings import get_settings

router = APIRouter(prefix="/unsubscribe", include_in_schema=False)

# What each kind of mail is called on the page (every kind whose mail carries the link),
# as msgids: the page speaks the recipient's language.
KIND_LABELS = {
    "reminder": msg.MAIL_KIND_REMINDER,
    "due_today": msg.MAIL_KIND_DUE_TODAY,
    "overdue": msg.MAIL_KIND_OVERDUE,
    "escalation": msg.MAIL_KIND_ESCALATION,
    "assigned": msg.MAIL_KIND_ASSIGNED,
    "returned": msg.MAIL_KIND_RETURNED,
    "rework": msg.MAIL_KIND_REWORK,
    "extension_decided": msg.MAIL_KIND_EXTENSION_DECIDED,
    "awaiting_review": msg.MAIL_KIND_AWAITING_REVIEW,
    "extension_requested": msg.MAIL_KIND_EXTENSION_REQUESTED,
    "item_update": msg.MAIL_KIND_ITEM_UPDATE,
    "chase": msg.MAIL_KIND_CHASE,
    "support_assigned": msg.MAIL_KIND_SUPPORT_ASSIGNED,
    "informed": msg.MAIL_KIND_INFORMED,
    "support_closed": msg.MAIL_KIND_SUPPORT_CLOSED,
    "reassigned": msg.MAIL_KIND_REASSIGNED,
    "comment": msg.MAIL_KIND_COMMENT,
    "digest": msg.MAIL_KIND_DIGEST,
    "report": msg.MAIL_KIND_REPORT,
}


def kind_labels(kind: str) -> list[str]:
    """The labels of a link's kinds: a grouped mail's link names each kind it folds in
    ("reminder+due_today+overdue")."""
    return [KIND_LABELS[k] for k in kind.split("+") if k in KIND_LABELS]


def _recipient(session: Session, ask: UnsubscribeRequest | None) -> User | None:
    """The account the link is for (its language is the page's), if it names one."""
    if ask is None or ask.user_id is None:
        return None
    return session.get(User, ask.user_id)


def _page(
    request: Request,
    *,
    token: str,
    ask: UnsubscribeRequest | None,
    recipient: User | None = None,
    done: bool = False,
    error: str | None = None,
) -> HTMLResponse:
    """The page in the language of the switch, else of the link's account, else Vietnamese."""
    kind = ask.kind if ask is not None else ""
    return render(
        request,
        "unsubscribe.html",
        {
            "token": token,
            "labels": kind_labels(kind),
            "kind": kind,
            "address": ask.email if ask is not None else "",
            "done": done,
            "error": error,
        },
        user=None,
        lang_user=recipient,
        status_code=400 if error else 200,
    )


def _read(token: str) -> tuple[UnsubscribeRequest | None, str | None]:
    """What the link asks for (None if forged) and why it cannot be used (an i18n key)."""
    try:
        ask = read_unsubscribe_token(settings=get_settings(), token=token)
    except InvalidInput:
        return None, msg.UNSUB_INVALID
    mandatory = any(kind in MANDATORY for kind in ask.kind.split("+"))
    return ask, (msg.UNSUB_MANDATORY if mandatory else None)


def _signed_in_recipient(request: Request, ask: UnsubscribeRequest | None) -> bool:
    """True when the browser is signed in as the account the link is for."""
    if ask is None or ask.user_id is None:
        return False
    user = page_user(request)
    return user is not None and user.id == ask.user_id


@router.get("/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str, session: SessionDep) -> Response:
    """Say what the link would switch off and offer a button; changes nothing.

    The recipient, signed in, lands on their notification settings with this opt-out
    offered on top; anybody else gets this page, which needs no sign-in.
    """
    ask, refusal = _read(token)
    recipient = _recipient(session, ask)
    if refusal is not None:
        return _page(request, token=token, ask=None, recipient=recipient, error=refusal)
    if _signed_in_recipient(request, ask):
        return RedirectResponse(f"{SETTINGS_PAGE}?unsubscribe={token}", status_code=303)
    return _page(request, token=token, ask=ask, recipient=recipient)


@router.post("/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str, session: SessionDep, now: NowDep) -> Response:
    """Apply the opt-out (idempotent); the same answer for the button and one-click.

    The request's session commits the opt-out once the page is rendered.
    """
    ask, refusal = _read(token)
    recipient = _recipient(session, ask)
    if refusal is not None or ask is None:
        error = refusal or msg.UNSUB_INVALID
        return _page(request, token=token, ask=None, recipient=recipient, error=error)
    apply_unsubscribe(session=session, settings=get_settings(), token=token, now=now)
    # A mail client's one-click POST carries no cookie; the recipient's own browser returns
    # to their settings, the kind now unticked.
    if _signed_in_recipient(request, ask):
        return RedirectResponse(f"{SETTINGS_PAGE}?stopped={ask.kind}", status_code=303)
    return _page(request, token=token, ask=ask, recipient=recipient, done=True)
