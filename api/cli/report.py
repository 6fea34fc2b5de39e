"""`planflow report`: build a periodic report (frozen once), write its documents, mail it.

`--now` (ISO 8601; without a zone, the agency's) stands in for the clock: to build or
send a report as of a given moment, and for tests that must not depend on the date.
"""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.common import NOW_HELP, moment
from notifications.reports import send_report
from tasks.jobs import deliver_outbox
from workflow.db import session_scope
from workflow.reporting.build import build_report
from workflow.reporting.periods import ReportKind
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.text import pct
from workflow.settings import get_settings

app = typer.Typer(help="Periodic reports (báo cáo định kỳ) to the Director.", no_args_is_help=True)

KIND_HELP = "weekly, quarterly, six_month, annual or custom."
PERIOD_HELP = "2026Q1, 2026H1, 2026, 2026-W10 or 2026-01-01..2026-03-31."


@app.command()
def build(
    kind: ReportKind = typer.Option(..., help=KIND_HELP),
    period: str = typer.Option(..., help=PERIOD_HELP),
    out: Path = typer.Option(Path("var/reports"), help="Folder for the DOCX, XLSX and PDF."),
    pdf: bool = typer.Option(True, help="Convert the DOCX to PDF with LibreOffice."),
    now: str | None = typer.Option(None, help=NOW_HELP),
) -> None:
    """Build (or reuse the frozen) report of PERIOD, print its numbers and write files."""
    settings = get_settings()
    with session_scope() as session:
        run = build_report(session=session, now=moment(now), kind=kind, period=period)
        snap = ReportSnapshot.from_json(run.snapshot)
        created = run.created_at
    typer.echo(
        f"report {snap.kind} {snap.period_key}: {snap.period_label} "
        f"(frozen {created:%Y-%m-%d %H:%M} UTC)"
    )
    typer.echo(
        f"{'':40} {'total':>6} {'ontime':>6} {'late':>6} {'inprog':>6} "
        f"{'overdue':>7} {'wd':>5} {'ext':>4}"
    )
    for title, rows in (("by area", snap.by_area), ("by unit", snap.by_unit)):
        typer.echo(f"-- {title}")
        for r in rows:
            c = r.counts
            typer.echo(
                f"{r.name[:40]:40} {c.total:6} {c.done_on_time:6} {c.done_late:6} "
                f"{c.in_progress_on_time:6} {c.overdue:7} {c.overdue_working_days:5} "
                f"{c.extension_requests:4}"
            )
    t = snap.totals
    typer.echo(
        f"{'TOTAL':40} {t.total:6} {t.done_on_time:6} {t.done_late:6} "
        f"{t.in_progress_on_time:6} {t.overdue:7} {t.overdue_working_days:5} "
        f"{t.extension_requests:4}   done {pct(t.done, t.total)}%"
    )
    for ind in snap.indicators:
        actual = "-" if ind.actual is None else f"{ind.actual:g}"
        typer.echo(
            f"indicator {ind.name[:50]}: target {ind.target_text or '-'}, "
            f"actual {actual}: {ind.status}"
        )
    # Imported here: matplotlib and python-docx would slow every `planflow` process down
    # (workers and schedulers included) by a second or more.
    from workflow.reporting.files import write_report

    written = write_report(snap, out, settings=settings, pdf=pdf)
    typer.echo(f"wrote {written.docx}")
    typer.echo(f"wrote {written.xlsx}")
    typer.echo(f"wrote {written.pdf}" if written.pdf else str(written.pdf_message))


@app.command()
def send(
    kind: ReportKind = typer.Option(..., help=KIND_HELP),
    period: str = typer.Option(..., help=PERIOD_HELP),
    deliver: bool = typer.Option(False, help="Also run the outbox delivery once."),
    now: str | None = typer.Option(None, help=NOW_HELP),
) -> None:
    """Queue the report of PERIOD (built first if needed) for the Director and deputies.

    Each recipient is queued once per report, ever: running it again queues nothing.
    """
    at = moment(now)
    with session_scope() as session:
        run = build_report(session=session, now=at, kind=kind, period=period)
        queued = send_report(session=session, now=at, run=run)
        label = f"report {run.kind} {run.label}"
    typer.echo(f"{label}: {queued} mail(s) queued")
    if deliver:
        with session_scope() as session:
            result = deliver_outbox(session=session, now=at)
        counts = " ".join(f"{k}={v}" for k, v in result.summary().items())
        typer.echo(f"deliver_outbox: {counts}")
