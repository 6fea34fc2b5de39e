"""What an administrator does with the outbox: find mail that did not go, and send it again.

`requeue` puts failed (or suppressed) rows back to `pending`, due now, with a fresh give-up
clock, and takes their address off the suppression list (re-queueing is the administrator
saying the mailbox works). It changes only rows still in those states, by one UPDATE per
row guarded on the status, so a second click, or two administrators at once, re-queue a
mail once: the outbox's unique dedup key and the delivery's claim do the rest (sent once).
A mail to an account is re-addressed to the account's current address, so fixing a
mistyped address in the organisation file and re-queueing delivers it to the right one.
Services: keyword-only, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from notifications.models import Notification, Suppression
from workflow.errors import InvalidInput
from workflow.models.org import Role, User

REQUEUEABLE = ("failed", "suppressed")


def may_operate_mail(user: User) -> bool:
    """Who sees the outbox console and re-queues mail: administrators (mail holds password
    reset links and everybody's work, so nobody else reads the outbox)."""
    return user.role == Role.ADMIN.value and user.is_active


LIST_LIMIT = 200


@dataclass
class Requeued:
    """Which rows went back to the queue, and which addresses left the suppression list."""

    ids: list[int] = field(default_factory=list)
    unsuppressed: list[str] = field(default_factory=list)
    readdressed: dict[int, str] = field(default_factory=dict)


def undelivered(
    *,
    session: Session,
    recipient: str | None = None,
    statuses: Sequence[str] = REQUEUEABLE,
    limit: int = LIST_LIMIT,
) -> list[Notification]:
    """Failed and suppressed mails, newest first; `recipient` matches part of the address
    (case-insensitive)."""
    query = select(Notification).where(col(Notification.status).in_(list(statuses)))
    if recipient:
        needle = recipient.strip().lower()
        query = query.where(func.lower(col(Notification.recipient_email)).contains(needle))
    query = query.order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
    return list(session.exec(query.limit(limit)).all())


def requeue(
    *,
    session: Session,
    now: datetime,
    ids: Sequence[int] = (),
    recipient: str | None = None,
    all_failed: bool = False,
) -> Requeued:
    """Send again the failed/suppressed mails chosen by `ids`, by `recipient` (the exact
    address) or every failed one (`all_failed`); at least one must be given."""
    if not ids and not recipient and not all_failed:
        raise InvalidInput("say which mail to send again: --id, --recipient or --all-failed")
    query = select(Notification).where(col(Notification.status).in_(REQUEUEABLE))
    if ids:
        query = query.where(col(Notification.id).in_(list(ids)))
    if recipient:
        query = query.where(
            func.lower(col(Notification.recipient_email)) == recipient.strip().lower()
        )
    if all_failed and not ids and not recipient:
        query = query.where(col(Notification.status) == "failed")
    rows = list(session.exec(query.order_by(col(Notification.id))).all())
    result = Requeued()
    addresses: set[str] = set()
    for row in rows:
        address = row.recipient_email
        if row.recipient_user_id is not None:
            user = session.get(User, row.recipient_user_id)
            if user is not None and user.is_active and user.email != address:
                address = user.email
                result.readdressed[row.id or 0] = address
        changed = session.connection().execute(
            update(Notification)
            .where(col(Notification.id) == row.id, col(Notification.status).in_(REQUEUEABLE))
            .values(
                status="pending",
                recipient_email=address,
                attempts=0,
                first_attempt_at=None,
                next_attempt_at=now,
                last_error=f"re-queued after: {row.last_error or row.status}"[:2000],
            )
        )
        if changed.rowcount:
            result.ids.append(row.id or 0)
            addresses.add(address.lower())
        session.expire(row)
    for address in sorted(addresses):
        found = session.exec(select(Suppression).where(Suppression.email == address)).first()
        if found is not None:
            session.delete(found)
            result.unsuppressed.append(address)
    session.flush()
    return result
