"""Prometheus metrics (prometheus-client): what each process counts, and what is read from
the database when `/metrics` is scraped (docs/decisions/0016-metrics-and-health.md).

Two sources, by what the figure is:

- Business figures (mails sent by kind, hence reminders and escalations; the outbox by
  status and its oldest due pending row; whether a scheduler holds the leader lock) are read
  from the database at scrape time by `DatabaseCollector`. The database is what every
  process writes, so any API process answers the same figures for the whole deployment,
  whichever worker sent a mail, and they survive restarts: `/metrics` equals the mail sink.
- Process figures (requests by route template and status, job runs, failures and
  durations) are counted where they happen. With `PLANFLOW_METRICS_DIR` set (the default
  outside embedded mode) every planflow process on the machine writes them to that
  directory (prometheus-client's multiprocess mode) and `/metrics` sums them, so the
  workers' and the scheduler's counts show through the API on the same machine.

Every process metric here has labels: a labelled child's value is made when first used,
after `setup` has chosen between in-memory and multiprocess values.
"""

from __future__ import annotations

import atexit
import os
import socket
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import REGISTRY, Collector
from sqlalchemy import text
from sqlmodel import Session

from notifications.stats import outbox_stats
from workflow.db import is_postgres
from workflow.settings import Settings

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)

HTTP_REQUESTS = Counter(
    "planflow_http_requests",
    "HTTP requests answered, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_DURATION = Histogram(
    "planflow_http_request_duration_seconds",
    "Time to answer an HTTP request, by route template.",
    ["route"],
    buckets=_DURATION_BUCKETS,
)
JOB_RUNS = Counter("planflow_job_runs", "Scheduled job runs that finished, by job.", ["job"])
JOB_FAILURES = Counter(
    "planflow_job_failures",
    "Scheduled job runs that raised (the job is retried at the next tick), by job.",
    ["job"],
)
JOB_DURATION = Histogram(
    "planflow_job_duration_seconds",
    "Duration of a job run, by job (the sweep: sweep_due, and sweep_batch in distributed mode).",
    ["job"],
    buckets=_DURATION_BUCKETS,
)
SWEEP_ITEMS_FAILED = Counter(
    "planflow_sweep_item_failures",
    "Due work items whose rung failed in a sweep (left due for the next one), by job.",
    ["job"],
)

_state: dict[str, Path | None] = {"dir": None}


def setup(settings: Settings) -> None:
    """Choose where this process counts: in memory, or in the shared multiprocess directory.

    Call once at process start (serve, worker, scheduler, jobs run) before counting.
    """
    directory = settings.metrics_directory
    if directory is None:
        return
    directory.mkdir(parents=True, exist_ok=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    # Files are named by process: host name and pid, so containers sharing the directory
    # (each with its own pid 1) never write to one file.
    values.ValueClass = values.MultiProcessValue(process_identifier=process_identifier)  # type: ignore[no-untyped-call]
    _state["dir"] = directory
    # A dead process's live gauges go with it; its counters stay summed (they are totals).
    ident = process_identifier()
    atexit.register(lambda: multiprocess.mark_process_dead(ident, str(directory)))  # type: ignore[no-untyped-call]


def process_identifier() -> str:
    """This process among those writing the metrics directory: host name and pid."""
    return f"{socket.gethostname()}-{os.getpid()}"


def job_finished(job: str, *, seconds: float, failed_items: int = 0) -> None:
    """Count one finished run of `job` (called from the one log line per job run)."""
    JOB_RUNS.labels(job=job).inc()
    JOB_DURATION.labels(job=job).observe(seconds)
    if failed_items:
        SWEEP_ITEMS_FAILED.labels(job=job).inc(failed_items)


def job_failed(job: str) -> None:
    """Count one run of `job` that raised."""
    JOB_FAILURES.labels(job=job).inc()


class DatabaseCollector(Collector):
    """The deployment-wide figures, read from the database at each scrape."""

    def __init__(self, session: Session, settings: Settings, now: datetime) -> None:
        self._session = session
        self._settings = settings
        self._now = now

    def collect(self) -> Iterator[Metric]:
        stats = outbox_stats(session=self._session, now=self._now)
        leaders = self._leaders(self._session)
        sent = CounterMetricFamily(
            "planflow_mails_sent", "Mails accepted by the mail server, by kind.", labels=["kind"]
        )
        for kind, count in sorted(stats.sent_by_kind.items()):
            sent.add_metric([kind], count)
        yield sent
        yield CounterMetricFamily(
            "planflow_reminders_sent",
            "Reminder mails sent (before, on and after the due date).",
            value=stats.reminders_sent,
        )
        yield CounterMetricFamily(
            "planflow_escalations_sent",
            "Escalation mails sent up the reporting line.",
            value=stats.escalations_sent,
        )
        outbox = GaugeMetricFamily(
            "planflow_outbox_messages", "Outbox rows by status.", labels=["status"]
        )
        for status in ("pending", "failed", "held", "suppressed", "sent"):
            outbox.add_metric([status], stats.counts.get(status, 0))
        yield outbox
        yield GaugeMetricFamily(
            "planflow_outbox_oldest_pending_age_seconds",
            "Age of the oldest pending mail whose attempt time has come (0: none waits).",
            value=stats.oldest_pending_age_s,
        )
        if leaders is not None:
            yield GaugeMetricFamily(
                "planflow_scheduler_leader",
                "Scheduler processes holding the leader lock (1: healthy, 0: no scheduler).",
                value=leaders,
            )

    def _leaders(self, session: Session) -> int | None:
        if not is_postgres(session):
            return None  # embedded: the scheduler runs inside the API process
        # pg_advisory_lock(bigint) shows as classid = high 32 bits, objid = low 32 bits.
        key = self._settings.scheduler_lock_key
        return int(
            session.execute(
                text(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND objsubid = 1 AND classid::bigint = :hi AND objid::bigint = :lo"
                ),
                {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
            ).scalar_one()
        )


def exposition(session: Session, settings: Settings, now: datetime) -> bytes:
    """The text a scrape gets: this machine's process metrics plus the database's figures
    (read through `session`, the scrape request's own)."""
    registry = CollectorRegistry()
    directory = _state["dir"]
    if directory is not None:
        multiprocess.MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    db_registry = CollectorRegistry()
    db_registry.register(DatabaseCollector(session, settings, now))
    return body + generate_latest(db_registry)
