"""Deliver the outbox: claim due rows in batches, send, record what the server answered.

A row is marked sent only after the server accepted it, and each batch is committed before
the next is claimed, so a crash resends at most the batch in flight, with the same
Message-ID (docs/decisions/0005-outbox-delivery.md). One bad row never stops a batch.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text, update
from sqlalchemy import select as sa_select
from sqlmodel import Session

from notifications.contexts import Kind
from notifications.digest import compose_digests
from notifications.events import relay_events
from notifications.message import Composer, OutgoingMail, compose
from notifications.models import Notification
from notifications.preferences import add_suppression
from notifications.render import get_renderer
from notifications.reports import ReportComposer
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


class Claimed(NamedTuple):
    """A claimed pending row: only the columns sending and recording need (no ORM object)."""

    id: int
    dedup_key: str
    kind: str
    language: str
    context: dict[str, Any]
    recipient_user_id: int | None
    recipient_email: str
    created_at: datetime
    message_id: str | None
    attempts: int
    first_attempt_at: datetime | None
    next_attempt_at: datetime
    request_id: str | None


_TABLE = Notification.__table__  # type: ignore[attr-defined]
_CLAIMED = [_TABLE.c[name] for name in Claimed._fields]
_FIELDS = (
    "status",
    "attempts",
    "first_attempt_at",
    "next_attempt_at",
    "sent_at",
    "message_id",
    "last_error",
)
# PostgreSQL: one statement per batch, the rows' new values passed as parallel arrays.
_RECORD_PG = text(
    """
    UPDATE notification AS n
    SET status = v.status, attempts = v.attempts, first_attempt_at = v.first_attempt_at,
        next_attempt_at = v.next_attempt_at, sent_at = v.sent_at,
        message_id = v.message_id, last_error = v.last_error
    FROM unnest(
        CAST(:id AS integer[]), CAST(:status AS text[]), CAST(:attempts AS integer[]),
        CAST(:first_attempt_at AS timestamptz[]), CAST(:next_attempt_at AS timestamptz[]),
        CAST(:sent_at AS timestamptz[]), CAST(:message_id AS text[]),
        CAST(:last_error AS text[])
    ) AS v(id, status, attempts, first_attempt_at, next_attempt_at, sent_at, message_id,
           last_error)
    WHERE n.id = v.id
    """
)
# SQLite (embedded mode): the same update executed with one parameter set per row.
_RECORD = (
    update(_TABLE)
    .where(_TABLE.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        first_attempt_at=bindparam("b_first_attempt_at"),
        next_attempt_at=bindparam("b_next_attempt_at"),
        sent_at=bindparam("b_sent_at"),
        message_id=bindparam("b_message_id"),
        last_error=bindparam("b_last_error"),
    )
)


def _claim(session: Session, now: datetime, limit: int) -> list[Claimed]:
    # A Core select of plain columns: no ORM identity map or per-row entity bookkeeping.
    query = (
        sa_select(*_CLAIMED)
        .where(_TABLE.c.status == "pending", _TABLE.c.next_attempt_at <= now)
        .order_by(_TABLE.c.next_attempt_at, _TABLE.c.id)
        .limit(limit)
    )
    if is_postgres(session):
        # Two workers never claim the same row; a locked row is simply someone else's.
        query = query.with_for_update(skip_locked=True)
    return [Claimed._make(found) for found in session.connection().execute(query)]


class _Recorder:
    """Turns server answers into row updates, written in one statement per batch."""

    def __init__(
        self, session: Session, now: datetime, settings: Settings, rng: random.Random
    ) -> None:
        self.session, self.now, self.settings, self.rng = session, now, settings, rng
        self.result = DeliveryResult()
        self.refused: set[str] = set()
        self.give_up = timedelta(hours=settings.mail_give_up_hours)
        self.pending: list[dict[str, Any]] = []

    def _update(self, row: Claimed, **changes: Any) -> None:
        values = {
            "b_id": row.id,
            "b_status": "pending",
            "b_attempts": row.attempts,
            "b_first_attempt_at": row.first_attempt_at,
            "b_next_attempt_at": row.next_attempt_at,
            "b_sent_at": None,
            "b_message_id": row.message_id,
            "b_last_error": None,
        }
        values.update({f"b_{key}": value for key, value in changes.items()})
        self.pending.append(values)

    def record(self, row: Claimed, outcome: Outcome, message_id: str | None) -> None:
        now = self.now
        first = row.first_attempt_at or now
        tried = {
            "attempts": row.attempts + 1,
            "first_attempt_at": first,
            "message_id": message_id or row.message_id,
        }
        if outcome.accepted:
            self._update(row, status="sent", sent_at=now, **tried)
            self.result.sent += 1
        elif outcome.permanent:
            self._update(row, status="failed", last_error=outcome.error, **tried)
            self.result.failed += 1
            if outcome.recipient_refused:
                self.refused.add(row.recipient_email.lower())
                add_suppression(
                    session=self.session, email=row.recipient_email, reason=outcome.error, now=now
                )
        else:
            deadline = ensure_utc(first) + self.give_up
            if now >= deadline:
                self._update(row, status="failed", last_error=f"gave up: {outcome.error}", **tried)
                self.result.failed += 1
            else:
                delay = retry_delay(attempts=row.attempts + 1, settings=self.settings, rng=self.rng)
                self._update(
                    row,
                    next_attempt_at=min(now + delay, deadline),
                    last_error=outcome.error,
                    **tried,
                )
                self.result.retried += 1

    def suppress(self, row: Claimed) -> None:
        self._update(row, status="suppressed", last_error="address refused earlier in this run")
        self.result.suppressed += 1

    def flush(self) -> None:
        """Write the batch's outcomes; ORM copies of these rows are expired, not stale."""
        if not self.pending:
            return
        if is_postgres(self.session):
            arrays = {
                name: [values[f"b_{name}"] for values in self.pending] for name in ("id", *_FIELDS)
            }
            self.session.connection().execute(_RECORD_PG, arrays)
        else:
            self.session.exec(_RECORD, params=self.pending)
        written = {values["b_id"] for values in self.pending}
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, Notification) and obj.id in written:
                self.session.expire(obj)
        self.pending = []


class _Lookahead:
    """Composes the batch's mails one ahead, so rendering overlaps the server's work."""

    def __init__(self, rows: list[Claimed], build: Callable[[Claimed], OutgoingMail]) -> None:
        self.rows, self.build = rows, build
        self.ready: dict[int, OutgoingMail | Exception] = {}

    def prepare(self, index: int) -> None:
        if index < len(self.rows) and index not in self.ready:
            try:
                self.ready[index] = self.build(self.rows[index])
            except Exception as exc:
                # A template or context bug: visible on the row, never retried blindly.
                log.exception("notification %s could not be rendered", self.rows[index].id)
                self.ready[index] = exc

    def take(self, index: int) -> OutgoingMail | Exception:
        self.prepare(index)
        return self.ready.pop(index)


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
    # Report mails are made from their frozen run at this point (documents once per run).
    composers: dict[str, Composer] = {
        Kind.REPORT.value: ReportComposer(session=session, settings=settings)
    }
    while max_batches is None or result.batches < max_batches:
        rows = _claim(session, now, limit)
        if not rows:
            break
        result.batches += 1
        result.claimed += len(rows)
        ahead = _Lookahead(
            rows, lambda r: compose(r, settings=settings, renderer=renderer, composers=composers)
        )
        with sender.batch() as batch:
            for index, row in enumerate(rows):
                if row.recipient_email.lower() in recorder.refused:
                    recorder.suppress(row)
                    continue
                mail = ahead.take(index)
                if isinstance(mail, Exception):
                    failure = Outcome(False, permanent=True, error=repr(mail))
                    recorder.record(row, failure, None)
                    continue
                outcome = batch.send(mail, meanwhile=partial(ahead.prepare, index + 1))
                recorder.record(row, outcome, mail.message_id)
        # Only now, after the server's answers: a crash before this commit resends the
        # batch with the same Message-IDs (docs/decisions/0005-outbox-delivery.md).
        recorder.flush()
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
