"""What the outbox holds right now, read from the `notification` table in one pass.

Shared by the metrics scrape (`/metrics`) and anything else that shows the outbox's state
(an operator's console, the CLI): the table is the one truth every process writes, so
figures read here agree whichever process or machine asks.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from notifications.contexts import Kind
from notifications.models import Notification

# The sweep's reminder rungs (before, on and after the due date) and its escalation.
REMINDER_KINDS = frozenset({Kind.REMINDER.value, Kind.DUE_TODAY.value, Kind.OVERDUE.value})
ESCALATION_KINDS = frozenset({Kind.ESCALATION.value})


@dataclass(frozen=True)
class OutboxStats:
    """Rows by status, mails sent by kind, and the age of the oldest due pending row."""

    by_status: dict[str, int] = field(default_factory=dict)
    sent_by_kind: dict[str, int] = field(default_factory=dict)
    oldest_pending_age_s: float = 0.0

    @property
    def pending(self) -> int:
        return self.by_status.get("pending", 0)

    @property
    def failed(self) -> int:
        return self.by_status.get("failed", 0)

    @property
    def reminders_sent(self) -> int:
        return sum(n for k, n in self.sent_by_kind.items() if k in REMINDER_KINDS)

    @property
    def escalations_sent(self) -> int:
        return sum(n for k, n in self.sent_by_kind.items() if k in ESCALATION_KINDS)


def outbox_stats(*, session: Session, now: datetime) -> OutboxStats:
    """Count the outbox by status and kind; the oldest pending row whose attempt time has
    come gives the delivery lag (rows held for a later attempt or quiet hours are not late)."""
    by_status: dict[str, int] = {}
    sent_by_kind: dict[str, int] = {}
    rows = session.exec(
        select(Notification.status, Notification.kind, func.count()).group_by(
            col(Notification.status), col(Notification.kind)
        )
    ).all()
    for status, kind, count in rows:
        by_status[status] = by_status.get(status, 0) + int(count)
        if status == "sent":
            sent_by_kind[kind] = int(count)
    oldest = session.exec(
        select(func.min(Notification.next_attempt_at)).where(
            col(Notification.status) == "pending", col(Notification.next_attempt_at) <= now
        )
    ).one()
    age = 0.0
    if oldest is not None:
        if oldest.tzinfo is None:  # SQLite hands back naive UTC when min() hides the type
            oldest = oldest.replace(tzinfo=UTC)
        age = max(0.0, (now - oldest).total_seconds())
    return OutboxStats(by_status=by_status, sent_by_kind=sent_by_kind, oldest_pending_age_s=age)
