"""PDF plans and the sample annual task-table plan in its three forms (text, DOCX, PDF)."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import date
from pathlib import Path

import docx
import matplotlib
import pytest

from deploy.sample.regenerate import build_docx
from tests.conftest import ROOT, service_missing
from workflow.calendar import WorkCalendar
from workflow.errors import InvalidInput
from workflow.importer import parse_document
from workflow.importer.lines import Table
from workflow.importer.pdf_source import pdf_blocks
from workflow.importer.preview import TaskPreview, preview_tasks

matplotlib.use("Agg")
from matplotlib import pyplot

SAMPLE = ROOT / "deploy" / "sample" / "ke-hoach-cchc-2026"
FORMS = ("md", "docx", "pdf")
TODAY = date(2026, 1, 15)


def _previews(form: str) -> list[TaskPreview]:
    path = SAMPLE.with_suffix(f".{form}")
    tree = parse_document(path.read_bytes(), source=path.name)
    return preview_tasks(tree, calendar=WorkCalendar(), today=TODAY)


def _facts(p: TaskPreview) -> tuple[object, ...]:
    return (p.number, p.text, p.lead_unit, p.supporting_units, p.due_text, p.due_kind, p.due,
            p.due_working_day, p.recurrence, p.warning, p.product)  # fmt: skip


def test_the_three_forms_give_the_same_plan() -> None:
    trees = [
        parse_document(SAMPLE.with_suffix(f".{f}").read_bytes(), source=f"p.{f}") for f in FORMS
    ]
    assert trees[1] == trees[0] and trees[2] == trees[0]
    text = trees[0]
    assert (text.start_year, text.end_year) == (2026, 2026)  # not the cited 2021-2030
    assert text.reporting_duty is not None and text.reporting_duty.day == 10
    assert text.counts() == {"areas": 6, "objectives": 0, "indicators": 0, "targets": 0,
                             "tasks": 23, "subtasks": 1}  # fmt: skip


def test_the_three_forms_give_the_same_tasks_and_deadlines() -> None:
    by_form = {form: [_facts(p) for p in _previews(form)] for form in FORMS}
    assert by_form["docx"] == by_form["md"]
    assert by_form["pdf"] == by_form["md"]
    previews = {p.number: p for p in _previews("pdf")}
    assert len(previews) == 24
    assert all(p.warning is None for p in previews.values())
    assert previews["1.1"].due == date(2026, 6, 30)
    assert previews["1.1"].product == "Báo cáo kết quả rà soát"
    # Sunday 31/05/2026 is shown with the working day it becomes.
    assert (previews["5.1"].due, previews["5.1"].due_working_day) == (
        date(2026, 5, 31),
        date(2026, 6, 1),
    )
    assert previews["5.1"].due_shown == "31/05/2026 (Chủ nhật) → 01/06/2026"
    # Recurring and ongoing work follows the plan's "trước ngày 10 của tháng cuối quý".
    assert previews["2.2"].recurrence == "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=10"
    assert previews["1.3"].due_kind == "ongoing"
    assert previews["2.3.1"].lead_unit == "Chi cục Văn thư - Lưu trữ"
    assert previews["1.2"].supporting_units == ["Văn phòng", "Phòng Tổ chức biên chế"]


def test_a_table_over_several_pages_is_one_table() -> None:
    blocks = pdf_blocks(SAMPLE.with_suffix(".pdf").read_bytes(), source="p.pdf")
    tables = [b for b in blocks if isinstance(b, Table)]
    assert len(tables) == 1
    pages = {loc.split(" table")[0] for loc in tables[0].row_locs}
    assert len(pages) >= 2  # the sample's table spans pages; the repeated header is dropped
    assert sum(1 for row in tables[0].rows if "Nội dung" in row) == 1


def test_the_committed_docx_matches_the_generator() -> None:
    buffer = io.BytesIO()
    build_docx(SAMPLE.with_suffix(".md").read_text(encoding="utf-8")).save(buffer)
    fresh = parse_document(buffer.getvalue(), source="fresh.docx")
    committed = parse_document(SAMPLE.with_suffix(".docx").read_bytes(), source="p.docx")
    assert fresh == committed


def _scanned_pdf() -> bytes:
    """An image-only PDF, as a scanner makes: pixels and no text."""
    figure = pyplot.figure(figsize=(2, 2))
    figure.figimage([[0.0, 1.0], [1.0, 0.0]] * 50, cmap="gray")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    pyplot.close(figure)
    return buffer.getvalue()


def test_a_scanned_pdf_is_refused_saying_so() -> None:
    with pytest.raises(InvalidInput, match=r"scan\.pdf: line 1: the PDF has no text layer: it "
                       r"looks scanned; import the DOCX or an OCR'd PDF"):  # fmt: skip
        parse_document(_scanned_pdf(), source="scan.pdf")


@pytest.mark.parametrize("data", [b"%PDF-1.7\nnot really", b"not a pdf at all"])
def test_a_broken_pdf_is_a_clear_error(data: bytes) -> None:
    with pytest.raises(InvalidInput, match=r"broken\.pdf: line 1: (not a valid|damaged) PDF"):
        parse_document(data, source="broken.pdf")


def test_a_table_continued_without_a_header_is_joined(tmp_path: Path) -> None:
    """Word without "repeat header row": the next page's part has no header row, and a
    row the page break cuts in two is one task."""
    if shutil.which("soffice") is None:  # LibreOffice converts the PDF (`make office`)
        service_missing("LibreOffice (soffice)", FileNotFoundError("soffice not on PATH"))
    document = docx.Document()
    document.add_paragraph().add_run("KẾ HOẠCH").bold = True
    document.add_paragraph().add_run("Công tác năm 2026").bold = True
    document.add_paragraph("I. NHIỆM VỤ")
    rows = [["STT", "Nội dung", "Đơn vị chủ trì", "Thời gian hoàn thành"]]
    rows.append(["1. Cải cách thể chế", "", "", ""])
    rows += [[str(n), f"Nhiệm vụ số {n} của năm", "Văn phòng", f"Tháng {n % 12 + 1}/2026"]
             for n in range(1, 61)]  # fmt: skip
    table = document.add_table(rows=len(rows), cols=4)
    table.style = "Table Grid"
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    source = tmp_path / "long.docx"
    document.save(str(source))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = (tmp_path / "long.pdf").read_bytes()
    tree = parse_document(pdf, source="long.pdf")
    tasks = tree.areas[0].tasks
    assert [t.text for t in tasks] == [f"Nhiệm vụ số {n} của năm" for n in range(1, 61)]
    assert tasks[-1].due_text == "Tháng 1/2026" and tasks[-1].loc.startswith("page 3")
