"""A frozen report's documents: DOCX, XLSX, (with LibreOffice) PDF and the charts.

Report generation stores them in the file store (`workflow.services.files`, keys
`reports/<run id>/<name>`) in the transaction that creates the run, so every host serves
the same bytes and only the host that builds needs LibreOffice (decision 0028). A run
whose documents are not stored (built before the store, or its PDF skipped) has them
rendered from its frozen snapshot when asked, which gives the same numbers.
`write_report` writes them to a folder instead (`planflow report build --out`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path

from sqlmodel import Session

from workflow.errors import NotFound
from workflow.models import ReportRun
from workflow.reporting import charts as chart_mod
from workflow.reporting.docx_report import render_docx
from workflow.reporting.pdf import PdfUnavailable, docx_to_pdf, soffice_path
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.xlsx_report import render_xlsx
from workflow.services.files import (
    REPORTS_PREFIX,
    FileContent,
    cache_locally,
    get_file,
    put_file,
    stored_keys,
)
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


MEDIA = {
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
}
PNG = "image/png"


def document_name(snapshot: ReportSnapshot, fmt: ReportFormat) -> str:
    """The file name of a document, as downloaded and attached to the report mail."""
    stem = file_stem(snapshot)
    return f"{stem}-phu-luc.xlsx" if fmt is ReportFormat.XLSX else f"{stem}.{fmt.value}"


def report_key(run_id: int, name: str) -> str:
    """Where a run's document or chart (`charts/<name>.png`) is kept in the file store."""
    return f"{REPORTS_PREFIX}{run_id}/{name}"


def _pdf_of(docx: bytes, name: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="planflow-pdf-") as tmp:
        source = Path(tmp) / name
        source.write_bytes(docx)
        return docx_to_pdf(source, Path(tmp)).read_bytes()


def render_documents(
    snapshot: ReportSnapshot, *, settings: Settings, pdf: bool
) -> tuple[dict[str, FileContent], str | None]:
    """Every document of `snapshot` by name (charts as `charts/<name>.png`), and why the
    PDF is missing when it is."""
    charts = chart_mod.render_all(snapshot)
    docx = render_docx(snapshot, charts=charts, settings=settings)
    made = {
        f"charts/{name}.png": FileContent(key=f"charts/{name}.png", content_type=PNG, data=png)
        for name, png in charts.items()
    }
    made[document_name(snapshot, ReportFormat.DOCX)] = FileContent(
        key=document_name(snapshot, ReportFormat.DOCX),
        content_type=MEDIA[ReportFormat.DOCX],
        data=docx,
    )
    made[document_name(snapshot, ReportFormat.XLSX)] = FileContent(
        key=document_name(snapshot, ReportFormat.XLSX),
        content_type=MEDIA[ReportFormat.XLSX],
        data=render_xlsx(snapshot),
    )
    if not pdf:
        return made, "PDF not requested"
    try:
        name = document_name(snapshot, ReportFormat.PDF)
        data = _pdf_of(docx, document_name(snapshot, ReportFormat.DOCX))
    except PdfUnavailable as exc:
        return made, str(exc)
    made[name] = FileContent(key=name, content_type=MEDIA[ReportFormat.PDF], data=data)
    return made, None


def store_report_documents(
    *, session: Session, now: datetime, run: ReportRun, settings: Settings, pdf: bool
) -> list[str]:
    """Render the run's documents and charts and store them (in the caller's transaction);
    the keys stored. The PDF only when `pdf` and LibreOffice is on this host."""
    if run.id is None:
        raise NotFound("the report run is not stored yet")
    made, _ = render_documents(ReportSnapshot.from_json(run.snapshot), settings=settings, pdf=pdf)
    keys = []
    for name, doc in made.items():
        key = report_key(run.id, name)
        put_file(session=session, now=now, key=key, data=doc.data, content_type=doc.content_type)
        keys.append(key)
    return keys


def pdf_available(*, session: Session, run: ReportRun, settings: Settings) -> bool:
    """True when the run's PDF is stored (or not yet migrated under var_dir) or LibreOffice
    is here to render it. Reads no snapshot (the reports list defers them)."""
    if soffice_path() is not None:
        return True
    prefix = report_key(run.id or 0, "")
    if any(key.endswith(".pdf") for key in stored_keys(session=session, prefix=prefix)):
        return True
    local = settings.var_dir / prefix
    return local.is_dir() and any(local.glob("*.pdf"))


def report_document(
    *, session: Session, run: ReportRun, fmt: ReportFormat, settings: Settings
) -> FileContent:
    """The document of `run` in `fmt`: the stored one, else rendered from the frozen
    snapshot and kept in this host's var_dir (a read may not write the database); NotFound
    for a PDF that cannot be here."""
    snapshot = ReportSnapshot.from_json(run.snapshot)
    name = document_name(snapshot, fmt)
    stored = get_file(session=session, key=report_key(run.id or 0, name), settings=settings)
    if stored is not None:
        return FileContent(key=name, content_type=MEDIA[fmt], data=stored.data)
    made, why = render_documents(snapshot, settings=settings, pdf=fmt is ReportFormat.PDF)
    if name not in made:
        raise NotFound(f"no PDF for this report: {why}")
    for each, doc in made.items():
        cache_locally(settings=settings, key=report_key(run.id or 0, each), data=doc.data)
    return made[name]


def report_chart(*, session: Session, run: ReportRun, name: str, settings: Settings) -> bytes:
    """A chart of `run` (a name of `charts.CHARTS`) as PNG: stored, else drawn."""
    stored = get_file(
        session=session, key=report_key(run.id or 0, f"charts/{name}.png"), settings=settings
    )
    if stored is not None:
        return stored.data
    return chart_mod.CHARTS[name](ReportSnapshot.from_json(run.snapshot))
