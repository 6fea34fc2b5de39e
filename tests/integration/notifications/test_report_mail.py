"""The periodic report by mail, end to end on PostgreSQL and a real aiosmtpd server.

The Q1 2026 fixture's numbers (tests/integration/report_fixture.py) reach the Director in
full and each deputy director for the units they oversee (deploy/sample/org.yaml):
pgd.dong oversees CCVC, CCHC and VTLT, so sees CCHC's 6 items and its overdue k and d,
never TCBC's overdue e.
"""

from __future__ import annotations

import io
import random
import re
from datetime import datetime
from email.header import decode_header, make_header
from email.message import Message

from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, col, func, select

from notifications.delivery import deliver_outbox
from notifications.models import Notification
from notifications.preferences import apply_unsubscribe
from notifications.reports import report_recipients, send_report
from notifications.senders.smtp import SmtpSender
from tests.conftest import service_missing
from tests.integration.report_fixture import BUILD_NOW, seed
from tests.mail_links import is_page, links_in
from tests.smtp_sink import SmtpSink
from workflow.models import ReportRun
from workflow.models.org import User
from workflow.reporting.build import build_report
from workflow.reporting.pdf import soffice_path
from workflow.settings import Settings

STEM = "bao-cao-quarterly-2026Q1"


def _deliver(session: Session, now: datetime, settings: Settings) -> int:
    result = deliver_outbox(
        session=session,
        now=now,
        sender=SmtpSender(settings),
        settings=settings,
        rng=random.Random(1),
    )
    return result.sent


def _subject(msg: Message) -> str:
    return str(make_header(decode_header(str(msg["Subject"]))))


def _text(msg: Message, subtype: str) -> str:
    for part in msg.walk():
        if part.get_content_type() == f"text/{subtype}":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            return payload.decode("utf-8")
    raise AssertionError(f"no text/{subtype} part")


def _images(msg: Message) -> dict[str, bytes]:
    found = {}
    for part in msg.walk():
        if part.get_content_maintype() == "image":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[str(part["Content-ID"]).strip("<>")] = payload
    return found


def _attachments(msg: Message) -> dict[str, bytes]:
    found = {}
    for part in msg.walk():
        if part.get_content_disposition() == "attachment":
            payload = part.get_payload(decode=True)
            assert isinstance(payload, bytes)
            found[str(part.get_filename())] = payload
    return found


def _one(sink: SmtpSink, user: User) -> Message:
    received = sink.to(user.email)
    assert len(received) == 1, f"{user.username}: {len(received)} messages"
    return received[0].message()


def test_director_and_deputies_receive_their_numbers_once(
    org: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings
) -> None:
    if soffice_path() is None:  # `make test` installs it (make office)
        service_missing("LibreOffice (soffice, make office)", FileNotFoundError("soffice"))
    seed(org)
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    assert run.sent_at is None
    assert send_report(session=org, now=BUILD_NOW, run=run, settings=smtp_settings) == 4
    assert run.sent_at == BUILD_NOW
    assert _deliver(org, BUILD_NOW, smtp_settings) == 4

    director = _one(sink, users["gd.minh"])
    assert _subject(director) == (
        "[Sở Nội vụ] Báo cáo kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
    )
    text = _text(director, "plain")
    assert (
        "Tổng số 4 nhiệm vụ (12 lượt thực hiện); trong 9 lượt đến hạn, đã hoàn thành 5 (đạt 55,6%)"
    ) in text
    assert "(tổng cộng 18 ngày làm việc quá hạn)" in text
    assert "- Phòng Cải cách hành chính: 6 / 2 / 1 / 1 / 2, 15 ngày LV" in text
    assert "- Phòng Tổ chức biên chế: 3 / 1 / 0 / 1 / 1, 2 ngày LV" in text
    assert "Nhiệm vụ e | Phòng Tổ chức biên chế | Phan Thị Hoa" in text

    deputy = _one(sink, users["pgd.dong"])
    assert _subject(deputy).endswith("quý I năm 2026 (các đơn vị phụ trách)")
    mine = _text(deputy, "plain")
    assert (
        "Tổng số 2 nhiệm vụ (6 lượt thực hiện); trong 5 lượt đến hạn, đã hoàn thành 3 (đạt 60%)"
        in mine
    )
    assert "quá hạn chưa hoàn thành 2 (tổng cộng 15 ngày làm việc quá hạn)" in mine
    assert "- Phòng Cải cách hành chính: 6 / 2 / 1 / 1 / 2, 15 ngày LV" in mine
    assert "Nhiệm vụ k | Phòng Cải cách hành chính | Cao Văn Nam | hạn 27/02/2026 | quá 10" in mine
    html = _text(deputy, "html")
    for other in ("Phòng Tổ chức biên chế", "Nhiệm vụ e", "Thanh tra", "Nhiệm vụ o"):
        assert other not in mine and other not in html
    hung = _text(_one(sink, users["pgd.hung"]), "plain")
    assert "Tổng số 2 nhiệm vụ (3 lượt thực hiện)" in hung and "Nhiệm vụ o | Thanh tra" in hung

    # Every cid: in the HTML resolves to a PNG part with that Content-ID, and vice versa.
    for msg, count in ((director, 3), (deputy, 1)):
        html = _text(msg, "html")
        images = _images(msg)
        assert set(re.findall(r'src="cid:([^"]+)"', html)) == set(images)
        assert len(images) == count
        assert all(png.startswith(b"\x89PNG\r\n") for png in images.values())

    # The official DOCX and the XLSX appendix, whole for every recipient ("Nơi nhận").
    for msg in (director, deputy):
        files = _attachments(msg)
        # The PDF too, as the Director reads it on a phone (LibreOffice renders it).
        assert set(files) == {f"{STEM}.docx", f"{STEM}.pdf", f"{STEM}-phu-luc.xlsx"}
        assert files[f"{STEM}.pdf"].startswith(b"%PDF")
        doc = Document(io.BytesIO(files[f"{STEM}.docx"]))
        tables = {t.rows[0].cells[1].text: t for t in doc.tables[1:-1]}
        total = [c.text for c in tables["Lĩnh vực"].rows[1].cells]  # right under the header
        assert total[1:10] == ["Tổng cộng", "4", "12", "9", "3", "2", "3", "4", "55,6"]
        ws = load_workbook(io.BytesIO(files[f"{STEM}-phu-luc.xlsx"]))["Theo lĩnh vực"]
        assert [c.value for c in ws[9]][1:11] == ["Tổng cộng", 4, 12, 9, 3, 2, 3, 4, 18, 2]

    # A second run queues and sends nothing.
    assert send_report(session=org, now=BUILD_NOW, run=run, settings=smtp_settings) == 0
    assert _deliver(org, BUILD_NOW, smtp_settings) == 0
    assert len(sink.received) == 4


def test_recipients_skip_inactive_users_and_deputies_without_units(
    org: Session, users: dict[str, User]
) -> None:
    lan = users["pgd.lan"]
    hung = users["pgd.hung"]
    lan.is_active = False
    org.add(lan)
    from workflow.models.org import Unit

    for unit in org.exec(select(Unit).where(Unit.overseer_id == hung.id)):
        unit.overseer_id = None
        org.add(unit)
    org.flush()
    got = {u.username: codes for u, codes in report_recipients(session=org)}
    assert got == {"gd.minh": None, "pgd.dong": ["CCHC", "CCVC", "VTLT"]}


def test_the_scheduled_job_builds_and_queues_each_report_once(org: Session) -> None:
    from tasks import glue

    seed(org)
    first = glue.reports(session=org, now=BUILD_NOW, since=None)
    # Due on Tuesday 17/03: Q1 (sent 3 working days before 20/03) and last week's digest.
    assert sorted(k.split(":")[0] for k in first.built) == ["quarterly", "weekly"]
    assert first.mails == 8
    runs = org.exec(select(ReportRun)).all()
    assert all(r.sent_at == BUILD_NOW for r in runs)
    again = glue.reports(session=org, now=BUILD_NOW, since=None)
    # A rerun builds nothing new (the runs are frozen) and queues nothing twice.
    assert (again.built, again.mails) == ([], 0)
    keys = org.exec(select(Notification.dedup_key).order_by(col(Notification.dedup_key))).all()
    assert len(keys) == 8 and all(k.startswith("report:") for k in keys)
    count = org.exec(select(func.count()).select_from(Notification)).one()
    assert count == 8


def test_each_recipient_reads_the_mail_in_their_language_with_the_vietnamese_documents(
    org: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings
) -> None:
    if soffice_path() is None:  # `make test` installs it (make office)
        service_missing("LibreOffice (soffice, make office)", FileNotFoundError("soffice"))
    seed(org)
    dong = users["pgd.dong"]
    dong.language = "en"
    org.add(dong)
    org.flush()
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    assert send_report(session=org, now=BUILD_NOW, run=run, settings=smtp_settings) == 4
    rows = org.exec(select(Notification).where(Notification.kind == "report")).all()
    assert {r.recipient_email: r.language for r in rows}[dong.email] == "en"
    assert _deliver(org, BUILD_NOW, smtp_settings) == 4
    # A rerun, queued or delivered, reaches nobody a second time in either language.
    assert send_report(session=org, now=BUILD_NOW, run=run, settings=smtp_settings) == 0
    assert _deliver(org, BUILD_NOW, smtp_settings) == 0

    deputy = _one(sink, dong)
    assert _subject(deputy) == (
        "[Sở Nội vụ] Report: Administrative reform results, Q1 2026 (units you oversee)"
    )
    text = _text(deputy, "plain")
    assert "Figures from 15 Dec 2025 to 14 Mar 2026 (the units you oversee)" in text
    assert (
        "2 tasks in total (6 occurrences); of 5 occurrences due, 3 done (60%), 2 on time and 1"
        " late" in text
    )
    assert "2 overdue and not done (15 working days overdue in all)" in text
    # The trend is the agency's: a deputy's mail keeps to their units throughout.
    assert "completion rate" not in text
    assert "- Phòng Cải cách hành chính: 6 / 2 / 1 / 1 / 2, 15 working days" in text
    assert (
        "Nhiệm vụ k | Phòng Cải cách hành chính | Cao Văn Nam | due 27 Feb 2026 "
        "| 10 working days late"
    ) in text
    html = _text(deputy, "html")
    assert '<html lang="en">' in html and "By lead unit" in html
    for word in ("Tổng số", "Quá hạn", "Số liệu", "ngày LV", "Nhiệm vụ quá hạn"):
        assert word not in text and word not in html
    assert "Tổng cộng" not in html and "Nhiệm vụ e" not in html  # still only their units

    director = _one(sink, users["gd.minh"])
    assert _subject(director) == (
        "[Sở Nội vụ] Báo cáo kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
    )
    assert (
        "Tổng số 4 nhiệm vụ (12 lượt thực hiện); trong 9 lượt đến hạn, đã hoàn thành 5 (đạt 55,6%)"
    ) in _text(director, "plain")
    assert '<html lang="vi">' in _text(director, "html")

    # The documents are the official Vietnamese form whatever the mail's language.
    english, vietnamese = _attachments(deputy), _attachments(director)
    assert (
        set(english) == set(vietnamese) == {f"{STEM}.docx", f"{STEM}.pdf", f"{STEM}-phu-luc.xlsx"}
    )
    assert english[f"{STEM}.docx"] == vietnamese[f"{STEM}.docx"]
    doc = Document(io.BytesIO(english[f"{STEM}.docx"]))
    assert any(p.text == "BÁO CÁO" for p in doc.paragraphs)
    sheets = load_workbook(io.BytesIO(english[f"{STEM}-phu-luc.xlsx"])).sheetnames
    assert "Theo lĩnh vực" in sheets


def test_report_mail_carries_a_working_unsubscribe_link(
    org: Session, users: dict[str, User], sink: SmtpSink, smtp_settings: Settings
) -> None:
    seed(org)
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    send_report(session=org, now=BUILD_NOW, run=run, settings=smtp_settings)
    _deliver(org, BUILD_NOW, smtp_settings)
    hung = users["pgd.hung"]
    mail = _one(sink, hung)
    header = str(mail["List-Unsubscribe"])
    token = header.strip("<>").rsplit("/unsubscribe/", 1)[1]
    # The mail's links: the run's page, the settings page and the same opt-out, all pages.
    base = smtp_settings.base_url.rstrip("/")
    links = links_in(_text(mail, "html"), _text(mail, "plain"))
    assert links == {
        f"{base}/ui/reports/{run.id}",
        f"{base}/ui/settings/notifications",
        header.strip("<>"),
    }
    assert all(is_page(u) for u in links)
    asked = apply_unsubscribe(session=org, settings=smtp_settings, token=token, now=BUILD_NOW)
    assert (asked.user_id, asked.kind) == (hung.id, "report")

    weekly = build_report(session=org, now=BUILD_NOW, kind="weekly", period="2026-W11")
    send_report(session=org, now=BUILD_NOW, run=weekly, settings=smtp_settings)
    statuses = {
        r.recipient_email: r.status
        for r in org.exec(
            select(Notification).where(
                col(Notification.dedup_key).startswith(f"report:{weekly.id}:")
            )
        )
    }
    assert statuses[hung.email] == "skipped"
    assert statuses[users["gd.minh"].email] == "pending"
