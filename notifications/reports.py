"""Periodic reports by mail (gửi báo cáo định kỳ): to the Director, and to each deputy
director for the units they oversee.

`send_report` only queues: one outbox row per recipient, keyed `report:{run}:{user}`, whose
context holds ids. `ReportComposer` makes the message when the row is delivered, from the
run's frozen snapshot: the HTML and text of `workflow.reporting.mail` with the charts
inline (cid:), and the DOCX report, its PDF (LibreOffice) and the XLSX appendix attached,
all as stored in the file store when the run was built. Outbox rows stay small, and
a report re-sent a year later still shows the numbers it was frozen with.

The mail text is in the recipient's language (the row's `language`, from `User.language`
when queued, as for every other kind); the attachments are the official Vietnamese
documents whatever the language, and the charts keep their Vietnamese labels.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from notifications.contexts import Kind, MailContext, ReportContext
from notifications.links import MailLinks
from notifications.message import Attachment, Composed, InlineImage, MailRow
from notifications.models import Notification
from notifications.outbox import enqueue
from notifications.preferences import unsubscribe_url
from notifications.render import language_of
from workflow.errors import NotFound
from workflow.models.org import Role, Unit, User
from workflow.models.report import ReportRun
from workflow.reporting.snapshot import ReportSnapshot
from workflow.settings import Settings, get_settings

if TYPE_CHECKING:
    from workflow.reporting.files import ReportFormat

log = logging.getLogger(__name__)


def dedup_key(run_id: int, user_id: int) -> str:
    """One report mail per run and recipient, ever."""
    return f"report:{run_id}:{user_id}"


def report_recipients(*, session: Session) -> list[tuple[User, list[str] | None]]:
    """Active directors (the whole report, None) and active deputy directors with the codes
    of the units they oversee; a deputy overseeing no unit receives nothing."""
    users = session.exec(
        select(User)
        .where(
            col(User.is_active),
            col(User.role).in_([Role.DIRECTOR.value, Role.DEPUTY_DIRECTOR.value]),
        )
        .order_by(col(User.id))
    ).all()
    overseen: dict[int, list[str]] = {}
    for overseer_id, code in session.exec(
        select(Unit.overseer_id, Unit.code)
        .where(col(Unit.overseer_id).is_not(None))
        .order_by(col(Unit.code))
    ):
        if overseer_id is not None:
            overseen.setdefault(overseer_id, []).append(code)
    out: list[tuple[User, list[str] | None]] = []
    for user in users:
        if user.role == Role.DIRECTOR.value:
            out.append((user, None))
        elif user.id in overseen:
            out.append((user, overseen[user.id]))
    return out


def send_report(
    *, session: Session, now: datetime, run: ReportRun, settings: Settings | None = None
) -> int:
    """Queue the report mail of `run` for each recipient; returns how many were new.

    Idempotent: a recipient already queued for this run is not queued again, so a rerun
    sends nothing twice (and reaches only a recipient added since). Marks the run sent.
    """
    if run.id is None:
        raise NotFound("the report run is not stored yet")
    recipients = report_recipients(session=session)
    keys = {dedup_key(run.id, user.id or 0): user for user, _ in recipients}
    existing = set(
        session.exec(
            select(Notification.dedup_key).where(col(Notification.dedup_key).in_(list(keys)))
        )
    )
    queued = 0
    for user, codes in recipients:
        key = dedup_key(run.id, user.id or 0)
        if key in existing:
            continue
        context = ReportContext(
            recipient_name=user.full_name,
            report_id=run.id,
            report_label=run.label,
            unit_codes=codes,
        )
        enqueue(
            session=session,
            kind=Kind.REPORT.value,
            recipient=user,
            context=context,
            dedup_key=key,
            now=now,
            settings=settings,
        )
        queued += 1
    if run.sent_at is None:
        run.sent_at = now
        session.add(run)
    session.flush()
    return queued


@dataclass(frozen=True)
class _Documents:
    snapshot: ReportSnapshot
    charts: dict[str, bytes]
    attachments: list[Attachment]


class ReportComposer:
    """Composes report mails during one delivery run (a `notifications.message.Composer`).

    Each run's charts, DOCX and XLSX are rendered once and shared by its recipients,
    whatever language their mail is written in.
    Everyone gets the whole DOCX, its PDF (when LibreOffice is installed) and the XLSX (the
    deputies are among the report's official recipients, "Nơi nhận"); a deputy's mail body
    and chart show only their units.
    """

    def __init__(self, *, session: Session, settings: Settings | None = None) -> None:
        self.session = session
        self.settings = settings or get_settings()
        self._documents: dict[int, _Documents] = {}

    def documents(self, report_id: int) -> _Documents:
        # matplotlib, python-docx and openpyxl load only when a report is delivered.
        from workflow.reporting.charts import CHARTS
        from workflow.reporting.files import ReportFormat, report_chart

        found = self._documents.get(report_id)
        if found is None:
            run = self.session.get(ReportRun, report_id)
            if run is None:
                raise NotFound(f"report run {report_id} does not exist")
            # The documents and charts stored when the run was built (rendered if not).
            attachments = [
                self._attachment(run, fmt) for fmt in (ReportFormat.DOCX, ReportFormat.XLSX)
            ]
            try:
                attachments.append(self._attachment(run, ReportFormat.PDF))
            except NotFound as exc:
                # No stored PDF and no LibreOffice here: the DOCX and the XLSX still go.
                log.warning("report %s mailed without its PDF: %s", report_id, exc)
            found = self._documents[report_id] = _Documents(
                snapshot=ReportSnapshot.from_json(run.snapshot),
                charts={
                    name: report_chart(
                        session=self.session, run=run, name=name, settings=self.settings
                    )
                    for name in CHARTS
                },
                attachments=attachments,
            )
        return found

    def _attachment(self, run: ReportRun, fmt: ReportFormat) -> Attachment:
        """The document of `run` in `fmt` as stored when it was built, else made here."""
        from workflow.reporting.files import report_document

        doc = report_document(session=self.session, run=run, fmt=fmt, settings=self.settings)
        return Attachment(doc.name, doc.content_type, doc.data)

    def __call__(self, row: MailRow, context: MailContext) -> Composed:
        if not isinstance(context, ReportContext):
            raise TypeError(f"notification {row.id} is not a report mail")
        from workflow.reporting import charts as chart_mod
        from workflow.reporting.mail import render_mail

        docs = self.documents(context.report_id)
        codes = context.unit_codes
        if codes is None:
            charts = docs.charts
        else:
            mine = docs.snapshot.for_units(codes)
            charts = {"overdue-by-unit": chart_mod.overdue_by_unit(mine)}
        links = MailLinks.of(self.settings.base_url)
        mail = render_mail(
            docs.snapshot,
            charts=charts,
            settings=self.settings,
            unit_codes=codes,
            report_url=links.report(context.report_id),
            preferences_url=links.settings,
            unsubscribe_url=unsubscribe_url(
                settings=self.settings,
                user_id=row.recipient_user_id,
                email=row.recipient_email,
                kind=row.kind,
            ),
            lang=language_of(row.language),
        )
        return Composed(
            subject=mail.subject,
            html=mail.html,
            text=mail.text,
            images=[InlineImage(cid, png) for cid, png in mail.images.items()],
            attachments=docs.attachments,
        )
