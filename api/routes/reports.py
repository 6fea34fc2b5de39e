"""Periodic reports (báo cáo định kỳ): the list of frozen runs and their documents.

Documents are stored with the run when it is built (`workflow.reporting.files`, in the file
store every host reads), or rendered from its frozen snapshot: the same numbers either way.
Reports are agency-wide: directors, deputy directors, unit heads and the coordinator read
them; officers and administrators do not (403: a role, not an object scope).
"""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from sqlmodel import SQLModel, col, select

from api.deps import SessionDep, SettingsDep, require_roles
from api.downloads import attachment
from api.schemas.common import Id
from workflow.errors import NotFound
from workflow.models import ReportRun, User
from workflow.reporting.files import MEDIA, ReportFormat, report_document
from workflow.reporting.readers import REPORT_READERS

router = APIRouter(prefix="/reports", tags=["reports"])
Reader = Depends(require_roles(*sorted(REPORT_READERS)))


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


@router.get(
    "/{report_id}/{fmt}",
    response_class=Response,
    responses={200: {"content": {m: {} for m in MEDIA.values()}}, 404: {}},
)
def download_report(
    report_id: Id,
    fmt: ReportFormat,
    session: SessionDep,
    settings: SettingsDep,
    _user: User = Reader,
) -> Response:
    """The report as DOCX (Nghị định 30 layout), XLSX appendices, or PDF."""
    run = session.get(ReportRun, report_id)
    if run is None:
        raise NotFound(f"report {report_id} not found")
    doc = report_document(session=session, run=run, fmt=fmt, settings=settings)
    return attachment(doc.data, media_type=MEDIA[fmt], filename=doc.name)
