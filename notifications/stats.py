"""The outbox in figures: one query shared by the outbox console, `planflow mail status`
and the metrics endpoint, so every view counts the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from notifications.models import NOTIFICATION_STATUSES, MailAlarm, Notification, Suppression
from workflow.clock import ensure_utc


@dataclass(frozen=True)
class OutboxStats:
    """Rows by status (every status present, zero included), the oldest mail still waiting
    to be sent, the suppression list's length and the open mail alarm, if any."""

    counts: dict[str, int] = field(default_factory=dict)
    oldest_pending_at: datetime | None = None
    oldest_pending_seconds: float | None = None
    suppressed_addresses: int = 0
    alarm: MailAlarm | None = None

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
    by_status = select(Notification.status, func.count()).group_by(col(Notification.status))
    for status, count in session.exec(by_status):
        counts[status] = int(count)
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
    )
