"""Build a report once and freeze it: one `ReportRun` per (kind, period).

A rerun (the scheduler catching up, a re-send, a second CLI call) returns the stored
run untouched, so every copy of a report shows the same numbers.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from workflow.calendar import WorkCalendar, load_calendar
from workflow.clock import ensure_utc
from workflow.errors import InvalidInput
from workflow.models.report import ReportRun
from workflow.reporting.aggregate import (
    Window,
    grouped_counts,
    indicator_rows,
    item_rows,
    merge,
    plan_references,
    roll_up,
    shared_work,
    task_counts,
)
from workflow.reporting.periods import Period, ReportKind, parse_period, previous
from workflow.reporting.snapshot import Counts, ReportSnapshot, TrendPoint
from workflow.settings import Settings, get_settings


def find_run(session: Session, period: Period) -> ReportRun | None:
    """The frozen run of `period`, if it was built."""
    return session.exec(
        select(ReportRun).where(
            ReportRun.kind == period.kind.value,
            ReportRun.period_start == period.start,
            ReportRun.period_end == period.end,
        )
    ).first()


def is_sent(session: Session, period: Period) -> bool:
    """True if the run of `period` was built and mailed (reads two columns, not the run)."""
    sent_at = session.exec(
        select(ReportRun.sent_at).where(
            ReportRun.kind == period.kind.value,
            ReportRun.period_start == period.start,
            ReportRun.period_end == period.end,
        )
    ).first()
    return sent_at is not None


def _totals(session: Session, period: Period, calendar: WorkCalendar, tz: str) -> Counts:
    run = find_run(session, period)
    if run is not None:
        # A frozen earlier report is the reference: the trend shows what was reported.
        return ReportSnapshot.from_json(run.snapshot).totals
    window = Window.of(period, tz)
    tasks = sum(task_counts(session, window).values())
    return merge(grouped_counts(session, window, calendar=calendar).values(), tasks=tasks)


def compute_snapshot(
    *,
    session: Session,
    now: datetime,
    period: Period,
    calendar: WorkCalendar,
    settings: Settings,
) -> ReportSnapshot:
    """All numbers of `period` as of its cutoff (nothing is written)."""
    tz = settings.timezone
    window = Window.of(period, tz)
    groups = grouped_counts(session, window, calendar=calendar)
    totals, by_area, by_unit = roll_up(session, groups, task_counts(session, window))
    shared_tasks, shared_items = shared_work(session, window)
    earlier: list[Period] = []
    p = period
    for _ in range(settings.report_trend_points - 1):
        p = previous(p)
        earlier.append(p)
    trend = [
        TrendPoint(key=q.key, label=q.label, counts=_totals(session, q, calendar, tz))
        for q in reversed(earlier)
    ]
    trend.append(TrendPoint(key=period.key, label=period.label, counts=totals))
    limit = settings.report_overdue_list_limit
    return ReportSnapshot(
        kind=period.kind.value,
        period_key=period.key,
        period_label=period.label,
        period_start=period.start,
        period_end=period.end,
        cutoff_at=ensure_utc(window.cutoff),
        generated_at=ensure_utc(now),
        totals=totals,
        by_area=by_area,
        by_unit=by_unit,
        overdue_items=item_rows(session, window, calendar=calendar, overdue=True, limit=limit),
        overdue_items_total=totals.overdue,
        due_soon=item_rows(session, window, calendar=calendar, overdue=False, limit=limit),
        indicators=indicator_rows(session, period, at_risk_ratio=settings.indicator_at_risk_ratio),
        trend=trend,
        shared_items=shared_items,
        shared_tasks=shared_tasks,
        plans=plan_references(session, window),
    )


def build_report(
    *,
    session: Session,
    now: datetime,
    kind: ReportKind | str,
    period: Period | str,
    calendar: WorkCalendar | None = None,
    settings: Settings | None = None,
) -> ReportRun:
    """The frozen run of (kind, period), computing and storing it the first time.

    Raises InvalidInput while the period is still running: numbers frozen too early
    would be wrong forever. A new run's documents and charts are stored with it (the PDF
    when `report_pdf_on_build` and LibreOffice is on this host), for every host to serve.
    """
    cfg = settings or get_settings()
    kind = ReportKind(kind)
    if isinstance(period, str):
        period = parse_period(period, kind)
    elif period.kind is not kind:
        raise InvalidInput(f"period {period.key} is {period.kind.value}, not {kind.value}")
    existing = find_run(session, period)
    if existing is not None:
        return existing
    cutoff = period.cutoff_at(cfg.timezone)
    if now < cutoff:
        raise InvalidInput(
            f"period {period.label} is not over: it can be built from "
            f"{cutoff:%d/%m/%Y %H:%M} ({cfg.timezone})"
        )
    snapshot = compute_snapshot(
        session=session,
        now=now,
        period=period,
        calendar=calendar or load_calendar(session=session),
        settings=cfg,
    )
    run = ReportRun(
        kind=kind.value,
        period_start=period.start,
        period_end=period.end,
        label=period.label,
        snapshot=snapshot.to_json(),
        created_at=now,
    )
    try:
        # A savepoint: losing the race to a concurrent builder must not spoil the caller's
        # transaction; the winner's run is the report.
        with session.begin_nested():
            session.add(run)
    except IntegrityError:
        winner = find_run(session, period)
        if winner is None:
            raise
        return winner
    from workflow.reporting.files import store_report_documents  # matplotlib, python-docx

    store_report_documents(session=session, now=now, run=run, settings=cfg, pdf=cfg.pdf_on_build)
    return run
