"""The report pages (báo cáo định kỳ): the frozen runs, one run's summary and its charts.

Everything shown comes from the run's frozen snapshot, so the page says what the mail and
the DOCX said. The words are the report mail's (`workflow.reporting.wording`, Vietnamese or
English by the page's language); names from the data and the charts stay Vietnamese, as in
the mail. Downloads are the API's own routes (`/reports/{id}/{fmt}`), which take the
session cookie like a page. Who may read: `workflow.reporting.readers.REPORT_READERS`; the
coordinator may also build the report of a period that has ended ("Lập báo cáo ngay").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, cast
from urllib.parse import quote
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func
from sqlalchemy.orm import QueryableAttribute, defer
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import not_found, refusal, render, to_login
from api.schemas.common import Id
from api.schemas.forms import validated
from api.schemas.reports import ReportBuild
from workflow.calendar import local_date
from workflow.errors import InvalidInput
from workflow.i18n import NP_, translate_in
from workflow.models import ReportRun, User
from workflow.models.org import Role
from workflow.reporting.build import build_report
from workflow.reporting.charts import CHARTS
from workflow.reporting.files import pdf_available
from workflow.reporting.files import report_chart as stored_chart
from workflow.reporting.periods import ReportKind, last_closed
from workflow.reporting.readers import may_read_reports
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.wording import wording
from workflow.settings import Settings

router = APIRouter(include_in_schema=False)

# The order of the kind filter; a custom (on-demand) report is listed only once there is one.
KINDS = [k.value for k in ReportKind]
# Who may build a report from the page: the coordinator keeps the report settings
# (the Office, Văn phòng, runs the reform reports). The administrator does not read reports
# (0010), so gets no button.
BUILDERS = frozenset({Role.COORDINATOR})
# The alt text of each chart of `CHARTS`: the report mail's words for it.
CHART_ALT = {
    "completion-by-area": NP_("report", "Tình hình thực hiện theo lĩnh vực"),
    "overdue-by-unit": NP_("report", "Nhiệm vụ quá hạn theo đơn vị"),
    "trend": NP_("report", "Xu hướng qua các kỳ"),
}


def _reader_or_page(request: Request, user: User | None) -> Response | None:
    """None for a reader; otherwise the sign-in redirect or the 403 page."""
    if user is None:
        return to_login(request)
    return (
        None
        if may_read_reports(user)
        else refusal(request, user, msg.REPORTS_NOT_ALLOWED, status=403, back="/my")
    )


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class RunRow:
    """A line of the list."""

    id: int
    kind: str
    label: str
    created_at: datetime
    sent_at: datetime | None
    pdf: bool


@dataclass(frozen=True)
class Buildable:
    """A period that has ended and has no report yet: the coordinator's button."""

    kind: str
    key: str
    label: str


def _buildable(
    session: Session, *, now: datetime, settings: Settings, lang: str
) -> list[Buildable]:
    """The latest ended period of each scheduled kind that was not built yet."""
    today = local_date(now, tz=settings.timezone)
    w = wording(lang)
    out: list[Buildable] = []
    for name in settings.report_kinds_enabled:
        kind = ReportKind(name)
        if kind is ReportKind.CUSTOM:
            continue
        period = last_closed(kind, today=today)
        built = session.exec(
            select(ReportRun.id).where(
                ReportRun.kind == kind.value,
                ReportRun.period_start == period.start,
                ReportRun.period_end == period.end,
            )
        ).first()
        if built is None:
            label = w.period_label(kind.value, period.key, period.label)
            out.append(Buildable(kind=kind.value, key=period.key, label=label))
    return out


@router.get("/ui/reports", response_class=HTMLResponse)
def reports_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    kind: ReportKind | None = None,
) -> Response:
    """The frozen runs, newest period first, of one kind or all, with their documents."""
    refused = _reader_or_page(request, user)
    if refused is not None:
        return refused
    assert user is not None
    lang = language(request, user)
    w = wording(lang)
    counts = dict(
        session.exec(select(ReportRun.kind, func.count()).group_by(col(ReportRun.kind))).all()
    )
    # The snapshot stays in the database: only its period key is read (English labels).
    key = col(ReportRun.snapshot)["period_key"].as_string()
    snapshot = cast("QueryableAttribute[Any]", ReportRun.snapshot)  # a mapped column at run time
    query = select(ReportRun, key).options(defer(snapshot))
    if kind is not None:
        query = query.where(ReportRun.kind == kind.value)
    found = session.exec(
        query.order_by(col(ReportRun.period_end).desc(), col(ReportRun.id).desc())
    ).all()
    runs = [
        RunRow(
            id=run.id or 0,
            kind=run.kind,
            label=_cap(w.period_label(run.kind, period_key or "", run.label)),
            created_at=run.created_at,
            sent_at=run.sent_at,
            pdf=pdf_available(session=session, run=run, settings=settings),
        )
        for run, period_key in found
    ]
    builds = (
        _buildable(session, now=now, settings=settings, lang=lang) if user.role in BUILDERS else []
    )
    context = {
        "runs": runs,
        "kinds": [(k, counts.get(k, 0)) for k in KINDS if k != "custom" or counts.get(k)],
        "kind": kind.value if kind is not None else None,
        "builds": builds,
        "tz": settings.timezone,
    }
    return render(request, "reports.html", context, user=user)


@router.get("/ui/reports/{report_id}", response_class=HTMLResponse)
def report_page(
    request: Request,
    report_id: Id,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
) -> Response:
    """One run: its totals, areas, units, overdue items, indicators and charts."""
    refused = _reader_or_page(request, user)
    if refused is not None:
        return refused
    run = session.get(ReportRun, report_id)
    if run is None:
        return not_found(request, user)
    snapshot = ReportSnapshot.from_json(run.snapshot)
    w = wording(language(request, user))
    context: dict[str, Any] = {
        "run": run,
        "s": snapshot,
        "title": w.title(snapshot),
        "headline": w.headline(snapshot.totals),
        "shared_note": w.shared_note(snapshot),
        "trend_sentence": w.trend_sentence(snapshot),
        "cutoff": w.cutoff(snapshot.cutoff_at.astimezone(ZoneInfo(settings.timezone))),
        "fmt_date": w.day,
        "pct": w.pct,
        "area_name": w.area_name,
        "indicator_name": w.indicator_name,
        "indicator_target": w.indicator_target,
        "indicator_value": w.indicator_value,
        "status_labels": w.status_labels,
        "charts": [(name, translate_in(w.lang, "report", CHART_ALT[name])) for name in CHARTS],
        "pdf": pdf_available(session=session, run=run, settings=settings),
        "tz": settings.timezone,
    }
    return render(request, "reports_run.html", context, user=user)


@router.get("/ui/reports/{report_id}/charts/{name}")
def report_chart(
    request: Request,
    report_id: Id,
    name: str,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
) -> Response:
    """A chart of the run as PNG, stored with its documents when the run was built (or
    drawn from the frozen snapshot: the picture never changes)."""
    refused = _reader_or_page(request, user)
    if refused is not None:
        return refused
    run = session.get(ReportRun, report_id) if name in CHARTS else None
    if run is None:
        return not_found(request, user)
    png = stored_chart(session=session, run=run, name=name, settings=settings)
    return Response(
        png,
        media_type="image/png",
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


@router.post("/ui/reports/build")
def build_now(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    # Generous: the model (`ReportBuild`) says what is too long, on the page.
    kind: Annotated[str, Form(max_length=200)] = "",
    period: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Build (once) the report of a period that has ended, in this request's transaction,
    and open it. Nothing is mailed here: the scheduler sends it at its time, unchanged."""
    if user is None:
        # Back to the list after signing in (this address only takes a form).
        return RedirectResponse(f"/login?next={quote('/ui/reports')}", status_code=303)
    if user.role not in BUILDERS:
        return refusal(request, user, msg.REPORTS_NOT_ALLOWED, status=403, back="/my")
    try:
        body = validated(ReportBuild, {"kind": kind, "period": period.strip()}, codes={})
        run = build_report(
            session=session, now=now, kind=body.kind, period=body.period, settings=settings
        )
    except (InvalidInput, ValueError):
        # Nothing was stored (the period is still running, or the form was tampered with).
        session.rollback()
        return refusal(request, user, msg.REPORT_BUILD_ERROR, status=422, back="/ui/reports")
    return RedirectResponse(f"/ui/reports/{run.id}", status_code=303)
