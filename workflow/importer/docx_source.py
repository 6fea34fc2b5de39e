"""`.docx` input (python-docx): paragraphs and tables in document order, as source blocks.

Word's structure is mapped onto the text grammar so one parser serves both: a Heading N
style becomes `#`×N, a fully bold paragraph `**…**`, a bullet list level 0/1 `-`/`+`.
Positions are "paragraph N" (counting every body paragraph) and "table T row R".
"""

from __future__ import annotations

import io
import zipfile
from typing import Any

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph

from workflow.errors import InvalidInput
from workflow.importer.lines import Block, Table, classify

DOCX_MAGIC = b"PK\x03\x04"


def _level(paragraph: Paragraph) -> int | None:
    """Bullet level of a list paragraph (style 'List Bullet 2' or w:numPr/w:ilvl)."""
    name = paragraph.style.name if paragraph.style is not None else ""
    if name.startswith("List Bullet"):
        suffix = name.removeprefix("List Bullet").strip()
        return int(suffix) - 1 if suffix.isdigit() else 0
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        ilvl = getattr(ppr.numPr, "ilvl", None)
        return int(ilvl.val) if ilvl is not None else 0
    return None


def _as_markdown(paragraph: Paragraph, text: str) -> str:
    name = paragraph.style.name if paragraph.style is not None else ""
    level = _level(paragraph)
    if level is not None and not text.lstrip().startswith(("-", "+")):
        return ("- " if level == 0 else "+ ") + text
    if name.startswith("Heading") and name.removeprefix("Heading").strip().isdigit():
        return "#" * int(name.removeprefix("Heading")) + " " + text
    runs = [r for r in paragraph.runs if r.text.strip()]
    if runs and all(r.bold for r in runs):
        return f"**{text}**"
    return text


def _table(table: DocxTable, number: int, first_paragraph: int) -> Table:
    out = Table(no=first_paragraph)
    for r, row in enumerate(table.rows, start=1):
        out.rows.append([cell.text.strip() for cell in row.cells])
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
    blocks: list[Block] = []
    paragraphs = tables = 0
    for item in document.iter_inner_content():
        if isinstance(item, DocxTable):
            tables += 1
            blocks.append(_table(item, tables, paragraphs + 1))
            continue
        paragraphs += 1
        for text in item.text.split("\n"):
            if not text.strip():
                continue
            line = classify(paragraphs, _as_markdown(item, text), unit="paragraph")
            if line.text:
                blocks.append(line)
    return blocks
