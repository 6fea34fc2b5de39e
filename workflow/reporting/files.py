"""Write a frozen report's documents to a folder: DOCX, XLSX and (with LibreOffice) PDF,
and find a run's documents where they are kept (the API's downloads and the report pages)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from workflow.errors import NotFound
from workflow.models import ReportRun
from workflow.reporting import charts as chart_mod
from workflow.reporting.docx_report import render_docx
from workflow.reporting.pdf import PdfUnavailable, docx_to_pdf, soffice_path
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.xlsx_report import render_xlsx
from workflow.settings import Settings


@dataclass(frozen=True)
class WrittenReport:
    """Paths written; `pdf` is None with `pdf_message` saying why."""

    docx: Path
    xlsx: Path
    pdf: Path | None
    pdf_message: str | None


def file_stem(snapshot: ReportSnapshot) -> str:
    """A file-system safe name, e.g. bao-cao-quarterly-2026Q1."""
    return f"bao-cao-{snapshot.kind}-{snapshot.period_key.replace('..', '_')}"


def write_report(
    snapshot: ReportSnapshot, out_dir: Path, *, settings: Settings, pdf: bool = True
) -> WrittenReport:
    """Render every document of `snapshot` into `out_dir`."""
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = file_stem(snapshot)
    docx = out_dir / f"{stem}.docx"
    docx.write_bytes(
        render_docx(snapshot, charts=chart_mod.render_all(snapshot), settings=settings)
    )
    xlsx = out_dir / f"{stem}-phu-luc.xlsx"
    xlsx.write_bytes(render_xlsx(snapshot, settings=settings))
    if not pdf:
        return WrittenReport(docx, xlsx, None, "PDF not requested")
    try:
        return WrittenReport(docx, xlsx, docx_to_pdf(docx, out_dir), None)
    except PdfUnavailable as exc:
        return WrittenReport(docx, xlsx, None, str(exc))


class ReportFormat(StrEnum):
    """The documents a report run is downloaded as."""

    DOCX = "docx"
    XLSX = "xlsx"
    PDF = "pdf"


def report_dir(run: ReportRun, *, settings: Settings) -> Path:
    """Where a run's documents (and the report page's charts) are kept once rendered."""
    return settings.var_dir / "reports" / str(run.id)


def pdf_available(run: ReportRun, *, settings: Settings) -> bool:
    """True when the PDF was rendered before or LibreOffice is here to render it."""
    out = report_dir(run, settings=settings)
    return soffice_path() is not None or (out.is_dir() and any(out.glob("*.pdf")))


def report_document(run: ReportRun, fmt: ReportFormat, *, settings: Settings) -> Path:
    """The document of `run` in `fmt`, rendered from its frozen snapshot the first time;
    NotFound for a PDF that cannot be rendered here."""
    out = report_dir(run, settings=settings)
    existing = sorted(out.glob(f"*.{fmt.value}")) if out.is_dir() else []
    if existing:
        return existing[0]
    snapshot = ReportSnapshot.from_json(run.snapshot)
    written = write_report(snapshot, out, settings=settings, pdf=fmt is ReportFormat.PDF)
    path = {ReportFormat.DOCX: written.docx, ReportFormat.XLSX: written.xlsx}.get(fmt, written.pdf)
    if path is None:
        raise NotFound(f"no PDF for this report: {written.pdf_message}")
    return path
