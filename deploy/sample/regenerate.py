"""Regenerate the Word and PDF forms of the sample annual plans from their text form.

    .venv/bin/python deploy/sample/regenerate.py [ke-hoach-cchc-2027.md ...]

Reads each `ke-hoach-cchc-YYYY.md` (the text the importer reads; by default every one of
this folder: 2026 and 2027) and writes, next to it, the `.docx` as an office types it
(Times New Roman, bold headings, the task table as a Word table with merged area rows and
a header repeated on each page) and the `.pdf` converted from that DOCX by LibreOffice
(`soffice --headless --convert-to pdf`), a PDF with a text layer like a signed plan
exported from Word. The import tests check that the three forms give the same tasks and
deadlines.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import docx
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

HERE = Path(__file__).resolve().parent
SOURCES = sorted(HERE.glob("ke-hoach-cchc-[0-9][0-9][0-9][0-9].md"))
FONT = "Times New Roman"
# STT, Nội dung, Chủ trì, Phối hợp, Thời gian, Sản phẩm: 16.5 cm of A4 between the margins.
WIDTHS = (Cm(1.2), Cm(4.8), Cm(2.6), Cm(2.6), Cm(2.5), Cm(2.8))


def _row_flag(row: object, flag: str) -> None:
    """Set a Word row property (w:tblHeader repeats the row, w:cantSplit keeps it whole)."""
    tr_pr = row._tr.get_or_add_trPr()  # type: ignore[attr-defined]
    element = OxmlElement(f"w:{flag}")
    element.set(qn("w:val"), "true")
    tr_pr.append(element)


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _add_table(document: object, rows: list[list[str]]) -> None:
    table = document.add_table(rows=0, cols=len(rows[0]))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, width in zip(table.columns, WIDTHS, strict=True):
        column.width = width
    for r, values in enumerate(rows):
        row = table.add_row()
        _row_flag(row, "cantSplit")
        if r == 0:
            _row_flag(row, "tblHeader")
        group = r > 0 and sum(1 for v in values if v) == 1 and values[0]
        for c, cell in enumerate(row.cells):
            cell.width = WIDTHS[c]
        if group:
            merged = row.cells[0].merge(row.cells[-1])
            run = merged.paragraphs[0].add_run(values[0])
            run.bold = True
            continue
        for c, value in enumerate(values):
            paragraph = row.cells[c].paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(12)
            if r == 0:
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER


def build_docx(text: str) -> docx.document.Document:
    """The plan text as a Word document."""
    document = docx.Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    table: list[list[str]] = []
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        if line.startswith("|"):
            if line.replace("|", "").replace("-", "").strip():
                table.append(_cells(line))
            continue
        if table:
            _add_table(document, table)
            table = []
        if not line:
            continue
        paragraph = document.add_paragraph()
        if line.startswith("***") and line.endswith("***"):
            run = paragraph.add_run(line.strip("*"))
            run.bold = run.italic = True
        elif line.startswith("**") and line.endswith("**"):
            paragraph.add_run(line.strip("*")).bold = True
        else:
            paragraph.add_run(line)
            paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    return document


def main(argv: list[str]) -> int:
    sources = [HERE / Path(name).name for name in argv] or SOURCES
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    for source in sources:
        target = source.with_suffix(".docx")
        build_docx(source.read_text(encoding="utf-8")).save(str(target))
        if soffice is None:
            print("LibreOffice (soffice) is not installed: the PDF was not regenerated")
            return 1
        with tempfile.TemporaryDirectory() as profile:
            # A private profile: a running LibreOffice must not take the conversion over.
            subprocess.run(
                [soffice, f"-env:UserInstallation=file://{profile}", "--headless",
                 "--convert-to", "pdf", "--outdir", str(HERE), str(target)],
                check=True, capture_output=True, timeout=180,
            )  # fmt: skip
        print(f"wrote {target.name} and {target.with_suffix('.pdf').name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
