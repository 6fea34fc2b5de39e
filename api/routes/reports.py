"""Periodic reports (báo cáo định kỳ): the list of frozen runs and their documents.

Documents are rendered from the frozen snapshot on first download and kept under
`settings.var_dir/reports/<run id>/`, so a later download shows the same numbers.
Reports are agency-wide: directors, deputy directors, unit heads and the coordinator read
them; officers and administrators do not (403: a role, not an object scope).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from sqlmodel import SQLModel, col, select

from api.deps import SessionDep, SettingsDep, require_roles
from api.problems import ApiProblem
from api.schemas.common import Id
from workflow.errors import NotFound
from workflow.models import ReportRun, User
from workflow.models.org import Role
from workflow.reporting.files import write_report
from workflow.reporting.pdf import soffice_path
from workflow.reporting.snapshot import ReportSnapshot
from workflow.settings import Settings

router = APIRouter(prefix="/reports", tags=["reports"])
# Who reads the reports, here and on the report pages (api/pages/reports.py).
REPORT_READERS = frozenset({Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.UNIT_HEAD, Role.COORDINATOR})
Reader = Depends(require_roles(*sorted(REPORT_READERS)))


class ReportFormat(StrEnum):
    DOCX = "docx"
    XLSX = "xlsx"
    PDF = "pdf"


MEDIA = {
    ReportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ReportFormat.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ReportFormat.PDF: "application/pdf",
}


class ReportPublic(SQLModel):
    id: int
    kind: str
    period_start: date
    period_end: date
    label: str
    created_at: datetime
    sent_at: datetime | None


@router.get("", response_model=list[ReportPublic])
def list_reports(session: SessionDep, _user: User = Reader) -> list[ReportPublic]:
    """Report runs, newest period first."""
    runs = session.exec(
        select(ReportRun).order_by(col(ReportRun.period_end).desc(), col(ReportRun.id).desc())
    ).all()
    return [ReportPublic.model_validate(r) for r in runs]


def may_read_reports(user: User | None) -> bool:
    """True for the roles that read reports (the page's nav link asks this)."""
    return user is not None and user.role in REPORT_READERS


def report_dir(run: ReportRun, *, settings: Settings) -> Path:
    """Where a run's documents (and the report page's charts) are kept once rendered."""
    return settings.var_dir / "reports" / str(run.id)


def pdf_available(run: ReportRun, *, settings: Settings) -> bool:
    """True when the PDF was rendered before or LibreOffice is here to render it."""
    out = report_dir(run, settings=settings)
    return soffice_path() is not None or (out.is_dir() and any(out.glob("*.pdf")))


def report_document(run: ReportRun, fmt: ReportFormat, *, settings: Settings) -> Path:
    """The document of `run` in `fmt`, rendered from its frozen snapshot the first time."""
    out = report_dir(run, settings=settings)
    existing = sorted(out.glob(f"*.{fmt.value}")) if out.is_dir() else []
    if existing:
        return existing[0]
    snapshot = ReportSnapshot.from_json(run.snapshot)
    written = write_report(snapshot, out, settings=settings, pdf=fmt is ReportFormat.PDF)
    path = {ReportFormat.DOCX: written.docx, ReportFormat.XLSX: written.xlsx}.get(fmt, written.pdf)
    if path is None:
        raise ApiProblem(404, f"no PDF for this report: {written.pdf_message}")
    return path


@router.get(
    "/{report_id}/{fmt}",
    response_class=FileResponse,
    responses={200: {"content": {m: {} for m in MEDIA.values()}}, 404: {}},
)
def download_report(
    report_id: Id,
    fmt: ReportFormat,
    session: SessionDep,
    settings: SettingsDep,
    _user: User = Reader,
) -> FileResponse:
    """The report as DOCX (Nghị định 30 layout), XLSX appendices, or PDF."""
    run = session.get(ReportRun, report_id)
    if run is None:
        raise NotFound(f"report {report_id} not found")
    path = report_document(run, fmt, settings=settings)
    return FileResponse(
        path,
        media_type=MEDIA[fmt],
        filename=path.name,
        content_disposition_type="attachment",
        headers={"X-Content-Type-Options": "nosniff"},
    )
