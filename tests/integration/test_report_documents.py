"""The fixture's Q1 2026 report rendered: DOCX (Nghị định 30 layout), XLSX, mail, PDF."""

from __future__ import annotations

import email
import io
import shutil
import smtplib
import socket
import subprocess
from email.header import decode_header, make_header
from email.message import Message
from email.policy import compat32
from pathlib import Path
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook
from sqlmodel import Session

from tests.conftest import service_missing
from tests.integration.report_fixture import BUILD_NOW, seed
from workflow.reporting import charts
from workflow.reporting.build import build_report
from workflow.reporting.docx_report import render_docx
from workflow.reporting.mail import render_mail
from workflow.reporting.pdf import docx_to_pdf, soffice_path
from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.xlsx_report import render_xlsx
from workflow.settings import Settings

SETTINGS = Settings(
    agency_parent_name="UBND TỈNH BẮC NINH",
    agency_place="Bắc Ninh",
    signer_name="Lê Thị Lan",
    report_recipients=["UBND tỉnh (để b/c)", "Giám đốc Sở (để b/c)"],
)


@pytest.fixture(scope="module")
def rendered(pg_engine: Any) -> tuple[ReportSnapshot, dict[str, bytes]]:
    """Build once per module (rolled back afterwards) and render the charts."""
    from tests.conftest import SAMPLE_ORG
    from workflow.services.org import load_org

    with pg_engine.connect() as conn:
        trans = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        seed(session)
        run = build_report(
            session=session, now=BUILD_NOW, kind="quarterly", period="2026Q1", settings=SETTINGS
        )
        snap = ReportSnapshot.from_json(run.snapshot)
        session.close()
        trans.rollback()
    return snap, charts.render_all(snap)


@pytest.fixture(scope="module")
def docx_bytes(rendered: tuple[ReportSnapshot, dict[str, bytes]]) -> bytes:
    snap, images = rendered
    return render_docx(snap, charts=images, settings=SETTINGS)


def texts(cell: Any) -> list[str]:
    return [p.text for p in cell.paragraphs if p.text]


def test_charts_are_png(rendered: tuple[ReportSnapshot, dict[str, bytes]]) -> None:
    snap, images = rendered
    assert set(images) == {"completion-by-area", "overdue-by-unit", "trend"}
    assert all(png.startswith(b"\x89PNG\r\n") for png in images.values())
    assert charts.trend(snap) == images["trend"]  # deterministic bytes


def test_docx_page_fonts_and_margins(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    sec = doc.sections[0]
    mm = [
        round(v.mm, 1)
        for v in (
            sec.page_width,
            sec.page_height,
            sec.top_margin,
            sec.bottom_margin,
            sec.left_margin,
            sec.right_margin,
        )
    ]
    assert mm == [210, 297, 20, 20, 30, 15]  # A4; margins of Nghị định 30
    normal = doc.styles["Normal"]
    assert (normal.font.name, normal.font.size) == ("Times New Roman", Pt(14))
    sizes = {
        run.font.size
        for p in doc.paragraphs
        for run in p.runs
        if run.text.strip() and run.font.size is not None
    }
    assert sizes <= {Pt(13), Pt(14)}
    assert {run.font.name for p in doc.paragraphs for run in p.runs if run.text.strip()} == {
        "Times New Roman"
    }


def test_docx_header_table_issuer_motto_number_and_date(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    header = doc.tables[0]
    assert len(header.columns) == 2
    assert 'w:val="nil"' in header._tbl.tblPr.xml  # borderless
    (issuer, motto), (number, place) = ([c for c in r.cells] for r in header.rows)
    assert texts(issuer) == ["UBND TỈNH BẮC NINH", "SỞ NỘI VỤ"]
    assert issuer.paragraphs[1].runs[0].font.bold
    assert texts(motto) == ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc"]
    assert all(p.runs[0].font.bold for p in motto.paragraphs if p.text)
    assert "w:pBdr" in motto._tc.xml  # the rule under the motto
    assert texts(number)[0].replace(" ", "") == "Số:/BC-SNV"
    assert texts(place) == ["Bắc Ninh, ngày 17 tháng 3 năm 2026"]
    assert place.paragraphs[-1].runs[0].font.italic
    body = [p.text for p in doc.paragraphs]
    i = body.index("BÁO CÁO")
    assert body[i + 1] == "Kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
    for heading in (
        "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH",
        "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH",
        "III. ĐÁNH GIÁ CHUNG",
        # The next period by name, not "kỳ tới".
        "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ QUÝ II NĂM 2026",
        "V. KIẾN NGHỊ, ĐỀ XUẤT",
    ):
        assert heading in body


def test_docx_signature_block_and_recipients(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    recipients, signer = doc.tables[-1].rows[0].cells
    assert texts(signer) == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Lê Thị Lan"]
    assert all(p.runs[0].font.bold for p in signer.paragraphs if p.text)
    assert texts(recipients) == [
        "Nơi nhận:",
        "- UBND tỉnh (để b/c);",
        "- Giám đốc Sở (để b/c);",
        "- Lưu: VT, CCHC.",
    ]
    first = recipients.paragraphs[0].runs[0].font
    assert (first.bold, first.italic, first.size) == (True, True, Pt(12))
    assert recipients.paragraphs[1].runs[0].font.size == Pt(11)


def test_docx_tables_carry_the_numbers(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    tables = {t.rows[0].cells[1].text: t for t in doc.tables[1:-1]}
    by_area = [[c.text for c in r.cells] for r in tables["Lĩnh vực"].rows]
    # Tasks, occurrences, due by the cutoff, done on time, late, in progress, overdue, rate
    # over what fell due; the total right under the header.
    assert by_area[1] == ["", "Tổng cộng", "4", "12", "9", "3", "2", "3", "4", "55,6"]
    assert by_area[2] == ["1", "Cải cách thể chế", "1", "7", "5", "2", "1", "2", "2", "60"]
    by_unit = {r.cells[1].text: [c.text for c in r.cells[2:7]] for r in tables["Đơn vị"].rows}
    assert by_unit["Phòng Cải cách hành chính"] == ["2", "6", "5", "2", "1"]
    overdue = [[c.text for c in r.cells] for r in tables["Nhiệm vụ"].rows[1:]]
    assert overdue[0] == ["1", "Nhiệm vụ k", "Phòng Cải cách hành chính", "27/02/2026", "10"]
    indicators = {r.cells[1].text: [c.text for c in r.cells[2:]] for r in tables["Chỉ tiêu"].rows}
    # The target of the report's year (on the path from 2025 to 2030) with its year, the
    # result with its unit and date (not the plan's sentence).
    assert indicators["Tỷ lệ hồ sơ TTHC được xử lý trực tuyến"] == [
        "≥ 84%\n(năm 2026, lộ trình đến năm 2030)",
        "92%\n(10/03/2026)",
        "Đạt tiến độ",
    ]
    assert len(doc.inline_shapes) == 3


def test_docx_tables_keep_stt_whole_and_the_total_with_its_rows(docx_bytes: bytes) -> None:
    doc = Document(io.BytesIO(docx_bytes))
    for table in doc.tables[1:-1]:
        first = table.rows[0].cells[0]
        assert first.text == "STT"
        # STT never wraps, in the header or a row; no row splits across pages; the header
        # repeats; a total row comes right under the header, never alone after a break.
        for row in table.rows:
            assert row.cells[0]._tc.tcPr.find(qn("w:noWrap")) is not None
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        names = [r.cells[1].text for r in table.rows]
        assert "Tổng cộng" not in names[2:]


def test_xlsx_appendix_cells(rendered: tuple[ReportSnapshot, dict[str, bytes]]) -> None:
    snap, _ = rendered
    wb = load_workbook(io.BytesIO(render_xlsx(snap)))
    assert wb.sheetnames == [
        "Theo lĩnh vực",
        "Theo đơn vị",
        "Nhiệm vụ quá hạn",
        "Chỉ tiêu",
        "Xu hướng",
    ]
    ws = wb["Theo lĩnh vực"]
    assert ws.freeze_panes == "C5"
    assert ws["B4"].value == "Lĩnh vực" and ws["B4"].font.b
    assert [c.value for c in ws[5]][:11] == [1, "Cải cách thể chế", 1, 7, 5, 2, 1, 2, 2, 7, 1]
    total = [c.value for c in ws[9]]
    assert total[1:11] == ["Tổng cộng", 4, 12, 9, 3, 2, 3, 4, 18, 2]
    assert total[11] == pytest.approx(5 / 9)
    assert ws["L9"].number_format == "0.0%"
    # The annex names its report and prints on A4 landscape, fitted to the width, the
    # header repeated on each page.
    assert ws["A2"].value.startswith("(Kèm theo Báo cáo số ")
    assert "/BC-SNV ngày 17/03/2026 của Sở Nội vụ)" in ws["A2"].value
    for sheet in wb.worksheets:
        assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
        assert sheet.page_setup.orientation == "landscape"
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
        assert sheet.print_title_rows == "$4:$4"
    od = wb["Nhiệm vụ quá hạn"]
    assert [od["B5"].value, od["D5"].value, od["E5"].value, od["G5"].value] == [
        "Nhiệm vụ k",
        "Phòng Cải cách hành chính",
        "Cao Văn Nam",
        10,
    ]
    assert od["F5"].number_format == "dd/mm/yyyy"
    ind = wb["Chỉ tiêu"]
    assert [ind["E5"].value, ind["G5"].value, ind["H5"].value, ind["J5"].value] == [
        2026,
        90,
        50,
        "Chậm tiến độ",
    ]
    trend = wb["Xu hướng"]
    # Periods without work are left out, and periods are named, never "2025Q4".
    assert [trend["B5"].value, trend["D5"].value, trend["F5"].value] == ["quý IV năm 2025", 12, 1]
    assert trend["B6"].value == "quý I năm 2026" and trend["B7"].value is None


def test_mail_parts_and_deputy_scope(rendered: tuple[ReportSnapshot, dict[str, bytes]]) -> None:
    snap, images = rendered
    mail = render_mail(snap, charts=images, settings=SETTINGS)
    assert mail.subject == (
        "[Sở Nội vụ] Báo cáo kết quả thực hiện công tác cải cách hành chính quý I năm 2026"
    )
    assert (
        "Tổng số 4 nhiệm vụ (12 lượt thực hiện); trong 9 lượt đến hạn, đã hoàn thành 5"
        " (đạt 55,6%)" in mail.text
    )
    assert "Nhiệm vụ k | Phòng Cải cách hành chính | Cao Văn Nam | hạn 27/02/2026 | quá 10" in (
        mail.text
    )
    for cid in mail.images:
        assert f'src="cid:{cid}"' in mail.html
    # Each indicator once: its name, the year's target, the reading with its unit.
    assert (
        "- Tỷ lệ hồ sơ TTHC được xử lý trực tuyến: mục tiêu ≥ 84% (2026); kết quả 92%"
        " (10/03/2026); Đạt tiến độ" in mail.text
    )
    assert "đến năm 2030" not in mail.text and "hạng 8" in mail.text
    scoped = render_mail(snap, charts=images, settings=SETTINGS, unit_codes={"TCBC"})
    # A deputy's mail keeps to their units throughout: the headline and no agency trend.
    assert "Tổng số 1 nhiệm vụ (3 lượt thực hiện)" in scoped.text
    assert "so với quý IV năm 2025" in mail.text and "so với" not in scoped.text
    assert "Nhiệm vụ k" not in scoped.text and "Nhiệm vụ e" in scoped.text
    assert scoped.subject.endswith("(các đơn vị phụ trách)")


def test_mail_in_english_translates_words_and_keeps_recorded_names(
    rendered: tuple[ReportSnapshot, dict[str, bytes]],
) -> None:
    snap, images = rendered
    mail = render_mail(snap, charts=images, settings=SETTINGS, lang="en")
    assert mail.subject == "[Sở Nội vụ] Report: Administrative reform results, Q1 2026"
    assert (
        "4 tasks in total (12 occurrences); of 9 occurrences due, 5 done (55.6%), 3 on time"
        " and 2 late;" in mail.text
    )
    assert "(18 working days overdue in all)" in mail.text
    # Area, unit, item and people names are the data's; the report's own row is translated.
    assert "- Cải cách thể chế: 7 / 2 / 1 / 2 / 2" in mail.text
    assert "- Other tasks (outside the plan): 1 / 0 / 0 / 0 / 1" in mail.text
    assert "Nhiệm vụ o | Thanh tra | Ngô Thị Bình | due 12 Mar 2026 | 1 working day late" in (
        mail.text
    )
    assert "Figures as of 00:00 on 15 Mar 2026" in mail.html
    assert "Off track" in mail.html and "Chậm tiến độ" not in mail.html
    assert set(mail.images) == set(render_mail(snap, charts=images, settings=SETTINGS).images)
    fallback = render_mail(snap, charts=images, settings=SETTINGS, lang="fr")
    assert fallback.subject.startswith("[Sở Nội vụ] Báo cáo kết quả")


def test_mail_html_escapes_item_titles(rendered: tuple[ReportSnapshot, dict[str, bytes]]) -> None:
    snap, images = rendered
    evil = snap.overdue_items[0].model_copy(update={"title": "<script>x</script>"})
    tampered = snap.model_copy(update={"overdue_items": [evil]})
    mail = render_mail(tampered, charts=images, settings=SETTINGS)
    assert "<script>" not in mail.html and "&lt;script&gt;x&lt;/script&gt;" in mail.html
    assert "<script>x</script>" in mail.text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_mail_arrives_intact_at_a_real_smtp_server(
    rendered: tuple[ReportSnapshot, dict[str, bytes]],
) -> None:
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Collect:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            received.append(envelope.content)
            return "250 OK"

    snap, images = rendered
    mail = render_mail(snap, charts=images, settings=SETTINGS)
    port = _free_port()
    controller = Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        msg = mail.to_mime(
            sender="planflow@sonoivu.example.vn",
            sender_name="Hệ thống giao việc Sở Nội vụ",
            recipients=["gd.minh@sonoivu.example.vn"],
            now=BUILD_NOW,
        )
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.sendmail(
                "planflow@sonoivu.example.vn",
                ["gd.minh@sonoivu.example.vn"],
                msg.as_bytes(policy=compat32.clone(linesep="\r\n")),
            )
    finally:
        controller.stop()
    got = email.message_from_bytes(received[0])
    assert str(make_header(decode_header(got["Subject"]))) == mail.subject
    parts: dict[str, Message] = {}
    cids: dict[str, bytes] = {}
    for part in got.walk():
        if part.get_content_maintype() == "multipart":
            continue
        if part["Content-ID"]:
            cids[part["Content-ID"].strip("<>")] = part.get_payload(decode=True)
        else:
            parts[part.get_content_type()] = part
    html = parts["text/html"].get_payload(decode=True).decode("utf-8")
    text = parts["text/plain"].get_payload(decode=True).decode("utf-8")
    assert cids == mail.images
    assert "Tổng số 4 nhiệm vụ" in text and "Cao Văn Nam" in html
    assert "55,6%" in html


def test_pdf_from_docx(docx_bytes: bytes, tmp_path: Path) -> None:
    if soffice_path() is None:
        # `make test` installs it (make office); only a bare pytest run may lack it.
        service_missing("LibreOffice (soffice, make office)", FileNotFoundError("soffice"))
    src = tmp_path / "bao-cao.docx"
    src.write_bytes(docx_bytes)
    pdf = docx_to_pdf(src, tmp_path / "out")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000
    pdftotext = shutil.which("pdftotext")
    if pdftotext is not None:
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, check=True, text=True
        ).stdout
        # The Vietnamese text survives the conversion (fonts with the diacritics).
        assert "BÁO CÁO" in text and "Sở Nội vụ".upper() in text.upper()
