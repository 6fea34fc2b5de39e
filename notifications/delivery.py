"""Deliver the outbox: claim due rows in batches, send, record what the server answered.

A row is marked sent only after the server accepted it, and each batch is committed before
the next is claimed, so a crash resends at most the batch in flight, with the same
Message-ID (docs/decisions/0005-outbox-delivery.md). One bad row never stops a batch.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, select

from notifications.digest import compose_digests
from notifications.events import relay_events
from notifications.message import compose
from notifications.models import Notification
from notifications.preferences import add_suppression
from notifications.render import get_renderer
from notifications.senders import Outcome, Sender
from workflow.clock import ensure_utc
from workflow.db import is_postgres
from workflow.settings import Settings, get_settings

log = logging.getLogger(__name__)


@dataclass
class DeliveryResult:
    """What one run did, for logs, the CLI and tests."""

    relayed: int = 0
    digests: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    batches: int = 0
    seconds: float = 0.0


def retry_delay(*, attempts: int, settings: Settings, rng: random.Random) -> timedelta:
    """Exponential backoff with 'equal jitter': half fixed, half random, capped."""
    ceiling = min(
        settings.mail_retry_max_seconds,
        settings.mail_retry_base_seconds * 2 ** max(attempts - 1, 0),
    )
    return timedelta(seconds=ceiling / 2 + rng.uniform(0, ceiling / 2))


def _claim(session: Session, now: datetime, limit: int) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.status == "pending", col(Notification.next_attempt_at) <= now)
        .order_by(col(Notification.next_attempt_at), col(Notification.id))
        .limit(limit)
    )
    if is_postgres(session):
        # Two workers never claim the same row; a locked row is simply someone else's.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


class _Recorder:
    """Applies server answers to rows and keeps the counts."""

    def __init__(
        self, session: Session, now: datetime, settings: Settings, rng: random.Random
    ) -> None:
        self.session, self.now, self.settings, self.rng = session, now, settings, rng
        self.result = DeliveryResult()
        self.refused: set[str] = set()
        self.give_up = timedelta(hours=settings.mail_give_up_hours)

    def record(self, row: Notification, outcome: Outcome, message_id: str | None) -> None:
        now = self.now
        row.attempts += 1
        row.first_attempt_at = row.first_attempt_at or now
        if message_id:
            row.message_id = message_id
        if outcome.accepted:
            row.status, row.sent_at, row.last_error = "sent", now, None
            self.result.sent += 1
        elif outcome.permanent:
            row.status, row.last_error = "failed", outcome.error
            self.result.failed += 1
            if outcome.recipient_refused:
                self.refused.add(row.recipient_email.lower())
                add_suppression(
                    session=self.session, email=row.recipient_email, reason=outcome.error, now=now
                )
        else:
            deadline = ensure_utc(row.first_attempt_at) + self.give_up
            if now >= deadline:
                row.status, row.last_error = "failed", f"gave up: {outcome.error}"
                self.result.failed += 1
            else:
                delay = retry_delay(attempts=row.attempts, settings=self.settings, rng=self.rng)
                row.next_attempt_at = min(now + delay, deadline)
                row.last_error = outcome.error
                self.result.retried += 1
        self.session.add(row)

    def suppress(self, row: Notification) -> None:
        row.status, row.last_error = "suppressed", "address refused earlier in this run"
        self.result.suppressed += 1
        self.session.add(row)


def deliver_outbox(
    *,
    session: Session,
    now: datetime,
    sender: Sender,
    batch_size: int | None = None,
    settings: Settings | None = None,
    rng: random.Random | None = None,
    max_batches: int | None = None,
) -> DeliveryResult:
    """Send every due pending row (after relaying work item events and composing due
    digests); commits after each batch.

    This is a job, not a service: committing per batch keeps row locks short and makes
    each 'sent' durable right after its batch.
    """
    started = time.perf_counter()
    settings = settings or get_settings()
    renderer = get_renderer(settings)
    recorder = _Recorder(session, now, settings, rng or random.Random())
    result = recorder.result
    limit = batch_size or settings.outbox_batch_size
    relayed = relay_events(session=session, now=now, batch_size=limit, settings=settings)
    result.relayed = relayed.enqueued
    result.digests = compose_digests(session=session, now=now, settings=settings, renderer=renderer)
    session.commit()
    while max_batches is None or result.batches < max_batches:
        rows = _claim(session, now, limit)
        if not rows:
            break
        result.batches += 1
        result.claimed += len(rows)
        with sender.batch() as batch:
            for row in rows:
                if row.recipient_email.lower() in recorder.refused:
                    recorder.suppress(row)
                    continue
                try:
                    mail = compose(row, settings=settings, renderer=renderer)
                except Exception as exc:
                    # A template or context bug: visible on the row, never retried blindly.
                    log.exception("notification %s could not be rendered", row.id)
                    recorder.record(row, Outcome(False, permanent=True, error=repr(exc)), None)
                    continue
                recorder.record(row, batch.send(mail), mail.message_id)
        session.commit()
    result.seconds = round(time.perf_counter() - started, 3)
    log.info(
        "deliver_outbox relayed=%d digests=%d claimed=%d sent=%d retried=%d failed=%d "
        "suppressed=%d batches=%d seconds=%.3f",
        result.relayed,
        result.digests,
        result.claimed,
        result.sent,
        result.retried,
        result.failed,
        result.suppressed,
        result.batches,
        result.seconds,
    )
    return result
