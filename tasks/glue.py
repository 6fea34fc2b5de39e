"""Thin calls into the pieces other packages own: outbox delivery, recurrences, reports."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from notifications.delivery import deliver_each, deliver_outbox
from notifications.replies import receive_replies
from notifications.reports import send_report
from notifications.senders import Sender, get_sender
from tasks.results import OutboxResult, RepliesResult, ReportsResult
from workflow.calendar import load_calendar
from workflow.reporting.build import build_report, find_run, is_sent
from workflow.reporting.periods import due_reports
from workflow.services.recurrence import materialize_recurrences
from workflow.settings import get_settings


def deliver(
    *,
    session: Session,
    now: datetime,
    sender: Sender | None,
    batch_size: int | None,
    each: bool = False,
) -> OutboxResult:
    """One delivery run; `each`: commit after every message (the Celery task)."""
    settings = get_settings()
    run = deliver_each if each else deliver_outbox
    raw = run(
        session=session,
        now=now,
        sender=sender or get_sender(settings),
        batch_size=batch_size or settings.outbox_batch_size,
    )
    return OutboxResult(
        relayed=raw.relayed,
        sent=raw.sent,
        failed=raw.failed,
        suppressed=raw.suppressed,
        retried=raw.retried,
        server_faults=raw.server_faults,
    )


def materialize(*, session: Session, now: datetime) -> int:
    return materialize_recurrences(session=session, now=now).created


def reports(*, session: Session, now: datetime, since: datetime | None) -> ReportsResult:
    """Build (once) every report whose send time has come and queue its mails (once).

    Missed periods collapse per kind. `built` lists only runs created by this call:
    due_reports keeps answering the latest period until the next one, and a rerun must
    count (and regenerate) nothing; a run built earlier but never sent is sent now.
    """
    del since  # due_reports bounds catch-up itself (report_catch_up_days)
    calendar = load_calendar(session=session)
    result = ReportsResult()
    for period in due_reports(now=now, calendar=calendar):
        if is_sent(session, period):
            continue  # the usual answer on every tick: no run (with its snapshot) loaded
        run = find_run(session, period)
        if run is None:
            run = build_report(
                session=session, now=now, kind=period.kind, period=period, calendar=calendar
            )
            result.built.append(f"{run.kind}:{run.period_start.isoformat()}")
        result.mails += send_report(session=session, now=now, run=run)
    return result


def replies(*, session: Session, now: datetime) -> RepliesResult:
    """One run of the reply-by-mail job (commits after each mail)."""
    raw = receive_replies(session=session, now=now, settings=get_settings())
    return RepliesResult(
        read=raw.read,
        applied=raw.applied,
        refused=raw.refused,
        dropped=raw.dropped,
        duplicates=raw.duplicates,
        failed=raw.failed,
        note=raw.note,
    )
