"""Thin calls into the pieces other packages own: outbox delivery, recurrences, reports."""

from __future__ import annotations

import importlib
from datetime import datetime
from typing import Any

from sqlmodel import Session

from tasks.jobs import OutboxResult, ReportsResult
from workflow.services.recurrence import materialize_recurrences
from workflow.settings import get_settings


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name != module:
            raise
        return None


def deliver(
    *, session: Session, now: datetime, sender: Any, batch_size: int | None
) -> OutboxResult:
    delivery = _optional("notifications.delivery")
    if delivery is None:
        return OutboxResult()
    if sender is None:
        sender = delivery.sender_from_settings(get_settings())
    raw = delivery.deliver_outbox(
        session=session,
        now=now,
        sender=sender,
        batch_size=batch_size or get_settings().outbox_batch_size,
    )
    return OutboxResult(
        sent=int(getattr(raw, "sent", 0)),
        failed=int(getattr(raw, "failed", 0)),
        suppressed=int(getattr(raw, "suppressed", 0)),
        retried=int(getattr(raw, "retried", 0)),
    )


def materialize(*, session: Session, now: datetime) -> int:
    return materialize_recurrences(session=session, now=now).created


def reports(*, session: Session, now: datetime, since: datetime | None) -> ReportsResult:
    reporting = _optional("workflow.reporting")
    if reporting is None:
        return ReportsResult(note="reporting not installed yet: nothing built")
    built: list[str] = []
    for kind, period in reporting.due_reports(session=session, now=now, since=since):
        run = reporting.build_report(session=session, now=now, kind=kind, period=period)
        built.append(f"{kind}:{getattr(run, 'period_start', period)}")
    return ReportsResult(built=built)
