"""PDF input with a text layer (pdfplumber): lines and ruled tables in page order, as source
blocks, so the parser reads a signed plan's PDF like its DOCX.

A line set wholly in a bold font counts as emphasised (`**…**` in the text grammar), which
is how the title and headings are told apart. A table is found by its ruling lines; its
cells' wrapped lines are joined with spaces. A table that goes on over a page break is one
table: a continuation whose first row repeats the header (Word's "repeat header row") or that
has no header at all is appended to the table before it, and a row broken by the page (no
STT of its own in a numbered table) is joined to the row it continues. Positions are
"page P line L" and "page P table T row R". A PDF without any text (a scan) is refused:
OCR is not done here.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pdfplumber
from pdfminer.pdfparser import PDFSyntaxError
from pdfplumber.utils.exceptions import PdfminerException

from workflow.errors import InvalidInput
from workflow.importer.lines import Block, Line, Table, classify, clean
from workflow.importer.table import column_map

PDF_MAGIC = b"%PDF-"
SCANNED = "the PDF has no text layer: it looks scanned; import the DOCX or an OCR'd PDF"
# A number or date broken after its dash or slash joins without a space ("2021-" / "2030").
_BROKEN_NUMBER_RE = re.compile(r"(?<=\d[-/])\n(?=\d)")
_BROKEN_END_RE = re.compile(r"\d[-/]$")
_AREA_ROW_RE = re.compile(r"^\d{1,2}\.\s+\S")
# Page numbers ("2", "- 2 -", "Trang 2/5") are not part of the plan.
_PAGE_NUMBER_RE = re.compile(r"^(?:[-–\s]*\d{1,3}[-–\s]*|Trang \d+(?:/\d+)?)$", re.IGNORECASE)


def _cell(value: str | None) -> str:
    if not value:
        return ""
    return clean(_BROKEN_NUMBER_RE.sub("", value).replace("\n", " "))[0]


def _is_bold(chars: list[dict[str, Any]]) -> bool:
    fonts = [str(c.get("fontname", "")) for c in chars if str(c.get("text", "")).strip()]
    return bool(fonts) and all("bold" in f.casefold() for f in fonts)


def _page_blocks(page: Any, page_no: int) -> list[tuple[float, Block]]:
    found = page.find_tables()
    boxes = [table.bbox for table in found]

    def outside_tables(obj: dict[str, Any]) -> bool:
        # By the centre: a line right under a table touches its box without being in it.
        x = (float(obj.get("x0", 0)) + float(obj.get("x1", 0))) / 2
        y = (float(obj.get("top", 0)) + float(obj.get("bottom", 0))) / 2
        return not any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)

    outside = page.filter(outside_tables) if boxes else page
    items: list[tuple[float, Block]] = []
    for no, text_line in enumerate(outside.extract_text_lines(return_chars=True), start=1):
        text = str(text_line["text"])
        if _PAGE_NUMBER_RE.match(text.strip()):
            continue
        if _is_bold(text_line["chars"]):
            text = f"**{text}**"
        line = classify(no, text, unit=f"page {page_no} line")
        last = items[-1][1] if items else None
        if isinstance(last, Line) and _BROKEN_END_RE.search(last.text) and text[:1].isdigit():
            last.text += line.text
            last.body += line.text
        elif line.text:
            items.append((float(text_line["top"]), line))
    for t, table in enumerate(found, start=1):
        block = Table(no=page_no)
        for r, row in enumerate(table.extract(), start=1):
            block.rows.append([_cell(c) for c in row])
            block.row_locs.append(f"page {page_no} table {t} row {r}")
        items.append((float(table.bbox[1]), block))
    return sorted(items, key=lambda item: item[0])


def _names_columns(row: list[str]) -> bool:
    """A header row: it names the content column and others (a task's text alone may say
    "nhiệm vụ")."""
    columns = column_map(row)
    return "content" in columns and len(columns) >= 3


def _continues(previous: Block | None, table: Table) -> bool:
    if not isinstance(previous, Table) or not table.rows or not previous.rows:
        return False
    if len(table.rows[0]) != len(previous.rows[0]):
        return False
    return table.rows[0] == previous.rows[0] or not _names_columns(table.rows[0])


def _split_row(previous: Table, first: list[str]) -> bool:
    """True when `first` (a page's first row) is the rest of the row the page before ended
    with: the table numbers its rows (STT) and this row has no number, is not a "+" sub-task
    and is not an area row. A table without numbers cannot tell, and keeps rows apart."""
    header = next((column_map(r) for r in previous.rows if "content" in column_map(r)), {})
    seq, content = header.get("seq"), header.get("content")
    if seq is None or content is None or len(first) != len(previous.rows[-1]):
        return False
    last = previous.rows[-1]
    if not last[seq] or first[seq] or _AREA_ROW_RE.match(" ".join(first).strip()):
        return False
    return not first[content].startswith(("+", "-", "–", "•"))


def _append_table(previous: Table, table: Table) -> None:
    """Put a page's continuation of `previous` at its end."""
    rows, locs = table.rows, table.row_locs
    if rows and rows[0] == previous.rows[0]:  # the repeated header row
        rows, locs = rows[1:], locs[1:]
    if rows and _split_row(previous, rows[0]):
        previous.rows[-1] = [
            f"{a} {b}".strip() for a, b in zip(previous.rows[-1], rows[0], strict=True)
        ]
        rows, locs = rows[1:], locs[1:]
    previous.rows.extend(rows)
    previous.row_locs.extend(locs)


def pdf_blocks(data: bytes, *, source: str) -> list[Block]:
    """Read a PDF's text layer into source blocks."""
    try:
        document = pdfplumber.open(io.BytesIO(data))
    except (PdfminerException, PDFSyntaxError, ValueError, KeyError) as exc:
        raise InvalidInput(f"{source}: line 1: not a valid PDF file ({exc})") from exc
    blocks: list[Block] = []
    chars = 0
    try:
        with document:
            for page_no, page in enumerate(document.pages, start=1):
                chars += sum(1 for c in page.chars if str(c.get("text", "")).strip())
                for index, (_top, block) in enumerate(_page_blocks(page, page_no)):
                    previous = blocks[-1] if blocks else None
                    # Only a page's first block can go on with the table the page before ended.
                    if index == 0 and isinstance(block, Table) and _continues(previous, block):
                        assert isinstance(previous, Table)
                        _append_table(previous, block)
                    else:
                        blocks.append(block)
    except (PdfminerException, PDFSyntaxError) as exc:
        raise InvalidInput(f"{source}: line 1: damaged PDF file ({exc})") from exc
    if chars == 0:
        raise InvalidInput(f"{source}: line 1: {SCANNED}")
    return blocks
