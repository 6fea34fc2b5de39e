"""Write a frozen report's documents to a folder: DOCX, XLSX and (with LibreOffice) PDF."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workflow.reporting import charts as chart_mod
from workflow.reporting.docx_report import render_docx
from workflow.reporting.pdf import PdfUnavailable, docx_to_pdf
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
    xlsx.write_bytes(render_xlsx(snapshot))
    if not pdf:
        return WrittenReport(docx, xlsx, None, "PDF not requested")
    try:
        return WrittenReport(docx, xlsx, docx_to_pdf(docx, out_dir), None)
    except PdfUnavailable as exc:
        return WrittenReport(docx, xlsx, None, str(exc))
