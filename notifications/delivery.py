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
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any, NamedTuple

from sqlalchemy import bindparam, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from notifications.alarm import note_server_fault, note_server_ok
from notifications.contexts import Kind
from notifications.digest import compose_digests
from notifications.events import relay_events
from notifications.grouping import fold_groups
from notifications.message import Composer, OutgoingMail, compose
from notifications.models import Notification
from notifications.preferences import add_suppression
from notifications.render import get_renderer
from notifications.reports import ReportComposer
from notifications.senders import Batch, Fault, Outcome, Sender, message_fault
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
    # Of `retried`: deferred because the server or our configuration failed (alarm).
    server_faults: int = 0
    batches: int = 0
    seconds: float = 0.0


def retry_delay(
    *, attempts: int, settings: Settings, rng: random.Random, cap: float | None = None
) -> timedelta:
    """Exponential backoff with 'equal jitter': half fixed, half random, capped."""
    ceiling = min(
        settings.mail_retry_max_seconds if cap is None else cap,
        settings.mail_retry_base_seconds * 2 ** min(max(attempts - 1, 0), 30),
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
# PostgreSQL, one row, sent straight through the driver with its COMMIT (deliver_each).
_RECORD_ONE_PG = """
    UPDATE notification
    SET status = %(status)s, attempts = %(attempts)s, first_attempt_at = %(first_attempt_at)s,
        next_attempt_at = %(next_attempt_at)s, sent_at = %(sent_at)s,
        message_id = %(message_id)s, last_error = %(last_error)s
    WHERE id = %(id)s
"""
# PostgreSQL, the next due row claimed straight through the driver (deliver_each).
_CLAIM_ONE_PG = """
    SELECT id, dedup_key, kind, language, context, recipient_user_id, recipient_email,
        created_at, message_id, attempts, first_attempt_at, next_attempt_at, request_id
    FROM notification
    WHERE status = 'pending' AND next_attempt_at <= %(now)s
    ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED
"""
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


def _driver(session: Session) -> Any:
    """The psycopg connection under `session` (its transaction begun on the SQLAlchemy side)."""
    return session.connection().connection.driver_connection


def _claim_one_pg(session: Session, now: datetime) -> list[Claimed]:
    """Claim the next due row in one round trip: the transaction's BEGIN and the SELECT go
    together in a psycopg pipeline (outside one, psycopg sends BEGIN on its own first)."""
    driver = _driver(session)
    with driver.pipeline():
        cur = driver.execute(_CLAIM_ONE_PG, {"now": now})
    found = cur.fetchone()
    if found is None:
        return []
    row = Claimed._make(found)
    # Aware in the session's time zone as psycopg reads them; UTC as the ORM type gives them.
    first = row.first_attempt_at
    return [
        row._replace(
            created_at=ensure_utc(row.created_at),
            next_attempt_at=ensure_utc(row.next_attempt_at),
            first_attempt_at=None if first is None else ensure_utc(first),
        )
    ]


def _write_one_trip(session: Session, values: dict[str, Any]) -> None:
    """Write one row's outcome and commit in a single round trip (a psycopg pipeline)."""
    driver = _driver(session)
    with driver.pipeline():
        driver.execute(_RECORD_ONE_PG, values)
        driver.commit()
    # The driver committed; this only ends SQLAlchemy's transaction (no round trip).
    session.commit()


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
        # How the server fared in this batch: the last answer decides (None: not asked).
        self.server_ok: bool | None = None
        self.server_error = ""
        self.batch_faults = 0
        # None: not looked yet in this run; False: no alarm open (no need to ask again).
        self.alarm_open: bool | None = None

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
            self.server_ok = True
        elif outcome.fault is Fault.SERVER:
            # The server or our configuration: never the mail's fault, so never its end.
            # The row waits (backoff capped low, so recovery is noticed soon) and the alarm
            # is raised (docs/decisions/0018-mail-faults.md).
            delay = retry_delay(
                attempts=row.attempts + 1,
                settings=self.settings,
                rng=self.rng,
                cap=self.settings.mail_server_retry_max_seconds,
            )
            self._update(row, next_attempt_at=now + delay, last_error=outcome.error, **tried)
            self.result.retried += 1
            self.result.server_faults += 1
            self.batch_faults += 1
            self.server_ok, self.server_error = False, outcome.error
        elif outcome.permanent:
            self._update(row, status="failed", last_error=outcome.error, **tried)
            self.result.failed += 1
            if outcome.recipient_refused:
                self.server_ok = True
                self.refused.add(row.recipient_email.lower())
                add_suppression(
                    session=self.session, email=row.recipient_email, reason=outcome.error, now=now
                )
        else:
            # This mailbox, for now (4.1.x, 4.2.x): retried until the give-up time.
            self.server_ok = True
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

    def note_server(self) -> None:
        """Raise, keep or clear the mail alarm from this batch's answers."""
        if self.server_ok is False:
            note_server_fault(
                session=self.session,
                now=self.now,
                error=self.server_error,
                faults=self.batch_faults,
                settings=self.settings,
            )
            self.alarm_open = True
        elif self.server_ok and self.alarm_open is not False:
            note_server_ok(session=self.session, now=self.now)
            self.alarm_open = False
        self.server_ok, self.server_error, self.batch_faults = None, "", 0

    def suppress(self, row: Claimed) -> None:
        self._update(row, status="suppressed", last_error="address refused earlier in this run")
        self.result.suppressed += 1

    def take_one_trip(self) -> dict[str, Any] | None:
        """This one row's outcome, taken out to be written and committed in a single round
        trip (`write_one_trip`), when nothing else is to be written (no new suppression, no
        alarm to raise or clear); None: the caller takes the ordinary way."""
        simple = self.server_ok is None or (self.server_ok and self.alarm_open is False)
        if len(self.pending) != 1 or not simple or self.session.new or self.session.dirty:
            return None
        values = {key.removeprefix("b_"): value for key, value in self.pending[0].items()}
        self.pending = []
        self.server_ok, self.server_error, self.batch_faults = None, "", 0
        return values

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


def _send_row(
    batch: Batch,
    recorder: _Recorder,
    row: Claimed,
    mail: OutgoingMail | Exception,
    meanwhile: Callable[[], None],
    ready: Callable[[], None] | None = None,
) -> None:
    """Send one claimed row and record the answer; `meanwhile` runs exactly once, while
    the server works on the message if it got that far; `ready` (idempotent) runs before
    the message can be delivered, and always before `meanwhile`."""
    called = False

    def once() -> None:
        nonlocal called
        if not called:
            called = True
            if ready is not None:
                ready()
            meanwhile()

    if row.recipient_email.lower() in recorder.refused:
        recorder.suppress(row)
    elif isinstance(mail, Exception):
        recorder.record(row, message_fault(repr(mail)), None)
    else:
        recorder.record(row, batch.send(mail, meanwhile=once, ready=ready), mail.message_id)
    once()


def _prepare_run(
    session: Session, now: datetime, settings: Settings, limit: int, result: DeliveryResult
) -> dict[str, Composer]:
    """Relay work item events, fold due groups and compose due digests (committed), then the
    composers."""
    relayed = relay_events(session=session, now=now, batch_size=limit, settings=settings)
    result.relayed = relayed.enqueued
    # Grouped mail (decision 0021): a bulk action's or a morning run's rows become one mail.
    fold_groups(session=session, now=now, settings=settings)
    renderer = get_renderer(settings)
    result.digests = compose_digests(session=session, now=now, settings=settings, renderer=renderer)
    session.commit()
    # Report mails are made from their frozen run at this point (documents once per run).
    return {Kind.REPORT.value: ReportComposer(session=session, settings=settings)}


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
    """Send every due pending row (after relaying work item events, folding due groups and
    composing due digests); commits after each batch.

    This is a job, not a service: committing per batch keeps row locks short and makes
    each 'sent' durable right after its batch.
    """
    started = time.perf_counter()
    settings = settings or get_settings()
    renderer = get_renderer(settings)
    recorder = _Recorder(session, now, settings, rng or random.Random())
    result = recorder.result
    limit = batch_size or settings.outbox_batch_size
    composers = _prepare_run(session, now, settings, limit, result)
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
                _send_row(
                    batch, recorder, row, ahead.take(index), partial(ahead.prepare, index + 1)
                )
        # Only now, after the server's answers: a crash before this commit resends the
        # batch with the same Message-IDs (docs/decisions/0005-outbox-delivery.md).
        recorder.flush()
        recorder.note_server()
        session.commit()
    _finish(result, started)
    return result


def _finish(result: DeliveryResult, started: float) -> None:
    result.seconds = round(time.perf_counter() - started, 3)
    # DEBUG: the job's own line (tasks.jobs.log_run) reports the counts that matter.
    log.debug(
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


def deliver_each(
    *,
    session: Session,
    now: datetime,
    sender: Sender,
    batch_size: int | None = None,
    settings: Settings | None = None,
    rng: random.Random | None = None,
    max_batches: int | None = None,
) -> DeliveryResult:
    """The production path (Celery): commit after **each** message, so a crash resends at
    most the one in flight, over one SMTP connection per batch of `batch_size` messages.

    Claiming one row at a time with a commit in between would leave the connection idle
    while the database works. On PostgreSQL two sessions take turns instead: while the
    server processes message k (claimed and locked in one session), the other session
    claims (SKIP LOCKED: never k) and renders message k+1; k's answer is then recorded and
    committed by a writer thread while k+1's envelope (MAIL, RCPT) goes out, and k+1's DATA
    waits for that commit, so k+1 is never delivered before k is recorded. A claim's BEGIN
    and SELECT go in one round trip. SQLite has one writer, so it claims after each commit.

    Those two sessions commit with `synchronous_commit = off` (unless
    `outbox_synchronous_commit`): a commit returns once PostgreSQL has it, without waiting
    for the disk (about 5 ms per message on the shared development machine). A worker
    killed at any point still resends at most the one message; only a crash of PostgreSQL
    itself can forget the last fraction of a second of "sent" marks, and those mails are
    resent with the same Message-ID (docs/decisions/0019-production-delivery.md).
    """
    started = time.perf_counter()
    settings = settings or get_settings()
    renderer = get_renderer(settings)
    recorder = _Recorder(session, now, settings, rng or random.Random())
    result = recorder.result
    limit = batch_size or settings.outbox_batch_size
    composers = _prepare_run(session, now, settings, limit, result)
    sessions = [session]
    connections: list[Connection] = []
    # PostgreSQL: a thread writes and commits message k while the main thread sends k+1's
    # envelope; k+1's DATA waits for that commit (`settle`), so still at most one message
    # is sent and not yet recorded.
    writer: ThreadPoolExecutor | None = None
    inflight: Future[None] | None = None
    if is_postgres(session):
        # Two connections of their own, each told once not to wait for the disk on commit.
        engine = session.get_bind()
        assert isinstance(engine, Engine)
        connections = [engine.connect(), engine.connect()]
        for conn in connections:
            if not settings.outbox_synchronous_commit:
                conn.exec_driver_sql("SET synchronous_commit TO off")
            conn.commit()
        sessions = [Session(bind=conn, expire_on_commit=False) for conn in connections]
        recorder.session = sessions[0]
        writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="outbox-commit")

    def claim(on: Session) -> tuple[Claimed, OutgoingMail | Exception] | None:
        rows = _claim_one_pg(on, now) if connections else _claim(on, now, 1)
        if not rows:
            return None
        try:
            mail: OutgoingMail | Exception = compose(
                rows[0], settings=settings, renderer=renderer, composers=composers
            )
        except Exception as exc:
            log.exception("notification %s could not be rendered", rows[0].id)
            mail = exc
        return rows[0], mail

    def settle() -> None:
        """Wait for the previous message's commit (raising its error); idempotent."""
        nonlocal inflight
        if inflight is not None:
            done, inflight = inflight, None
            done.result()

    try:
        turn = 0
        current = claim(sessions[0])
        while current is not None and (max_batches is None or result.batches < max_batches):
            result.batches += 1
            with sender.batch() as batch:
                for _ in range(limit):
                    if current is None:
                        break
                    here = sessions[turn % len(sessions)]
                    there = sessions[(turn + 1) % len(sessions)] if len(sessions) == 2 else None
                    ahead = _Next(claim, there)
                    recorder.session = here
                    result.claimed += 1
                    _send_row(batch, recorder, current[0], current[1], ahead.fetch, settle)
                    values = recorder.take_one_trip() if writer is not None else None
                    if writer is not None and values is not None:
                        inflight = writer.submit(_write_one_trip, here, values)
                    else:
                        recorder.flush()
                        recorder.note_server()
                        here.commit()
                    current = ahead.found if there is not None else claim(here)
                    turn += 1
                # The batch's last commit lands before its connection is closed.
                settle()
        # A row claimed for a batch that was not started stays pending for the next run.
        for each in sessions:
            each.commit()
    finally:
        if writer is not None:
            with suppress(Exception):
                settle()
            writer.shutdown(wait=True)
        for conn in connections:
            with suppress(Exception):
                conn.rollback()
                conn.exec_driver_sql("RESET synchronous_commit")
                conn.commit()
            conn.close()
    _finish(result, started)
    return result


class _Next:
    """Claims (and renders) the next row on the other session, while the server works."""

    def __init__(
        self,
        claim: Callable[[Session], tuple[Claimed, OutgoingMail | Exception] | None],
        on: Session | None,
    ) -> None:
        self.claim, self.on = claim, on
        self.found: tuple[Claimed, OutgoingMail | Exception] | None = None

    def fetch(self) -> None:
        if self.on is not None:
            self.found = self.claim(self.on)
