"""The reports as the officer who signs them reads them: rendered to PDF by LibreOffice and
read back page by page (pdfplumber), against the DOCX (python-docx) and the database.

Two sources: the hand-counted fixture (quarterly, 6-month and annual reports) and the demo
(`make run`'s sample plan, distributed to units, its demo items and the whole plan issued;
quarterly and annual). Each defect of issue 24 has a check that fails on it.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from docx import Document
from sqlmodel import Session, select

from tests.conftest import ROOT, SAMPLE_ORG, SAMPLE_PLAN, service_missing
from tests.integration.report_fixture import ITEMS, seed
from workflow.importer import parse_document, upsert_plan
from workflow.models import Plan, User
from workflow.reporting import charts
from workflow.reporting.build import build_report
from workflow.reporting.docx_report import render_docx
from workflow.reporting.pdf import docx_to_pdf, soffice_path
from workflow.reporting.snapshot import ReportSnapshot
from workflow.services.demo import seed_demo_items
from workflow.services.org import load_org
from workflow.services.plan_issue import issue_plan
from workflow.services.plan_units import apply_unit_mapping
from workflow.settings import Settings
from workflow.yamlio import load_yaml_with_lines

pytestmark = pytest.mark.integration

SETTINGS = Settings(signer_name="Lê Thị Lan")
LATE_NOW = datetime(2026, 12, 20, 2, 0, tzinfo=UTC)  # Sunday 20/12/2026 09:00 Hanoi
FIXTURE_REPORTS = [("quarterly", "2026Q1"), ("six_month", "2026H1"), ("annual", "2026")]
DEMO_REPORTS = [("quarterly", "2026Q4"), ("annual", "2026")]
# Pages an officer would accept for the demo's report (12 areas, 9 units, 15 indicators).
DEMO_MAX_PAGES = 11
FIXTURE_MAX_PAGES = 8


@dataclass
class Rendered:
    name: str
    snapshot: ReportSnapshot
    docx: Any  # python-docx Document
    pages: list[str]  # each page's text, NFC
    tables: list[list[list[list[str | None]]]]  # per page: tables found by pdfplumber


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _render(name: str, snapshot: ReportSnapshot, tmp: Path) -> Rendered:
    data = render_docx(snapshot, charts=charts.render_all(snapshot), settings=SETTINGS)
    src = tmp / f"{name}.docx"
    src.write_bytes(data)
    pdf = docx_to_pdf(src, tmp / "pdf")
    pages, tables = [], []
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            pages.append(_nfc(page.extract_text() or ""))
            tables.append(page.extract_tables())
    return Rendered(name, snapshot, Document(io.BytesIO(data)), pages, tables)


def _need_soffice() -> None:
    if soffice_path() is None:
        service_missing("LibreOffice (soffice, make office)", FileNotFoundError("soffice"))


def _in_rollback(pg_engine: Any) -> Iterator[Session]:
    with pg_engine.connect() as conn:
        trans = conn.begin()
        session = Session(bind=conn, join_transaction_mode="create_savepoint")
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        try:
            yield session
        finally:
            session.close()
            trans.rollback()


@pytest.fixture(scope="module")
def fixture_reports(pg_engine: Any, tmp_path_factory: Any) -> list[Rendered]:
    _need_soffice()
    tmp = tmp_path_factory.mktemp("fixture-reports")
    out = []
    for session in _in_rollback(pg_engine):
        seed(session)
        for kind, period in FIXTURE_REPORTS:
            run = build_report(
                session=session, now=LATE_NOW, kind=kind, period=period, settings=SETTINGS
            )
            out.append(_render(f"{kind}-{period}", ReportSnapshot.from_json(run.snapshot), tmp))
    return out


@pytest.fixture(scope="module")
def demo_reports(pg_engine: Any, tmp_path_factory: Any) -> list[Rendered]:
    """The sample plan distributed to units, the demo's items around 7/12/2026 and the rest
    of the plan issued, reported on 20/12/2026."""
    _need_soffice()
    tmp = tmp_path_factory.mktemp("demo-reports")
    now = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)
    out = []
    for session in _in_rollback(pg_engine):
        tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
        key = upsert_plan(session=session, tree=tree, now=now, source=SAMPLE_PLAN.name).plan_key
        plan_id = session.exec(select(Plan.id).where(Plan.key == key)).one()
        units = ROOT / "deploy" / "sample" / "task-units.yaml"
        mapping = load_yaml_with_lines(units.read_text(encoding="utf-8"), source="units")
        apply_unit_mapping(session=session, actor=None, plan_id=plan_id, mapping=mapping)
        seed_demo_items(session=session, now=now)
        director = session.exec(select(User).where(User.role == "director")).first()
        assert director is not None
        issue_plan(session=session, plan_id=plan_id, actor=director, now=now)
        for kind, period in DEMO_REPORTS:
            run = build_report(
                session=session, now=LATE_NOW, kind=kind, period=period, settings=SETTINGS
            )
            out.append(
                _render(f"demo-{kind}-{period}", ReportSnapshot.from_json(run.snapshot), tmp)
            )
    return out


def _all(fixture_reports: list[Rendered], demo_reports: list[Rendered]) -> list[Rendered]:
    return [*fixture_reports, *demo_reports]


def _docx_words(doc: Any) -> set[str]:
    texts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            texts.extend(cell.text for cell in row.cells)
    return {w for text in texts for w in _nfc(text).split()}


def _body(r: Rendered) -> str:
    return " ".join(" ".join(page.split()) for page in r.pages)


def _section(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0]


def test_the_last_page_holds_the_closing_text_recipients_and_the_signature(
    fixture_reports: list[Rendered], demo_reports: list[Rendered]
) -> None:
    for r in _all(fixture_reports, demo_reports):
        last = " ".join(r.pages[-1].split())
        for piece in ("Trên đây là báo cáo", "Nơi nhận:", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC"):
            assert piece in last, (r.name, piece)
        assert "Lê Thị Lan" in last, r.name
        # Nothing of the block on an earlier page: it moved whole.
        assert all("Nơi nhận:" not in p and "KT. GIÁM ĐỐC" not in p for p in r.pages[:-1])


def test_no_word_is_cut_and_stt_never_wraps(
    fixture_reports: list[Rendered], demo_reports: list[Rendered]
) -> None:
    """Every word the PDF shows is a word of the DOCX: a word broken over two lines of a
    narrow column ("ST"/"T", "08/08/202"/"6") shows as two words the DOCX lacks."""
    for r in _all(fixture_reports, demo_reports):
        known = _docx_words(r.docx)
        pages = {str(n) for n in range(1, len(r.pages) + 1)}  # the page numbers
        for n, page in enumerate(r.pages, start=1):
            strange = [w for w in page.split() if w not in known and w not in pages]
            assert strange == [], (r.name, n, strange)
        assert sum(p.split().count("STT") for p in r.pages) >= 2


def test_no_table_row_spans_two_pages_and_no_total_stands_alone(
    fixture_reports: list[Rendered], demo_reports: list[Rendered]
) -> None:
    """A row broken by a page break shows at the top of the next page as a row without its
    STT; the only row without one is the total, right under the header."""
    for r in _all(fixture_reports, demo_reports):
        for n, tables in enumerate(r.tables, start=1):
            for table in tables:
                if not table or (table[0][0] or "").strip() != "STT":
                    continue  # the borderless header and signature tables
                body = table[1:]
                for i, row in enumerate(body):
                    stt, name = (row[0] or "").strip(), (row[1] or "").strip()
                    if not stt:
                        assert name == "Tổng cộng" and i == 0, (r.name, n, row)
                    else:
                        assert stt.isdigit(), (r.name, n, row)
                assert body, (r.name, n, "a header alone on a page")
                assert not (len(body) == 1 and (body[0][1] or "") == "Tổng cộng"), (r.name, n)


def test_page_counts_stay_within_bounds(
    fixture_reports: list[Rendered], demo_reports: list[Rendered]
) -> None:
    for r in fixture_reports:
        assert len(r.pages) <= FIXTURE_MAX_PAGES, (r.name, len(r.pages))
    for r in demo_reports:
        assert len(r.pages) <= DEMO_MAX_PAGES, (r.name, len(r.pages))


def test_numbers_in_the_text_match_the_database(fixture_reports: list[Rendered]) -> None:
    """Q1 2026 from the fixture's table: 12 items in scope from 3 plan tasks and one item
    outside the plan; 9 due by the cutoff (c, g and n are not), 5 of them done."""
    quarterly = fixture_reports[0]
    in_scope = {"a", "b", "c", "d", "e", "f", "g", "h", "k", "m", "n", "o"}
    tasks = {ITEMS[n][0] for n in in_scope if ITEMS[n][0] is not None}
    outside = [n for n in in_scope if ITEMS[n][0] is None]
    text = _body(quarterly)
    assert (
        f"Tổng số {len(tasks) + len(outside)} nhiệm vụ ({len(in_scope)} lượt thực hiện); "
        "trong 9 lượt đến hạn, đã hoàn thành 5 (đạt 55,6%)" in text
    )
    assert "quá hạn chưa hoàn thành 4 (tổng cộng 18 ngày làm việc quá hạn)" in text
    t = quarterly.snapshot.totals
    assert (t.tasks, t.total, t.due, t.done) == (4, 12, 9, 5)


def test_wording_an_officer_signs_without_edits(
    fixture_reports: list[Rendered], demo_reports: list[Rendered]
) -> None:
    for r in _all(fixture_reports, demo_reports):
        text = _body(r)
        # No arrows, no zero boasts or zero counts, no English, decimal commas only.
        assert "→" not in text, r.name
        assert not re.search(r"\b0 đề nghị|triển khai 0 nhiệm vụ|hoàn thành 0/", text), r.name
        assert not re.search(r"\b(rank|task|tasks|overdue)\b", text), r.name
        assert not re.search(r"\d\.\d", text), (r.name, re.findall(r"\S*\d\.\d\S*", text))
        # The next period by name.
        assert "KỲ TỚI" not in text and "kỳ tới" not in text, r.name
        assert re.search(r"IV\. PHƯƠNG HƯỚNG, NHIỆM VỤ (QUÝ|6 THÁNG|NĂM) ", text), r.name
        # The areas lettered a), b), ... under II.2.
        areas = _section(text, "2. Kết quả theo từng lĩnh vực", "3. Kết quả thực hiện")
        assert areas.lstrip().startswith("a) ") and " b) " in areas, r.name
        # Strengths are improvements only.
        strengths = _section(text, "1. Ưu điểm", "2. Hạn chế")
        assert "quá hạn tăng" not in strengths and "giảm" not in strengths, r.name


def test_units_are_ranked_by_what_the_sentence_prints(demo_reports: list[Rendered]) -> None:
    """ "tập trung ở" names the units with the most overdue tasks, with those counts, most
    first: a unit with 3 is never left out for one with 1."""
    for r in demo_reports:
        text = _body(r)
        match = re.search(r"(?:tập trung ở|gồm): (.*?)\. ", text)
        if match is None:
            continue
        counts = [int(n) for n in re.findall(r"\((\d+) nhiệm vụ, \d+ ngày làm việc\)", match[1])]
        assert counts == sorted(counts, reverse=True) and counts, r.name
        late = sorted((u.counts.overdue for u in r.snapshot.by_unit), reverse=True)
        assert counts == late[: len(counts)], r.name


def test_indicator_table_is_compact_with_years_and_units(demo_reports: list[Rendered]) -> None:
    annual = demo_reports[-1]
    table = next(t for t in annual.docx.tables if t.rows[0].cells[1].text == "Chỉ tiêu")
    names = [row.cells[1].text for row in table.rows[1:]]
    # Names without their targets ("Tối thiểu 80% ...", "... đạt từ 30% trở lên").
    assert not any(re.search(r"\d+\s*%", n) for n in names), names
    assert all(len(n.split()) <= 42 for n in names), names
    targets = [row.cells[2].text for row in table.rows[1:]]
    assert all(re.search(r"\(năm 20\d\d", t) for t in targets if t != "-"), targets
    assert "trong top 10\n(năm 2030)" in targets
