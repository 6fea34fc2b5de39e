"""Signing in through the OpenID provider (the province's single sign-on): the sign-in
page's button leads to `/login/oidc`, which sends the browser to the provider; the
provider sends it back to `/login/oidc/callback`, where the ID token is checked
(`api.directory.oidc`) and the account linked to its person by e-mail
(`workflow.services.directory`). Nobody is created: an account matching no person, or a
deactivated person, is told so on the sign-in page."""

from __future__ import annotations

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import NowDep, SessionDep, SettingsDep
from api.directory import oidc
from api.pages import messages as msg
from api.pages.ui import (
    home_for,
    login_context,
    not_found,
    render,
    safe_next,
    signed_in_redirect,
)
from workflow.services import directory
from workflow.services.directory import DirectoryRefusal

router = APIRouter(include_in_schema=False)
log = structlog.get_logger(__name__)


def _refused(request: Request, message: str, *, status: int, email: str = "") -> Response:
    context = login_context(
        request, next="", error=message, notice=None, error_args={"email": email}
    )
    response = render(request, "login.html", context, user=None, status_code=status)
    response.delete_cookie(oidc.COOKIE)
    return response


@router.get("/login/oidc")
def oidc_start(request: Request, settings: SettingsDep, next: str | None = None) -> Response:
    """Start a sign-in at the provider (a new state, nonce and PKCE verifier)."""
    if not settings.oidc_enabled:
        return not_found(request, None)
    try:
        flow = oidc.start(settings=settings, next_path=safe_next(next, ""))
    except oidc.OidcFailed as exc:
        log.warning("oidc_start_failed", error=str(exc))
        return _refused(request, msg.PEOPLE_DIRECTORY_FAILED, status=502)
    response = RedirectResponse(flow.url, status_code=303)
    response.set_cookie(
        oidc.COOKIE,
        flow.cookie,
        max_age=oidc.FLOW_SECONDS,
        httponly=True,
        samesite="lax",  # it must come back with the provider's top-level redirect
        secure=settings.secure_cookies,
        path="/login/oidc",
    )
    return response


@router.get(oidc.CALLBACK_PATH)
def oidc_callback(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    state: str = "",
    code: str = "",
    error: str = "",
) -> Response:
    """The provider's answer: sign the person in, or say why not."""
    if not settings.oidc_enabled:
        return not_found(request, None)
    if error or not code or not state:
        log.info("oidc_callback_refused", error=error[:100] or "no code")
        return _refused(request, msg.PEOPLE_DIRECTORY_FAILED, status=400)
    try:
        account, next_path = oidc.finish(
            settings=settings,
            cookie=request.cookies.get(oidc.COOKIE),
            state=state,
            code=code,
            now=now,
        )
    except oidc.OidcFailed as exc:
        log.warning("oidc_callback_failed", error=str(exc))
        return _refused(request, msg.PEOPLE_DIRECTORY_FAILED, status=400)
    found = directory.person_for(session=session, now=now, account=account)
    if found.user is None:
        if found.refusal is DirectoryRefusal.INACTIVE:
            return _refused(request, msg.PEOPLE_DIRECTORY_INACTIVE, status=403)
        return _refused(
            request, msg.PEOPLE_DIRECTORY_NOT_LINKED, status=403, email=account.email or ""
        )
    response = signed_in_redirect(safe_next(next_path, home_for(found.user)), found.user, now=now)
    response.delete_cookie(oidc.COOKIE, path="/login/oidc")
    return response
