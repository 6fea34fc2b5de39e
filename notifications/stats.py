"""The outbox in figures: one query shared by the outbox console, `planflow mail status`
and the metrics endpoint (`/metrics`), so every view counts the same way. The table is the
one truth every process writes, so the figures agree whichever process or machine asks."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from notifications.contexts import Kind
from notifications.models import NOTIFICATION_STATUSES, MailAlarm, Notification, Suppression
from workflow.clock import ensure_utc

# The sweep's reminder rungs (before, on and after the due date) and its escalation.
REMINDER_KINDS = frozenset({Kind.REMINDER.value, Kind.DUE_TODAY.value, Kind.OVERDUE.value})
ESCALATION_KINDS = frozenset({Kind.ESCALATION.value})


@dataclass(frozen=True)
class OutboxStats:
    """Rows by status (every status present, zero included), the oldest mail still waiting
    to be sent, the suppression list's length and the open mail alarm, if any."""

    counts: dict[str, int] = field(default_factory=dict)
    oldest_pending_at: datetime | None = None
    oldest_pending_seconds: float | None = None
    suppressed_addresses: int = 0
    alarm: MailAlarm | None = None
    # Mails sent, by kind; and the delivery lag: the age of the oldest pending row whose
    # attempt time has come (rows held for a retry or quiet hours are not late).
    sent_by_kind: dict[str, int] = field(default_factory=dict)
    oldest_pending_age_s: float = 0.0

    @property
    def reminders_sent(self) -> int:
        return sum(n for k, n in self.sent_by_kind.items() if k in REMINDER_KINDS)

    @property
    def escalations_sent(self) -> int:
        return sum(n for k, n in self.sent_by_kind.items() if k in ESCALATION_KINDS)

    @property
    def pending(self) -> int:
        return self.counts.get("pending", 0)

    @property
    def failed(self) -> int:
        return self.counts.get("failed", 0)


def outbox_stats(*, session: Session, now: datetime) -> OutboxStats:
    """Count the outbox as of `now`. "Oldest pending" is the creation time of the oldest
    `pending` row, deferred or not: how long somebody has been waiting for a mail."""
    counts = {status: 0 for status in NOTIFICATION_STATUSES}
    sent_by_kind: dict[str, int] = {}
    by_status = select(Notification.status, Notification.kind, func.count()).group_by(
        col(Notification.status), col(Notification.kind)
    )
    for status, kind, count in session.exec(by_status):
        counts[status] = counts.get(status, 0) + int(count)
        if status == "sent":
            sent_by_kind[kind] = int(count)
    due = session.exec(
        select(func.min(Notification.next_attempt_at)).where(
            col(Notification.status) == "pending", col(Notification.next_attempt_at) <= now
        )
    ).one()
    lag = 0.0
    if due is not None:
        if due.tzinfo is None:  # SQLite hands back naive UTC when min() hides the type
            due = due.replace(tzinfo=UTC)
        lag = max(0.0, (now - due).total_seconds())
    oldest = session.exec(
        select(func.min(Notification.created_at)).where(Notification.status == "pending")
    ).one()
    oldest_at = ensure_utc(oldest) if oldest is not None else None
    suppressed = session.exec(select(func.count()).select_from(Suppression)).one()
    alarm = session.exec(
        select(MailAlarm)
        .where(col(MailAlarm.cleared_at).is_(None))
        .order_by(col(MailAlarm.id).desc())
    ).first()
    return OutboxStats(
        counts=counts,
        oldest_pending_at=oldest_at,
        oldest_pending_seconds=(
            max((now - oldest_at).total_seconds(), 0.0) if oldest_at is not None else None
        ),
        suppressed_addresses=int(suppressed),
        alarm=alarm,
        sent_by_kind=sent_by_kind,
        oldest_pending_age_s=lag,
    )
