"""`.docx` input (python-docx): paragraphs and tables in document order, as source blocks.

Word's structure is mapped onto the text grammar so one parser serves both: a Heading N
style becomes `#`×N, a fully bold paragraph `**…**`, a bullet list level 0/1 `-`/`+` (the
level is kept on the line, so a third level is refused as a task rather than flattened).
Positions are "paragraph N" (counting every body paragraph) and "table T row R".

Reading is linear in the file: the body's XML is walked once, a paragraph's style name is
looked up once per style (python-docx searches the styles part on every access), and table
cells are read row by row from the XML (python-docx's `row.cells` walks up the table for
every vertically merged cell, which is quadratic in a long merged column).
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.oxml.table import CT_Tbl, CT_Tc
from docx.oxml.text.paragraph import CT_P
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from workflow.errors import InvalidInput
from workflow.importer.lines import Block, Kind, Table, classify

DOCX_MAGIC = b"PK\x03\x04"


class _StyleNames:
    """Paragraph style names by style id, each looked up once."""

    def __init__(self, document: Any) -> None:
        self.part = document.part
        self.names: dict[str | None, str] = {}

    def of(self, paragraph: Paragraph) -> str:
        style_id = paragraph._p.style
        if style_id not in self.names:
            style = self.part.get_style(style_id, WD_STYLE_TYPE.PARAGRAPH)
            self.names[style_id] = style.name if style is not None else ""
        return self.names[style_id]


def _level(paragraph: Paragraph, name: str) -> int | None:
    """Bullet level of a list paragraph (style 'List Bullet 2' or w:numPr/w:ilvl)."""
    if name.startswith("List Bullet"):
        suffix = name.removeprefix("List Bullet").strip()
        return int(suffix) - 1 if suffix.isdigit() else 0
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        ilvl = getattr(ppr.numPr, "ilvl", None)
        return int(ilvl.val) if ilvl is not None else 0
    return None


_R, _HYPERLINK = qn("w:r"), qn("w:hyperlink")
_RUN_TEXT = {qn(t) for t in ("w:br", "w:cr", "w:noBreakHyphen", "w:ptab", "w:t", "w:tab")}


def _run_text(r: Any) -> str:
    return "".join(str(e) for e in r if e.tag in _RUN_TEXT)


def paragraph_text(p: CT_P) -> str:
    """python-docx's `Paragraph.text` (runs and hyperlinks) without an XPath per call."""
    parts: list[str] = []
    for child in p:
        if child.tag == _R:
            parts.append(_run_text(child))
        elif child.tag == _HYPERLINK:
            parts.extend(_run_text(r) for r in child if r.tag == _R)
    return "".join(parts)


def _as_markdown(paragraph: Paragraph, text: str, name: str, level: int | None) -> str:
    if level is not None and not text.lstrip().startswith(("-", "+")):
        return ("- " if level == 0 else "+ ") + text
    if name.startswith("Heading") and name.removeprefix("Heading").strip().isdigit():
        return "#" * int(name.removeprefix("Heading")) + " " + text
    runs = [r for r in paragraph._p.r_lst if _run_text(r).strip()]
    if runs and all(Run(r, paragraph).bold for r in runs):
        return f"**{text}**"
    return text


def _cell_text(tc: CT_Tc) -> str:
    return "\n".join(paragraph_text(p) for p in tc.p_lst).strip()


def _table(tbl: CT_Tbl, number: int, first_paragraph: int) -> Table:
    """Rows of cell texts as python-docx's `row.cells` gives them (a cell spanning n grid
    columns n times, a vertically merged cell repeated down), in one pass over the rows."""
    out = Table(no=first_paragraph)
    above: dict[int, str] = {}
    for r, tr in enumerate(tbl.tr_lst, start=1):
        row: list[str] = []
        here: dict[int, str] = {}
        offset = tr.grid_before
        for tc in tr.tc_lst:
            text = above.get(offset, "") if tc.vMerge == "continue" else _cell_text(tc)
            for _ in range(tc.grid_span):
                row.append(text)
                here[offset] = text
                offset += 1
        above = here
        out.rows.append(row)
        out.row_locs.append(f"table {number} row {r}")
    return out


def _open(data: bytes, source: str) -> Any:
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError) as exc:
        raise InvalidInput(f"{source}: line 1: not a valid .docx file ({exc})") from exc
    except Exception as exc:  # lxml raises its own errors for damaged XML parts
        raise InvalidInput(f"{source}: line 1: damaged .docx file ({exc})") from exc


def docx_blocks(data: bytes, *, source: str) -> list[Block]:
    """Read a Word document into source blocks."""
    document = _open(data, source)
    styles = _StyleNames(document)
    blocks: list[Block] = []
    paragraphs = tables = 0
    for element in document.element.body.inner_content_elements:
        if isinstance(element, CT_Tbl):
            tables += 1
            blocks.append(_table(element, tables, paragraphs + 1))
            continue
        paragraphs += 1
        item = Paragraph(element, document._body)
        name = styles.of(item)
        level = _level(item, name)
        for text in paragraph_text(element).split("\n"):
            if not text.strip():
                continue
            line = classify(paragraphs, _as_markdown(item, text, name, level), unit="paragraph")
            if level is not None and line.kind in (Kind.DASH, Kind.PLUS):
                line.depth = level + 1  # a third list level is refused, not flattened
            if line.text:
                blocks.append(line)
    return blocks
