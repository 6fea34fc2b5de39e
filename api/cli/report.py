"""`planflow report`: build a periodic report (frozen once) and write its documents."""

from __future__ import annotations

from pathlib import Path

import typer

from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.reporting.build import build_report
from workflow.reporting.periods import ReportKind
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.text import pct
from workflow.settings import get_settings

app = typer.Typer(help="Periodic reports (báo cáo định kỳ) to the Director.", no_args_is_help=True)


@app.command()
def build(
    kind: ReportKind = typer.Option(..., help="weekly, quarterly, six_month, annual or custom."),
    period: str = typer.Option(
        ..., help="2026Q1, 2026H1, 2026, 2026-W10 or 2026-01-01..2026-03-31."
    ),
    out: Path = typer.Option(Path("var/reports"), help="Folder for the DOCX, XLSX and PDF."),
    pdf: bool = typer.Option(True, help="Convert the DOCX to PDF with LibreOffice."),
) -> None:
    """Build (or reuse the frozen) report of PERIOD, print its numbers and write files."""
    settings = get_settings()
    with session_scope() as session:
        run = build_report(session=session, now=utc_now(), kind=kind, period=period)
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
