"""Per-user mail preferences: immediate or daily digest, quiet hours, opt-outs, unsubscribe.

Escalations to managers (báo cáo quá hạn lên cấp trên) can be neither switched off nor
folded into a digest; quiet hours only delay them. A password reset link goes out at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from itsdangerous import BadSignature, URLSafeSerializer
from sqlmodel import Session, select

from notifications.contexts import DIGESTIBLE, IMMEDIATE, MANDATORY, Kind
from notifications.links import MailLinks
from notifications.models import NotificationPreference, Suppression
from notifications.sql import insert_ignore
from workflow.errors import InvalidInput
from workflow.settings import Settings

_SALT = "planflow-unsubscribe"


@dataclass(frozen=True)
class Routing:
    """Where a new outbox row goes: its status and when it may leave."""

    status: str
    next_attempt_at: datetime


def _local(now: datetime, zone: ZoneInfo) -> datetime:
    return now.astimezone(zone)


def next_digest_at(*, now: datetime, hour: int, zone: ZoneInfo) -> datetime:
    """The next `hour`:00 local time strictly after `now` (today's if still ahead)."""
    local = _local(now, zone)
    at = datetime.combine(local.date(), time(hour), tzinfo=zone)
    if at <= local:
        at = datetime.combine(local.date() + timedelta(days=1), time(hour), tzinfo=zone)
    return at.astimezone(now.tzinfo)


def quiet_until(
    *, now: datetime, start: int | None, end: int | None, zone: ZoneInfo
) -> datetime | None:
    """End of the quiet window containing `now`, or None; windows may wrap midnight (21→6)."""
    if start is None or end is None or start == end:
        return None
    local = _local(now, zone)
    hour = local.hour
    inside = start <= hour < end if start < end else hour >= start or hour < end
    if not inside:
        return None
    day = local.date() if hour < end else local.date() + timedelta(days=1)
    return datetime.combine(day, time(end), tzinfo=zone).astimezone(now.tzinfo)


def route(
    *, preference: NotificationPreference | None, kind: str, now: datetime, zone: ZoneInfo
) -> Routing:
    """Apply a user's preferences to a new notification of `kind`."""
    if preference is None or kind in IMMEDIATE:
        return Routing("pending", now)
    if kind in preference.opted_out_kinds and kind not in MANDATORY:
        return Routing("skipped", now)
    if preference.mode == "digest" and kind in DIGESTIBLE:
        return Routing("held", next_digest_at(now=now, hour=preference.digest_hour, zone=zone))
    quiet = quiet_until(
        now=now, start=preference.quiet_start_hour, end=preference.quiet_end_hour, zone=zone
    )
    return Routing("pending", quiet or now)


def preferences_of(*, session: Session, user_id: int) -> NotificationPreference:
    """The user's preferences, or the defaults (immediate, no quiet hours, every kind on)."""
    found = session.get(NotificationPreference, user_id)
    return found if found is not None else NotificationPreference(user_id=user_id)


def set_preferences(
    *,
    session: Session,
    user_id: int,
    mode: str = "immediate",
    digest_hour: int = 7,
    quiet_start_hour: int | None = None,
    quiet_end_hour: int | None = None,
    opted_out_kinds: list[str] | None = None,
    grouped: bool = True,
) -> NotificationPreference:
    """Create or replace a user's preferences (validated; escalations stay on).

    `grouped`: one mail per bulk action and one morning mail (default), or one per event.
    """
    kinds = sorted(set(opted_out_kinds or []))
    if mode not in ("immediate", "digest"):
        raise InvalidInput(f"unknown mode {mode!r}")
    for hour in (digest_hour, quiet_start_hour, quiet_end_hour):
        if hour is not None and not 0 <= hour <= 23:
            raise InvalidInput(f"hour out of range: {hour}")
    unknown = [k for k in kinds if k not in set(Kind)]
    if unknown:
        raise InvalidInput(f"unknown kinds: {', '.join(unknown)}")
    if any(k in MANDATORY for k in kinds):
        raise InvalidInput("escalations to managers and password resets cannot be switched off")
    pref = session.get(NotificationPreference, user_id) or NotificationPreference(user_id=user_id)
    pref.mode = mode
    pref.digest_hour = digest_hour
    pref.quiet_start_hour = quiet_start_hour
    pref.quiet_end_hour = quiet_end_hour
    pref.opted_out_kinds = kinds
    pref.grouped = grouped
    session.add(pref)
    session.flush()
    return pref


# --- Unsubscribe links (List-Unsubscribe, RFC 8058 one-click) ---------------------------


@dataclass(frozen=True)
class UnsubscribeRequest:
    """What a signed unsubscribe link asks for."""

    user_id: int | None
    email: str  # only for an address without an account
    kind: str


@lru_cache(maxsize=8)
def _serializer_for(secret: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret, salt=_SALT)


def _serializer(settings: Settings) -> URLSafeSerializer:
    return _serializer_for(settings.secret_key.get_secret_value())


@lru_cache(maxsize=4096)
def _signed(secret: str, subject: int | str, kind: str) -> str:
    # Tokens are deterministic, so a recipient's token per kind is signed once per process
    # (HMAC key derivation and signing cost about 40 µs per mail otherwise).
    return str(_serializer_for(secret).dumps([subject, kind]))


def make_unsubscribe_token(
    *, settings: Settings, user_id: int | None, email: str, kind: str
) -> str:
    """A signed, deterministic token (no expiry: old mails keep working links).

    Kept short (user id or address, and the kind) so the header stays on few lines.
    """
    subject: int | str = user_id if user_id is not None else email
    return _signed(settings.secret_key.get_secret_value(), subject, kind)


def unsubscribe_url(*, settings: Settings, user_id: int | None, email: str, kind: str) -> str:
    """The link of the List-Unsubscribe header and the mail footer."""
    token = make_unsubscribe_token(settings=settings, user_id=user_id, email=email, kind=kind)
    return MailLinks.of(settings.base_url).unsubscribe(token)


def read_unsubscribe_token(*, settings: Settings, token: str) -> UnsubscribeRequest:
    """Verify a token; a forged or damaged one raises InvalidInput."""
    try:
        subject, kind = _serializer(settings).loads(token)
    except (BadSignature, TypeError, ValueError) as exc:
        raise InvalidInput("invalid unsubscribe link") from exc
    if isinstance(subject, int):
        return UnsubscribeRequest(user_id=subject, email="", kind=str(kind))
    return UnsubscribeRequest(user_id=None, email=str(subject), kind=str(kind))


def apply_unsubscribe(
    *, session: Session, settings: Settings, token: str, now: datetime
) -> UnsubscribeRequest:
    """Opt the user out of the link's kind; an address without an account is suppressed."""
    request = read_unsubscribe_token(settings=settings, token=token)
    # A grouped mail's link names the kinds it folds in, joined by "+" (decision 0021).
    kinds = request.kind.split("+")
    if any(kind in MANDATORY for kind in kinds):
        raise InvalidInput("escalations to managers and password resets cannot be switched off")
    if request.user_id is None:
        add_suppression(session=session, email=request.email, reason="unsubscribed", now=now)
        return request
    pref = session.get(NotificationPreference, request.user_id)
    if pref is None:
        pref = NotificationPreference(user_id=request.user_id)
    if not set(kinds) <= set(pref.opted_out_kinds):
        # A new list, so the JSON column is seen as changed.
        pref.opted_out_kinds = sorted({*pref.opted_out_kinds, *kinds})
    session.add(pref)
    session.flush()
    return request


# --- Suppression list (visible to admins) -----------------------------------------------


def add_suppression(*, session: Session, email: str, reason: str, now: datetime) -> None:
    """Put an address on the suppression list; idempotent (first reason wins)."""
    values = {"email": email.lower(), "reason": reason[:2000], "created_at": now}
    insert_ignore(session=session, model=Suppression, values=values, conflict="email")


def is_suppressed(*, session: Session, email: str) -> bool:
    found = session.exec(select(Suppression.id).where(Suppression.email == email.lower()))
    return found.first() is not None


def list_suppressions(*, session: Session) -> list[Suppression]:
    """The suppression list, newest first (for the admin page)."""
    return list(session.exec(select(Suppression).order_by(Suppression.created_at.desc())))  # type: ignore[attr-defined]


def remove_suppression(*, session: Session, email: str) -> bool:
    """Take an address off the list (an admin fixed the mailbox); True if it was there."""
    row = session.exec(select(Suppression).where(Suppression.email == email.lower())).first()
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True
