"""Distributed mode: the jobs as Celery tasks on Redis.

Tasks take ids or nothing, acknowledge late and are re-queued when a worker dies, so every
task runs at least once; each opens its own transaction and re-checks the state in the
database, which makes a second run a no-op. The sweep fans out: it reads the due ids and
queues one `planflow.sweep_batch` per batch, so several workers share the load.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

import redis
import structlog
from celery import Celery, signals

from tasks import jobs, metrics, runs
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.logs import REQUEST_ID_KEY, current_request_id, new_request_id, valid_request_id
from workflow.settings import Settings, get_settings

log = logging.getLogger("planflow.tasks")

# Many batches per tick at most; the rest stays due and is fanned out at the next tick.
MAX_FANOUT_BATCHES = 200


def make_celery(settings: Settings | None = None) -> Celery:
    """The Celery app for the configured Redis; reliable delivery over throughput."""
    settings = settings or get_settings()
    app = Celery("planflow", broker=settings.redis_url, include=["tasks.celery_app"])
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.celery_queue,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            # An unacknowledged task of a dead worker is handed out again after this.
            "visibility_timeout": settings.celery_visibility_timeout_seconds,
            "global_keyprefix": settings.celery_key_prefix,
            # How often a worker looks for such tasks (one scan per interval, no throttling).
            "unacked_restore_interval": settings.celery_restore_interval_seconds,
            "unacked_restore_throttle": 1,
        },
        worker_hijack_root_logger=False,
        # Our handler (workflow.logs) writes to the real stderr; a redirected one would loop.
        worker_redirect_stdouts=False,
        worker_cancel_long_running_tasks_on_connection_loss=False,
    )
    return app


app = make_celery()
# The request id of the work that queued a task travels in its message's headers.
REQUEST_ID_HEADER = "planflow_request_id"
_bound: dict[str, Any] = {}


def _send_request_id(headers: dict[str, Any] | None = None, **_: Any) -> None:
    rid = current_request_id()
    if headers is not None and rid:
        headers[REQUEST_ID_HEADER] = rid


def _bind_request_id(task_id: str | None = None, task: Any = None, **_: Any) -> None:
    given = getattr(task.request, REQUEST_ID_HEADER, None) if task is not None else None
    rid = valid_request_id(given) or new_request_id()
    _bound[task_id or ""] = structlog.contextvars.bind_contextvars(**{REQUEST_ID_KEY: rid})


def _unbind_request_id(task_id: str | None = None, **_: Any) -> None:
    tokens = _bound.pop(task_id or "", None)
    if tokens:
        structlog.contextvars.reset_contextvars(**tokens)


def _slot_key(name: str, settings: Settings) -> str:
    return f"{settings.celery_key_prefix}planflow:queued:{name}"


def claim_tick_slot(name: str, settings: Settings | None = None) -> bool:
    """True if no tick-queued run of job `name` waits in the queue (and mark one as waiting).

    Each tick would otherwise queue every job again while the workers are busy: an hour's
    backlog of identical runs behind one long delivery. The mark is cleared when the run
    starts (so the next tick may queue the next run while this one works) and expires
    after ten ticks (at least a minute), in case its message was lost with Redis.
    """
    settings = settings or get_settings()
    ttl = max(10 * settings.scheduler_tick_seconds, 60)
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        return bool(client.set(_slot_key(name, settings), "1", nx=True, ex=ttl))
    finally:
        client.close()


def release_tick_slot(name: str, settings: Settings | None = None) -> None:
    """Let the next tick queue job `name` again (its queued run started, or never went out)."""
    settings = settings or get_settings()
    client = redis.Redis.from_url(settings.redis_url, socket_connect_timeout=5)
    try:
        client.delete(_slot_key(name, settings))
    finally:
        client.close()


def _release_slot(sender: Any = None, **_: Any) -> None:
    name = str(getattr(sender, "name", "")).removeprefix("planflow.")
    if name in TASKS:
        release_tick_slot(name)


def _count_failure(sender: Any = None, **_: Any) -> None:
    name = str(getattr(sender, "name", "unknown"))
    metrics.job_failed(name.removeprefix("planflow."))


signals.before_task_publish.connect(_send_request_id)
signals.task_prerun.connect(_bind_request_id)
signals.task_prerun.connect(_release_slot)
signals.task_postrun.connect(_unbind_request_id)
signals.task_failure.connect(_count_failure)


TaskBody = Callable[..., dict[str, Any]]


def _task(name: str) -> Callable[[TaskBody], Any]:
    """`app.task` with an explicit name, typed for mypy (Celery ships no type hints)."""
    return cast(Callable[[TaskBody], Any], app.task(name=name))


@_task("planflow.sweep_due")
def sweep_due() -> dict[str, Any]:
    """Read due item ids and queue them in batches for the workers."""
    started = time.perf_counter()
    size = get_settings().sweep_batch_size
    now = utc_now()
    with session_scope() as session:
        ids = jobs.claim_due_ids(session=session, now=now, limit=size * MAX_FANOUT_BATCHES)
        runs.record_run(session, "sweep_due", now)
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    for batch in batches:
        sweep_batch.delay(batch)
    # Counted as the embedded sweep is, so `job="sweep_due"` means the same in both modes.
    metrics.job_finished("sweep_due", seconds=time.perf_counter() - started)
    level = logging.INFO if ids else logging.DEBUG
    log.log(level, "job=sweep_due_fanout due=%d batches=%d", len(ids), len(batches))
    return {"due": len(ids), "batches": len(batches)}


@_task("planflow.sweep_batch")
def sweep_batch(item_ids: list[int]) -> dict[str, Any]:
    """Handle the given items if still due; queue delivery once the outbox rows committed."""
    with session_scope() as session:
        result = jobs.sweep_items(session=session, now=utc_now(), item_ids=item_ids)
    if result.reminders or result.escalations:
        deliver_outbox.delay()
    return result.summary()


@_task("planflow.deliver_outbox")
def deliver_outbox() -> dict[str, Any]:
    """Send pending mail over one SMTP connection per batch, committing after each message
    so a crash resends at most one (`notifications.delivery.deliver_each`)."""
    with session_scope() as session:
        result = jobs.deliver_outbox(session=session, now=utc_now(), each=True)
    return result.summary()


@_task("planflow.materialize_recurrences")
def materialize_recurrences() -> dict[str, Any]:
    """Create due occurrences of recurring series (unique per series and date)."""
    now = utc_now()
    with session_scope() as session:
        result = jobs.materialize_recurrences(session=session, now=now)
        runs.record_run(session, "materialize_recurrences", now)
    return result.summary()


@_task("planflow.build_reports")
def build_reports() -> dict[str, Any]:
    """Build the reports of periods that ended since the last run (unique per period)."""
    now = utc_now()
    with session_scope() as session:
        since = runs.last_run_at(session=session, name="build_reports")
        result = jobs.build_reports(session=session, now=now, since=since)
        runs.record_run(session, "build_reports", now)
    return result.summary()


@_task("planflow.sweep_orphan_files")
def sweep_orphan_files() -> dict[str, Any]:
    """Remove evidence files no row names (at most once per interval)."""
    now = utc_now()
    with session_scope() as session:
        since = runs.last_run_at(session=session, name="sweep_orphan_files")
        result = jobs.sweep_orphan_files(session=session, now=now, since=since)
        if not result.skipped:
            runs.record_run(session, "sweep_orphan_files", now)
    return result.summary()


@_task("planflow.receive_replies")
def receive_replies() -> dict[str, Any]:
    """Apply the replies by mail waiting in the reply mailbox (one commit per mail); their
    comments and answers are mailed by the delivery queued after them."""
    with session_scope() as session:
        result = jobs.receive_replies(session=session, now=utc_now())
    if result.applied or result.refused:
        deliver_outbox.delay()
    return result.summary()


TASKS = {
    "sweep_due": sweep_due,
    "receive_replies": receive_replies,
    "deliver_outbox": deliver_outbox,
    "materialize_recurrences": materialize_recurrences,
    "build_reports": build_reports,
    "sweep_orphan_files": sweep_orphan_files,
}
