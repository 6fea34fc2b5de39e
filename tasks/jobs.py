"""Scheduled jobs as plain idempotent functions: `session` and `now` in, counts out.

Every job is safe to run twice: due times live in `WorkItem.next_action_at`, each outgoing
message is an outbox row with a unique dedup key, report runs are unique per period.
A job never commits; the caller (embedded scheduler, Celery task, CLI) owns the transaction.
One structured log line per run that did something carries the counts and the duration
(an idle run logs at DEBUG).
"""

from __future__ import annotations

import importlib
import logging
import time
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from sqlalchemy import text, tuple_
from sqlmodel import Session, col, select

from tasks import metrics
from tasks.results import OutboxResult, RepliesResult, ReportsResult
from workflow.db import is_postgres
from workflow.logs import get_logger
from workflow.models.work import WorkItem
from workflow.settings import get_settings
from workflow.states import OPEN_STATES

log = logging.getLogger("planflow.jobs")
run_log = get_logger("planflow.jobs")

# Same text as the predicate of ix_work_item_next_action_open, so the planner uses the index.
OPEN_PREDICATE = text(
    "work_item.state IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(OPEN_STATES)))
)


class JobResult(Protocol):
    """What every job returns: counts for tests, the CLI and the log line."""

    def summary(self) -> dict[str, Any]: ...


@dataclass
class SweepResult:
    """Counts of one sweep: items claimed, notifications queued, items that failed."""

    claimed: int = 0
    reminders: int = 0
    escalations: int = 0
    failed_ids: list[int] = field(default_factory=list)
    duration_s: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.failed_ids)

    def add(self, other: SweepResult) -> None:
        self.claimed += other.claimed
        self.reminders += other.reminders
        self.escalations += other.escalations
        self.failed_ids.extend(other.failed_ids)

    def summary(self) -> dict[str, Any]:
        return {
            "claimed": self.claimed,
            "reminders": self.reminders,
            "escalations": self.escalations,
            "failed": self.failed,
        }


@dataclass
class RecurrenceResult:
    """How many work items the recurring series produced."""

    created: int = 0
    duration_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {"created": self.created}


@dataclass
class OrphanFilesResult:
    """How many orphaned evidence files were removed; `skipped` when the last scan was
    recent enough."""

    removed: int = 0
    skipped: bool = False
    duration_s: float = 0.0

    def summary(self) -> dict[str, Any]:
        return {"removed": self.removed, "skipped": self.skipped}


@dataclass(frozen=True)
class ItemOutcome:
    """What processing one due item queued."""

    reminders: int = 0
    escalations: int = 0


ItemHandler = Callable[[Session, WorkItem, datetime, Any], ItemOutcome]


@runtime_checkable
class BatchContext(Protocol):
    """A sweep context that holds some writes of a batch until the batch's end (the outbox
    rows, written in one statement); the sweep calls these under the batch's savepoint."""

    def finish_batch(self, session: Session) -> None: ...

    def discard_batch(self) -> None: ...


def _under_savepoint(
    session: Session, items: Sequence[WorkItem], now: datetime, handler: ItemHandler, ctx: Any
) -> list[ItemOutcome]:
    """Handle `items` under one savepoint, the context's held writes included; if any item
    fails, the savepoint and the held writes go together and the error is raised."""
    try:
        with session.begin_nested():
            outcomes = [handler(session, item, now, ctx) for item in items]
            if isinstance(ctx, BatchContext):
                ctx.finish_batch(session)
            session.flush()
    except Exception:
        if isinstance(ctx, BatchContext):
            ctx.discard_batch()
        raise
    return outcomes


ContextFactory = Callable[[Session], Any]


def did_something(result: JobResult) -> bool:
    """A run that changed or sent anything (a count above zero), as opposed to an idle tick."""
    return any(
        isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in result.summary().values()
    )


def describe(job: str, result: JobResult) -> str:
    return f"job={job} " + " ".join(f"{k}={v}" for k, v in result.summary().items())


# Inside an embedded tick (`tasks.scheduler.run_tick`) the job lines are gathered into the
# tick's one line instead of being logged one by one.
TICK_LINES: ContextVar[list[str] | None] = ContextVar("planflow_tick_lines", default=None)


def log_run(job: str, result: JobResult, started: float) -> None:
    """The one structured line of a job run (job name, counts, duration in ms, the run's
    request id): INFO when it did something, DEBUG for an idle run, so a quiet system logs
    nothing every tick; inside an embedded tick, gathered into the tick's one line. Every
    run is counted in the job metrics."""
    duration = time.perf_counter() - started
    if hasattr(result, "duration_s"):
        result.duration_s = duration
    counts = result.summary()
    failed_items = counts.get("failed", 0) if job in ("sweep_due", "sweep_batch") else 0
    metrics.job_finished(job, seconds=duration, failed_items=int(failed_items))
    busy = did_something(result)
    gathered = TICK_LINES.get()
    if gathered is not None and busy:
        gathered.append(f"{describe(job, result)} duration_ms={duration * 1000:.1f}")
        return
    emit = run_log.info if busy else run_log.debug
    emit("job_run", job=job, **counts, duration_ms=round(duration * 1000, 1))


def _due_query(now: datetime, limit: int, after: tuple[datetime, int] | None) -> Any:
    stmt = (
        select(WorkItem)
        .where(col(WorkItem.next_action_at) <= now, OPEN_PREDICATE)
        .order_by(col(WorkItem.next_action_at), col(WorkItem.id))
        .limit(limit)
    )
    if after is not None:
        stmt = stmt.where(tuple_(col(WorkItem.next_action_at), col(WorkItem.id)) > after)
    return stmt


def claim_due(
    *,
    session: Session,
    now: datetime,
    limit: int,
    after: tuple[datetime, int] | None = None,
    lock: bool = True,
) -> list[WorkItem]:
    """Open items whose next action is due, oldest first, locked with SKIP LOCKED on PostgreSQL.

    `after` is a keyset cursor (next_action_at, id): items that failed stay due but are not
    claimed twice in one sweep.
    """
    stmt = _due_query(now, limit, after)
    if lock and is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True, of=WorkItem)
    return list(session.exec(stmt).all())


def claim_due_ids(*, session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of due open items, without locking: the fan-out step of distributed mode."""
    stmt = (
        select(WorkItem.id)
        .where(col(WorkItem.next_action_at) <= now, OPEN_PREDICATE)
        .order_by(col(WorkItem.next_action_at), col(WorkItem.id))
        .limit(limit)
    )
    return [i for i in session.exec(stmt).all() if i is not None]


def _process_items(
    *,
    session: Session,
    items: Sequence[WorkItem],
    now: datetime,
    handler: ItemHandler,
    ctx: Any,
) -> SweepResult:
    """Handle a batch under one savepoint; if any item fails, redo it item by item.

    The fast path costs one SAVEPOINT and one batched UPDATE per batch; the slow path
    isolates the failing item (logged with its id, left due) and the batch goes on.
    """
    try:
        outcomes = _under_savepoint(session, items, now, handler, ctx)
    except Exception:
        return _process_one_by_one(session=session, items=items, now=now, handler=handler, ctx=ctx)
    result = SweepResult(claimed=len(items))
    _count(result, outcomes)
    return result


def _process_one_by_one(
    *,
    session: Session,
    items: Sequence[WorkItem],
    now: datetime,
    handler: ItemHandler,
    ctx: Any,
) -> SweepResult:
    result = SweepResult(claimed=len(items))
    for item in items:
        item_id = item.id
        try:
            outcomes = _under_savepoint(session, [item], now, handler, ctx)
        except Exception:
            log.exception("job=sweep_due item_failed item_id=%s", item_id)
            result.failed_ids.append(item_id or 0)
            session.expire(item)
            continue
        _count(result, outcomes)
    return result


def _count(result: SweepResult, outcomes: list[ItemOutcome]) -> None:
    for outcome in outcomes:
        result.reminders += outcome.reminders
        result.escalations += outcome.escalations


def _default_handler() -> tuple[ItemHandler, ContextFactory]:
    # tasks.rungs needs the engine's reminder ladder and the notification outbox.
    try:
        rungs = importlib.import_module("tasks.rungs")
    except ModuleNotFoundError as exc:
        raise RuntimeError(
            "the sweep needs tasks.rungs (workflow.deadlines, notifications.outbox)"
        ) from exc
    return rungs.process_item, rungs.make_context


def sweep_due(
    *,
    session: Session,
    now: datetime,
    batch_size: int | None = None,
    max_items: int | None = None,
    handler: ItemHandler | None = None,
    make_context: ContextFactory | None = None,
) -> SweepResult:
    """Claim open items with `next_action_at <= now` batch by batch and queue their rungs.

    Reads only due rows through the partial index, so the cost follows the due items, not
    the table. Each item then gets a fresh `next_action_at` in the future (or None).
    """
    started = time.perf_counter()
    if handler is None or make_context is None:
        handler, make_context = _default_handler()
    size = batch_size or get_settings().sweep_batch_size
    ctx = make_context(session)
    total = SweepResult()
    after: tuple[datetime, int] | None = None
    while max_items is None or total.claimed < max_items:
        limit = size if max_items is None else min(size, max_items - total.claimed)
        items = claim_due(session=session, now=now, limit=limit, after=after)
        if not items:
            break
        last = items[-1]
        assert last.next_action_at is not None and last.id is not None
        after = (last.next_action_at, last.id)
        total.add(_process_items(session=session, items=items, now=now, handler=handler, ctx=ctx))
        session.flush()
        if len(items) < limit:
            break
    log_run("sweep_due", total, started)
    return total


def sweep_items(
    *,
    session: Session,
    now: datetime,
    item_ids: Sequence[int],
    handler: ItemHandler | None = None,
    make_context: ContextFactory | None = None,
) -> SweepResult:
    """Process the given items if they are still due (one Celery `sweep_batch` task).

    Rows another worker holds are skipped; rows already handled are no longer due:
    a task delivered twice does nothing the second time.
    """
    started = time.perf_counter()
    if handler is None or make_context is None:
        handler, make_context = _default_handler()
    stmt = (
        select(WorkItem)
        .where(
            col(WorkItem.id).in_(list(item_ids)),
            col(WorkItem.next_action_at) <= now,
            OPEN_PREDICATE,
        )
        .order_by(col(WorkItem.id))
    )
    if is_postgres(session):
        stmt = stmt.with_for_update(skip_locked=True, of=WorkItem)
    items = list(session.exec(stmt).all())
    result = _process_items(
        session=session, items=items, now=now, handler=handler, ctx=make_context(session)
    )
    session.flush()
    log_run("sweep_batch", result, started)
    return result


def deliver_outbox(
    *,
    session: Session,
    now: datetime,
    sender: Any = None,
    batch_size: int | None = None,
    each: bool = False,
) -> OutboxResult:
    """Send pending outbox rows whose attempt time has come (see `notifications.delivery`);
    `each` commits after every message (the Celery task), else after every batch."""
    started = time.perf_counter()
    result = _deliver(session=session, now=now, sender=sender, batch_size=batch_size, each=each)
    log_run("deliver_outbox", result, started)
    return result


def _deliver(
    *, session: Session, now: datetime, sender: Any, batch_size: int | None, each: bool
) -> OutboxResult:
    from tasks import glue

    return glue.deliver(session=session, now=now, sender=sender, batch_size=batch_size, each=each)


def materialize_recurrences(*, session: Session, now: datetime) -> RecurrenceResult:
    """Create the work items of recurring series whose lead time has come."""
    started = time.perf_counter()
    from tasks import glue

    result = RecurrenceResult(created=glue.materialize(session=session, now=now))
    log_run("materialize_recurrences", result, started)
    return result


def build_reports(
    *, session: Session, now: datetime, since: datetime | None = None
) -> ReportsResult:
    """Build the periodic reports whose period ended since `since` (missed ones once)."""
    started = time.perf_counter()
    from tasks import glue

    result = glue.reports(session=session, now=now, since=since)
    log_run("build_reports", result, started)
    return result


def sweep_orphan_files(
    *, session: Session, now: datetime, since: datetime | None = None
) -> OrphanFilesResult:
    """Remove stored evidence files no row names (see `workflow.services.files`), at most
    once per `orphan_sweep_interval_minutes` since the last scan `since`."""
    settings = get_settings()
    interval = timedelta(minutes=settings.orphan_sweep_interval_minutes)
    if since is not None and now - since < interval:
        return OrphanFilesResult(skipped=True)
    started = time.perf_counter()
    from workflow.services.files import sweep_orphan_files as sweep

    result = OrphanFilesResult(removed=sweep(session=session, now=now, settings=settings))
    log_run("sweep_orphan_files", result, started)
    return result


def receive_replies(*, session: Session, now: datetime) -> RepliesResult:
    """Read the reply mailbox over IMAP and apply each reply to its item (reply by mail,
    docs/decisions/0032-reply-by-mail.md); nothing when `mail_reply_mode` is off. Like
    delivery, it commits after each mail: a mail's Message-ID makes a second reading a
    no-op."""
    started = time.perf_counter()
    from tasks import glue

    result = glue.replies(session=session, now=now)
    log_run("receive_replies", result, started)
    return result
