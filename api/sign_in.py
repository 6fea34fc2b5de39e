"""Signing in and password reset as the auth routes and the sign-in pages share them: the
client address the limits key on, the app's login guard, and sending a reset link.

Routes and pages both ask this module (pages never import route modules).
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from fastapi import Request
from sqlmodel import Session

from api.auth import (
    LoginGuard,
    LoginResult,
    account_key,
    authenticate,
    find_login_user,
    reset_token,
)
from api.directory.ldap import ldap_check
from api.schemas.auth import LoginIn
from notifications.contexts import Kind, PasswordResetContext
from notifications.links import MailLinks
from notifications.outbox import enqueue
from workflow.models import User
from workflow.settings import Settings


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def sign_in(
    request: Request,
    *,
    session: Session,
    guard: LoginGuard,
    body: LoginIn,
    now: datetime,
    settings: Settings,
) -> LoginResult:
    """Check a sign-in's password (against the LDAP directory first when it is on), the
    limits keyed on the request's client address: the API's token route and the sign-in
    page alike."""
    check = (
        ldap_check(session=session, now=now, settings=settings) if settings.ldap_enabled else None
    )
    return authenticate(
        session=session,
        guard=guard,
        login=body.username,
        password=body.password,
        ip=client_ip(request),
        now=now,
        settings=settings,
        directory=check,
    )


def login_guard(request: Request) -> LoginGuard:
    guard: LoginGuard = request.app.state.login_guard
    return guard


class ResetLinkSender(Protocol):
    """How a reset link reaches its user; `app.state.reset_link_sender` holds one."""

    def __call__(
        self, *, session: Session, user: User, link: str, now: datetime, settings: Settings
    ) -> None: ...


def mail_reset_link(
    *, session: Session, user: User, link: str, now: datetime, settings: Settings
) -> None:
    """Queue the reset mail in the request's transaction (it leaves only if that commits).

    The dedup key names the user and the second the link was issued: a double click
    sends one mail (both clicks issue the same token).
    """
    context = PasswordResetContext(
        recipient_name=user.full_name,
        username=user.username,
        reset_url=link,
        valid_hours=settings.password_reset_hours,
    )
    enqueue(
        session=session,
        kind=Kind.PASSWORD_RESET,
        recipient=user,
        context=context,
        dedup_key=f"password_reset:{user.id}:{int(now.timestamp())}",
        now=now,
        settings=settings,
    )


def queue_reset_link(
    *,
    session: Session,
    login: str,
    send: ResetLinkSender,
    guard: LoginGuard,
    ip: str,
    now: datetime,
    settings: Settings,
) -> None:
    """Send a signed reset link (quên mật khẩu) to the active account `login` names
    (username or e-mail), through `send` in the caller's transaction.

    Returns nothing on purpose: an unknown or inactive account, or a request over the
    rate limit, sends nothing and must look the same to whoever asked (no account
    enumeration, no mail flooding). Used by the API and by the sign-in page's form.
    """
    user = find_login_user(session, login)
    # Counted per account, so its username and its e-mail share one limit.
    if not guard.allow_reset(ip=ip, account=account_key(user, login)):
        return
    if user is None or not user.is_active:
        return
    token = reset_token(user, now=now, settings=settings)
    link = MailLinks.of(settings.base_url).reset(token)
    send(session=session, user=user, link=link, now=now, settings=settings)


def reset_link_sender(request: Request) -> ResetLinkSender:
    """The app's way of sending reset links (`app.state.reset_link_sender`)."""
    send: ResetLinkSender = request.app.state.reset_link_sender
    return send
