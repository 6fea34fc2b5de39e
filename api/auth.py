"""Authentication: argon2id passwords, HS256 JWTs, login limits, account lock, reset links.

Tokens carry `typ` (access, refresh, session), `pv`, a fingerprint of the password hash,
and `sg`, the user's session generation: changing the password or signing out revokes
every token and cookie issued before. Expiry is checked against the `now` the caller
passes (the request clock), never read here.

Failed sign-ins are counted per (account, client address) with growing delays, and an
unknown account is counted and answered exactly like a known one (same status, same body,
one password hash either way), so the answers reveal no usernames and nobody can lock an
account's owner out from another address.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

import jwt
from itsdangerous import BadSignature, URLSafeSerializer
from limits import parse
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlmodel import Session, col, func, or_, select

from workflow.errors import InvalidInput
from workflow.models import User
from workflow.settings import Settings

ALGORITHM = "HS256"  # pinned: decode never trusts the token's own header
_hasher = PasswordHash((Argon2Hasher(),))  # argon2id
# Verified against when the user does not exist, so timing does not reveal usernames.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))
MIN_PASSWORD_LENGTH = 10


class TokenKind(StrEnum):
    ACCESS = "access"
    REFRESH = "refresh"
    SESSION = "session"  # the web UI's cookie


class InvalidToken(Exception):
    """A token that is malformed, forged, expired, of the wrong kind or revoked."""


def hash_password(password: str) -> str:
    """An argon2id hash of `password`."""
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    """True when `password` matches; spends the same time when there is no hash."""
    try:
        return _hasher.verify(password, password_hash or _DUMMY_HASH) and bool(password_hash)
    except Exception:
        return False


def password_version(user: User) -> str:
    """A short fingerprint of the current password hash; changes revoke old tokens."""
    return hashlib.sha256((user.password_hash or "").encode()).hexdigest()[:16]


def _lifetime(kind: TokenKind, settings: Settings) -> timedelta:
    if kind is TokenKind.ACCESS:
        return timedelta(minutes=settings.access_token_minutes)
    if kind is TokenKind.REFRESH:
        return timedelta(days=settings.refresh_token_days)
    return timedelta(hours=settings.session_cookie_hours)


def issue_token(user: User, *, kind: TokenKind, now: datetime, settings: Settings) -> str:
    """A signed JWT for `user` of `kind`, valid from `now` for the kind's lifetime."""
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": str(user.id),
        "typ": kind.value,
        "pv": password_version(user),
        "sg": user.session_generation,
        "iat": int(now.timestamp()),
        "exp": int((now + _lifetime(kind, settings)).timestamp()),
        "jti": secrets.token_urlsafe(8),
    }
    return jwt.encode(claims, settings.secret_key.get_secret_value(), algorithm=ALGORITHM)


def decode_token(
    token: str, *, kind: TokenKind, now: datetime, settings: Settings
) -> dict[str, Any]:
    """The claims of a valid token of `kind`; InvalidToken otherwise."""
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            settings.secret_key.get_secret_value(),
            algorithms=[ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            # Expiry is checked below against the request's `now`, not the wall clock.
            options={"require": ["exp", "iat", "sub", "iss", "aud"], "verify_exp": False},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from exc
    if claims.get("typ") != kind.value:
        raise InvalidToken("wrong token kind")
    if not isinstance(claims["exp"], int) or claims["exp"] <= now.timestamp():
        raise InvalidToken("token expired")
    return claims


def subject_id(claims: dict[str, Any]) -> int:
    """The user id a token names (InvalidToken if it names none)."""
    try:
        return int(claims["sub"])
    except (TypeError, ValueError, KeyError) as exc:
        raise InvalidToken("bad subject") from exc


def check_token_user(user: User | None, claims: dict[str, Any]) -> User:
    """`user` if active and the token was issued for their current password and session
    generation (not signed out since)."""
    if (
        user is None
        or not user.is_active
        or claims.get("pv") != password_version(user)
        or claims.get("sg") != user.session_generation
    ):
        raise InvalidToken("unknown user or revoked token")
    return user


def revoke_sessions(*, session: Session, user: User) -> None:
    """Sign `user` out everywhere: every cookie and token issued so far stops working."""
    user.session_generation += 1
    session.add(user)


def user_for_claims(session: Session, claims: dict[str, Any]) -> User:
    """The active user a token names, if the token was issued for their current password."""
    return check_token_user(session.get(User, subject_id(claims)), claims)


class LoginOutcome(StrEnum):
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"
    RATE_LIMITED = "rate_limited"
    # The directory accepted the password, but planflow does not let this account in
    # (`workflow.services.directory`): said plainly, the password was right.
    NOT_LINKED = "not_linked"
    INACTIVE = "inactive"


@dataclass
class LoginResult:
    outcome: LoginOutcome
    user: User | None = None
    retry_after_seconds: int = 0
    email: str | None = None  # the directory account's, when it is NOT_LINKED


# A directory's verdict on (login, password): a LoginResult when it knows the account and
# the password is right (OK, NOT_LINKED or INACTIVE), None when it refuses them.
DirectoryCheck = Callable[[str, str], "LoginResult | None"]


class LoginGuard:
    """Rate limits sign-in attempts and password reset requests per IP and per account, and
    remembers failed sign-ins per (account, address) (memory or Redis storage).

    `account` is an account key from `account_key`: the user's id when the login names one,
    else the typed login, so an unknown name is treated exactly like a known one.
    """

    def __init__(self, settings: Settings) -> None:
        uri = settings.redis_url if settings.mode == "distributed" else "memory://"
        storage = storage_from_string(uri)
        assert isinstance(storage, Storage)
        self.storage = storage
        self.limiter = MovingWindowRateLimiter(self.storage)
        self.per_ip = parse(settings.login_rate_per_ip)
        self.per_account = parse(settings.login_rate_per_account)
        self.reset_per_ip = parse(settings.reset_rate_per_ip)
        self.reset_per_account = parse(settings.reset_rate_per_account)

    def allow(self, *, ip: str, account: str) -> bool:
        """Count one attempt; False when the IP, or the account from this IP, is over its
        limit (an account-wide limit would let anyone shut its owner out)."""
        ok_ip = self.limiter.hit(self.per_ip, "login-ip", ip)
        ok_account = self.limiter.hit(self.per_account, "login-account", account, ip)
        return ok_ip and ok_account

    def allow_reset(self, *, ip: str, account: str) -> bool:
        """Count one reset request; False when the IP or the account is over its limit.

        Counted apart from sign-in attempts: asking for a link must not lock anyone out.
        """
        ok_ip = self.limiter.hit(self.reset_per_ip, "reset-ip", ip)
        ok_account = self.limiter.hit(self.reset_per_account, "reset-account", account)
        return ok_ip and ok_account

    @staticmethod
    def _keys(account: str, ip: str) -> tuple[str, str]:
        return f"login-fail/{account}/{ip}", f"login-block/{account}/{ip}"

    def blocked_for(self, *, account: str, ip: str, now: datetime) -> int:
        """Seconds until `ip` may try `account` again (0: it may now)."""
        # The block stores its end as epoch seconds, so it is judged by the request's `now`.
        until = self.storage.get(self._keys(account, ip)[1])
        return max(0, until - int(now.timestamp()))

    def record_failure(self, *, account: str, ip: str, now: datetime, settings: Settings) -> None:
        """Count a failed password; past the free failures, block (account, ip) for a delay
        that doubles with each further failure."""
        fail_key, block_key = self._keys(account, ip)
        window = settings.login_failure_window_hours * 3600
        failures = self.storage.incr(fail_key, window)
        over = failures - settings.login_max_failures
        if over < 0:
            return
        delay = min(
            settings.login_delay_base_seconds * 2 ** min(over, 30),
            settings.login_delay_max_minutes * 60,
        )
        self.storage.clear(block_key)
        self.storage.incr(block_key, window, amount=int(now.timestamp()) + delay)

    def record_success(self, *, account: str, ip: str) -> None:
        """Forget the failures of (account, ip) after a right password."""
        for key in self._keys(account, ip):
            self.storage.clear(key)


def find_login_user(session: Session, login: str) -> User | None:
    """The user whose username or e-mail is `login` (case-insensitive)."""
    needle = login.strip().lower()
    return session.exec(
        select(User).where(
            or_(func.lower(col(User.username)) == needle, func.lower(col(User.email)) == needle)
        )
    ).first()


def account_key(user: User | None, login: str) -> str:
    """What limits and failure counts are keyed by: the account, whichever of its username
    or e-mail was typed; an unknown login by itself."""
    if user is not None:
        return f"user:{user.id}"
    return "login:" + login.strip().lower()


def authenticate(
    *,
    session: Session,
    guard: LoginGuard,
    login: str,
    password: str,
    ip: str,
    now: datetime,
    settings: Settings,
    directory: DirectoryCheck | None = None,
) -> LoginResult:
    """Check a password, counting failures per (account, address): with the `directory`
    first (LDAP), then planflow's own passwords when `settings.local_passwords_on`.

    Known, unknown and inactive accounts go through the same steps and answers: a lock is
    reported for an unknown name too, and each attempt that reaches the password check
    hashes once.
    """
    user = find_login_user(session, login)
    account = account_key(user, login)
    if not guard.allow(ip=ip, account=account):
        return LoginResult(LoginOutcome.RATE_LIMITED, retry_after_seconds=60)
    wait = guard.blocked_for(account=account, ip=ip, now=now)
    if wait > 0:
        return LoginResult(LoginOutcome.LOCKED, retry_after_seconds=wait)
    if directory is not None:
        verdict = directory(login, password)
        if verdict is not None:
            if verdict.user is not None:
                guard.record_success(account=account_key(verdict.user, login), ip=ip)
            return verdict
    usable = user is not None and user.is_active and settings.local_passwords_on
    ok = verify_password(password, user.password_hash if user is not None and usable else None)
    if user is None or not usable or not ok:
        guard.record_failure(account=account, ip=ip, now=now, settings=settings)
        return LoginResult(LoginOutcome.BAD_CREDENTIALS)
    guard.record_success(account=account, ip=ip)
    return LoginResult(LoginOutcome.OK, user=user)


def set_password(*, session: Session, user: User, password: str) -> None:
    """Store a new argon2id hash; every session, token and reset link issued before is revoked."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = hash_password(password)
    revoke_sessions(session=session, user=user)


def _reset_serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key.get_secret_value(), salt="password-reset")


def reset_token(user: User, *, now: datetime, settings: Settings) -> str:
    """A signed, single-use (bound to the current password) password reset token."""
    expires = now + timedelta(hours=settings.password_reset_hours)
    payload = {"uid": user.id, "pv": password_version(user), "exp": int(expires.timestamp())}
    return str(_reset_serializer(settings).dumps(payload))


def user_for_reset_token(
    session: Session, token: str, *, now: datetime, settings: Settings
) -> User:
    """The user a valid reset token names; InvalidToken if forged, expired or already used."""
    try:
        payload = _reset_serializer(settings).loads(token)
    except BadSignature as exc:
        raise InvalidToken("bad reset token") from exc
    if not isinstance(payload, dict) or int(payload.get("exp", 0)) <= now.timestamp():
        raise InvalidToken("reset token expired")
    user = session.get(User, subject_id({"sub": payload.get("uid")}))
    # Bound to the password only: signing out elsewhere leaves a mailed link usable.
    if user is None or not user.is_active or payload.get("pv") != password_version(user):
        raise InvalidToken("unknown user or used reset link")
    return user


def new_ical_token() -> str:
    """A fresh secret for a user's calendar feed URL."""
    return secrets.token_urlsafe(32)
