"""Notification settings (tùy chọn nhận thông báo): every mail's footer links here.

Each kind of mail on or off, each mail at once or one daily digest, quiet hours, and the
language of pages and mail, saved through the same services as `PUT /me/notifications`
(`notifications.preferences.set_preferences`) and `PATCH /me` (`set_language`). A
mail's unsubscribe link opens this page for its signed-in recipient, with the one kind to
stop offered on top (`api.pages.unsubscribe`); its POST, like the RFC 8058 one-click, stays
`/unsubscribe/{token}`, which needs no sign-in.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.i18n import LANG_COOKIE
from api.pages.ui import render, to_login
from api.pages.unsubscribe import KIND_LABELS, kind_labels
from api.schemas.forms import typed, validated
from api.schemas.preferences import PreferencesUpdate
from notifications.contexts import MANDATORY, Kind
from notifications.links import SETTINGS_PAGE
from notifications.preferences import (
    UnsubscribeRequest,
    preferences_of,
    read_unsubscribe_token,
    set_preferences,
)
from workflow.errors import InvalidInput
from workflow.models import User
from workflow.services.profile import LANGUAGES, set_language
from workflow.settings import get_settings

router = APIRouter(include_in_schema=False)

# The kinds listed with a box: the digest comes with its delivery choice, not a box.
LISTED_KINDS = [kind for kind in KIND_LABELS if kind != Kind.DIGEST.value]
HOURS = range(24)


def _own_unsubscribe(user: User, token: str | None) -> UnsubscribeRequest | None:
    """The opt-out a mail's link asks for, if the link is this user's and may be used."""
    if not token or len(token) > 500:
        return None
    try:
        ask = read_unsubscribe_token(settings=get_settings(), token=token)
    except InvalidInput:
        return None
    if ask.user_id != user.id or any(k in MANDATORY for k in ask.kind.split("+")):
        return None
    return ask


def _page(
    request: Request,
    session: Session,
    user: User,
    *,
    error: str | None = None,
    notice: str | None = None,
    stopped: str | None = None,
    unsubscribe: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    pref = preferences_of(session=session, user_id=user.id or 0)
    ask = _own_unsubscribe(user, unsubscribe)
    context: dict[str, Any] = {
        "kinds": [
            {
                "kind": kind,
                "label": KIND_LABELS[kind],
                "on": kind not in pref.opted_out_kinds,
                "mandatory": kind in MANDATORY,
                "asked": ask is not None and kind in ask.kind.split("+"),
            }
            for kind in LISTED_KINDS
        ],
        "pref": pref,
        "hours": HOURS,
        "languages": LANGUAGES,
        "user_language": user.language,
        "error": error,
        "notice": notice,
        "stopped": kind_labels(stopped or ""),
        "ask": ask,
        "ask_labels": kind_labels(ask.kind) if ask is not None else [],
        "unsubscribe_token": unsubscribe if ask is not None else None,
    }
    return render(
        request, "settings_notifications.html", context, user=user, status_code=status_code
    )


@router.get(SETTINGS_PAGE, response_class=HTMLResponse)
def settings_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    saved: bool = False,
    stopped: str | None = None,
    unsubscribe: str | None = None,
) -> Response:
    """The user's notification settings; `unsubscribe` (a mail's link) offers its opt-out."""
    if user is None:
        return to_login(request)
    notice = msg.SETTINGS_SAVED if saved else None
    return _page(request, session, user, notice=notice, stopped=stopped, unsubscribe=unsubscribe)


@router.post(SETTINGS_PAGE)
def save_settings(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    mode: Annotated[str, Form(max_length=20)] = "immediate",
    digest_hour: Annotated[str, Form(max_length=5)] = "7",
    quiet_start_hour: Annotated[str, Form(max_length=5)] = "",
    quiet_end_hour: Annotated[str, Form(max_length=5)] = "",
    language: Annotated[str, Form(max_length=5)] = "",
    kinds: Annotated[list[str] | None, Form(max_length=100)] = None,
) -> Response:
    """Replace the settings with the form's (one transaction; a refusal saves nothing).

    `mode` is "grouped" (at once, one mail per bulk action and one morning mail: the
    default), "immediate" (one mail per event) or "digest".

    An empty `language` keeps the user's. The digest, which has no box, stays switched off
    if its mail's link did so, until the daily digest is chosen again. The session cookie's
    CSRF check is the dependency's.
    """
    if user is None:
        return RedirectResponse(f"/login?next={SETTINGS_PAGE}", status_code=303)
    wanted = set(kinds or [])
    previous = preferences_of(session=session, user_id=user.id or 0).opted_out_kinds
    opted_out = [k for k in LISTED_KINDS if k not in wanted and k not in MANDATORY]
    # Choosing the daily digest again takes back a digest switched off by its mail's link.
    kept = [k for k in previous if k not in LISTED_KINDS]
    opted_out += [k for k in kept if not (k == Kind.DIGEST.value and mode == "digest")]
    try:
        # The API's body model: the same hours, modes and kinds are refused here and there.
        body = validated(
            PreferencesUpdate,
            {
                # "grouped" is the immediate mode with grouping (the page's third choice).
                "mode": "immediate" if mode == "grouped" else mode,
                "grouped": mode != "immediate",
                "digest_hour": typed(digest_hour) or 7,
                "quiet_start_hour": typed(quiet_start_hour),
                "quiet_end_hour": typed(quiet_end_hour),
                "opted_out_kinds": opted_out,
            },
            codes={},
        )
        set_preferences(
            session=session,
            user_id=user.id or 0,
            mode=body.mode,
            grouped=body.grouped,
            digest_hour=body.digest_hour,
            quiet_start_hour=body.quiet_start_hour,
            quiet_end_hour=body.quiet_end_hour,
            opted_out_kinds=body.opted_out_kinds,
        )
        if language:
            set_language(session=session, user=user, language=language)
    except InvalidInput:
        session.rollback()
        return _page(request, session, user, error=msg.ERROR_SETTINGS, status_code=400)
    response = RedirectResponse(f"{SETTINGS_PAGE}?saved=1", status_code=303)
    # The switch's cookie outranks the profile: make the page follow the new choice.
    response.set_cookie(LANG_COOKIE, user.language, samesite="lax")
    return response
