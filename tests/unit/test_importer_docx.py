"""DOCX input and the task-table form; documents are generated here, never committed."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from tests.conftest import SAMPLE_PLAN
from tests.plan_docs import docx_from_text, table_docx, table_markdown
from workflow.errors import InvalidInput
from workflow.importer import parse_document
from workflow.importer.docx_source import docx_blocks
from workflow.importer.lines import Table


def test_docx_of_the_sample_gives_the_same_tree_as_the_text() -> None:
    text = SAMPLE_PLAN.read_text(encoding="utf-8")
    from_text = parse_document(text.encode(), source="plan.txt")
    from_docx = parse_document(docx_from_text(text), source="plan.docx")
    assert from_docx == from_text
    assert from_docx.counts()["subtasks"] == 3
    # Positions are Word paragraphs, not text lines.
    assert from_docx.areas[0].tasks[0].loc.startswith("paragraph ")


@pytest.mark.parametrize("as_docx", [True, False])
def test_task_table_form(as_docx: bool) -> None:
    data = table_docx() if as_docx else table_markdown().encode()
    tree = parse_document(data, source="plan.docx" if as_docx else "plan.md")
    assert tree.title == "Triển khai nhiệm vụ cải cách hành chính năm 2024"
    assert tree.number == "12/KH-SNV"
    assert tree.issued_on is not None and tree.issued_on.isoformat() == "2024-03-05"
    assert tree.legal_basis == ["Quyết định số 50/QĐ-UBND ngày 10/01/2024"]
    assert [(a.number, a.title) for a in tree.areas] == [
        (1, "Cải cách thể chế"),
        (2, "Cải cách thủ tục hành chính"),
    ]
    first, second = tree.areas[0].tasks
    assert first.text == "Rà soát văn bản quy phạm pháp luật"
    assert (first.lead_unit, first.supporting_units) == ("Thanh tra", ["Văn phòng", "TCBC"])
    assert (first.due_text, first.product) == ("Quý II", "Báo cáo")
    assert [c.text for c in second.children] == ["Kiểm tra việc thi hành"]
    assert second.children[0].lead_unit == "CCHC"
    assert tree.areas[1].tasks[0].lead_unit == "Văn phòng"
    where = "table 1 row 3" if as_docx else "line 2"
    assert first.loc.startswith(where.split()[0])


def test_table_without_content_column_is_refused() -> None:
    rows = [["STT", "Việc", "Ai"], ["1", "Làm", "VP"]]
    with pytest.raises(InvalidInput, match=r"table 1 row 1: a task table needs a 'Nội dung'"):
        parse_document(table_docx(rows), source="plan.docx")


def test_task_row_before_any_area_names_the_row() -> None:
    rows = [["Nội dung", "Đơn vị chủ trì"], ["Làm việc A", "VP"]]
    with pytest.raises(InvalidInput, match=r"table 1 row 2: a task row before any area"):
        parse_document(table_docx(rows), source="plan.docx")


def _broken_docx() -> bytes:
    good = io.BytesIO(docx_from_text("**1. A**\n\nb) Nhiệm vụ\n\n- Việc.\n"))
    out = io.BytesIO()
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            body = zin.read(item.filename)
            if item.filename == "word/document.xml":
                body = body[: len(body) // 2]
            zout.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"PK\x03\x04 this is not really a zip", r"line 1: not a valid \.docx"),
        (b"plain text that is no zip", r"line 1: not a valid \.docx"),
        (_broken_docx(), r"line 1: damaged \.docx"),
    ],
)
def test_corrupt_docx_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_document(data, source="plan.docx")


def test_empty_docx_is_empty() -> None:
    with pytest.raises(InvalidInput, match=r"line 1: the file is empty"):
        parse_document(docx_from_text(""), source="plan.docx")


def test_merged_table_cells_read_as_python_docx_gives_them() -> None:
    """The one-pass table reader repeats a horizontally merged cell across its columns and a
    vertically merged one down its rows, as `row.cells` does (which is quadratic)."""
    document = docx.Document()
    table = document.add_table(rows=6, cols=4)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.text = f"r{r}c{c}"
    table.cell(0, 0).merge(table.cell(0, 3))  # a group row merged across
    table.cell(1, 2).merge(table.cell(5, 2))  # one lead unit for five rows
    table.cell(2, 0).merge(table.cell(3, 1))  # a block of two by two
    expected = [[c.text.strip() for c in row.cells] for row in table.rows]
    buffer = io.BytesIO()
    document.save(buffer)
    [block] = docx_blocks(buffer.getvalue(), source="t.docx")
    assert isinstance(block, Table)
    assert block.rows == expected
    assert block.rows[4][2] == block.rows[1][2] != ""
