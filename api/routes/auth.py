"""Authentication routes: OAuth2 password flow, refresh, password change and reset."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import ValidationError

from api.auth import (
    InvalidToken,
    LoginGuard,
    LoginOutcome,
    TokenKind,
    decode_token,
    issue_token,
    revoke_sessions,
    set_password,
    user_for_claims,
    user_for_reset_token,
    verify_password,
)
from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from api.problems import ApiProblem, problem_response
from api.schemas.auth import (
    LoginIn,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshIn,
    TokenPair,
)
from api.sign_in import client_ip, login_guard, queue_reset_link, reset_link_sender, sign_in
from workflow.models import User
from workflow.settings import Settings

router = APIRouter(prefix="/auth", tags=["auth"])


def token_pair(user: User, *, now: NowDep, settings: Settings) -> TokenPair:
    return TokenPair(
        access_token=issue_token(user, kind=TokenKind.ACCESS, now=now, settings=settings),
        refresh_token=issue_token(user, kind=TokenKind.REFRESH, now=now, settings=settings),
        expires_in=settings.access_token_minutes * 60,
    )


def login_failure(request: Request, outcome: LoginOutcome, retry_after: int) -> JSONResponse:
    """The problem answer for a failed login; returned (not raised) so counters commit."""
    if outcome is LoginOutcome.RATE_LIMITED:
        return problem_response(
            request, 429, "too many login attempts", headers={"Retry-After": str(retry_after)}
        )
    if outcome is LoginOutcome.LOCKED:
        return problem_response(
            request,
            423,
            "too many failed attempts from this address; try again later",
            headers={"Retry-After": str(retry_after)},
        )
    if outcome is LoginOutcome.NOT_LINKED:
        return problem_response(
            request, 403, "the directory account matches no person in planflow (by e-mail)"
        )
    if outcome is LoginOutcome.INACTIVE:
        return problem_response(request, 403, "the planflow account is deactivated")
    return problem_response(
        request, 401, "wrong username or password", headers={"WWW-Authenticate": "Bearer"}
    )


@router.post(
    "/token",
    response_model=TokenPair,
    responses={401: {}, 403: {}, 423: {}, 429: {}},
)
def login_for_tokens(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    guard: Annotated[LoginGuard, Depends(login_guard)],
) -> TokenPair | JSONResponse:
    """OAuth2 password flow (đăng nhập): an access token and a refresh token."""
    try:
        body = LoginIn.model_validate({"username": form.username, "password": form.password})
    except ValidationError as exc:
        raise RequestValidationError(exc.errors()) from exc
    result = sign_in(request, session=session, guard=guard, body=body, now=now, settings=settings)
    if result.user is None:
        return login_failure(request, result.outcome, result.retry_after_seconds)
    return token_pair(result.user, now=now, settings=settings)


@router.post("/refresh", response_model=TokenPair, responses={401: {}})
def refresh_tokens(
    body: RefreshIn, session: SessionDep, now: NowDep, settings: SettingsDep
) -> TokenPair:
    """Trade a valid refresh token for a new pair."""
    try:
        claims = decode_token(
            body.refresh_token, kind=TokenKind.REFRESH, now=now, settings=settings
        )
        user = user_for_claims(session, claims)
    except InvalidToken as exc:
        raise ApiProblem(401, "invalid refresh token", {"WWW-Authenticate": "Bearer"}) from exc
    return token_pair(user, now=now, settings=settings)


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT, responses={422: {}})
def change_password(body: PasswordChange, user: CurrentUser, session: SessionDep) -> Response:
    """Change one's own password; every token and session issued before stops working."""
    if not verify_password(body.current_password, user.password_hash):
        raise ApiProblem(422, "current password is wrong")
    set_password(session=session, user=user, password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
def logout_everywhere(user: CurrentUser, session: SessionDep) -> Response:
    """Sign out everywhere: every access and refresh token and every session cookie of the
    caller issued so far stops working."""
    revoke_sessions(session=session, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/password-reset", status_code=status.HTTP_202_ACCEPTED)
def request_password_reset(
    body: PasswordResetRequest,
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    guard: Annotated[LoginGuard, Depends(login_guard)],
) -> dict[str, str]:
    """Mail a signed reset link (quên mật khẩu); the answer is the same for unknown accounts."""
    queue_reset_link(
        session=session,
        login=body.login,
        send=reset_link_sender(request),
        guard=guard,
        ip=client_ip(request),
        now=now,
        settings=settings,
    )
    return {"status": "accepted"}


@router.post("/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT)
def confirm_password_reset(
    body: PasswordResetConfirm, session: SessionDep, now: NowDep, settings: SettingsDep
) -> Response:
    """Set a new password with a reset link's token (single use: it names the old password)."""
    try:
        user = user_for_reset_token(session, body.token, now=now, settings=settings)
    except InvalidToken as exc:
        raise ApiProblem(400, "invalid or expired reset link") from exc
    set_password(session=session, user=user, password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
