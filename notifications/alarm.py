"""The mail alarm: raised when the mail server (or our configuration of it) fails, cleared
when it accepts mail again.

While an alarm is open, each delivery run that meets the fault logs one ERROR line, and once
it has lasted `mail_alarm_after_minutes` the active administrators are mailed, once per
local day. That mail goes through the outbox
like any other, so while the server accepts nothing it waits there too: the signals that
do not need the mail server are the log, the outbox console (/ui/outbox), `planflow mail
status` (exit 1 while an alarm is open) and the outbox metrics
(docs/decisions/0018-mail-faults.md). When the server accepts a mail again the alarm is
cleared and every mail it deferred becomes due at once, instead of waiting out its backoff.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlmodel import Session, col, select

from notifications.contexts import Kind, MailAlarmContext
from notifications.models import MailAlarm, Notification
from notifications.outbox import enqueue
from notifications.stats import outbox_stats
from workflow.clock import ensure_utc
from workflow.models.org import Role, User
from workflow.settings import Settings

log = logging.getLogger("planflow.mail")


def active_alarm(*, session: Session) -> MailAlarm | None:
    """The open alarm, if the server is failing now."""
    return session.exec(
        select(MailAlarm)
        .where(col(MailAlarm.cleared_at).is_(None))
        .order_by(col(MailAlarm.id).desc())
    ).first()


def note_server_fault(
    *, session: Session, now: datetime, error: str, faults: int, settings: Settings
) -> MailAlarm:
    """Record `faults` server faults seen by one delivery run (raising the alarm at the
    first); mail the administrators if they were not mailed today about this alarm."""
    alarm = active_alarm(session=session)
    if alarm is None:
        alarm = MailAlarm(raised_at=now, last_seen_at=now, last_error=error[:2000])
        session.add(alarm)
        log.error("mail alarm raised: the mail server fails: %s", error)
    alarm.last_seen_at, alarm.last_error = now, error[:2000]
    alarm.faults += faults
    session.flush()
    today = now.astimezone(ZoneInfo(settings.timezone)).date().isoformat()
    lasted = now - ensure_utc(alarm.raised_at)
    # A blip (one 4xx, a restart of the relay) is logged, but nobody is mailed for it.
    if alarm.mailed_on != today and lasted >= timedelta(minutes=settings.mail_alarm_after_minutes):
        _mail_admins(session=session, now=now, alarm=alarm, day=today, settings=settings)
        alarm.mailed_on = today
    log.error(
        "mail alarm open since %s: %d mails deferred by this run, %d faults in all: %s",
        ensure_utc(alarm.raised_at).isoformat(timespec="seconds"),
        faults,
        alarm.faults,
        error,
    )
    return alarm


def note_server_ok(*, session: Session, now: datetime) -> MailAlarm | None:
    """The server accepted mail: clear the open alarm (if any) and make the mails it
    deferred due now. Returns the cleared alarm."""
    alarm = active_alarm(session=session)
    if alarm is None:
        return None
    alarm.cleared_at = now
    released = session.connection().execute(
        update(Notification)
        .where(
            col(Notification.status) == "pending",
            col(Notification.next_attempt_at) > now,
            col(Notification.last_error).is_not(None),
        )
        .values(next_attempt_at=now)
    )
    log.warning(
        "mail alarm cleared: the mail server accepts mail after %s; %d deferred mails due now",
        now - ensure_utc(alarm.raised_at),
        released.rowcount,
    )
    return alarm


def _mail_admins(
    *, session: Session, now: datetime, alarm: MailAlarm, day: str, settings: Settings
) -> None:
    stats = outbox_stats(session=session, now=now)
    admins = session.exec(
        select(User).where(col(User.role) == Role.ADMIN.value, col(User.is_active).is_(True))
    ).all()
    for admin in admins:
        context = MailAlarmContext(
            recipient_name=admin.full_name,
            since=ensure_utc(alarm.raised_at),
            error=alarm.last_error,
            pending=stats.pending,
            oldest_pending_at=stats.oldest_pending_at,
        )
        enqueue(
            session=session,
            kind=Kind.MAIL_ALARM.value,
            recipient=admin,
            context=context,
            # Per day, not per alarm: a flapping server mails each administrator once a day.
            dedup_key=f"mail_alarm:{day}:{admin.id}",
            now=now,
            settings=settings,
        )
