"""Plan import (nhập kế hoạch): a plan document → a validated tree → an idempotent upsert.

`parse_document` reads text/markdown, `.docx` or `.pdf` (with a text layer) bytes without
touching the database; `upsert_plan` writes the tree into the session (never commits) and
says what changed.
"""

from __future__ import annotations

from pathlib import PurePath

from workflow.importer.docx_source import DOCX_MAGIC, docx_blocks
from workflow.importer.lines import decode, text_blocks
from workflow.importer.parser import parse_blocks
from workflow.importer.pdf_source import PDF_MAGIC, pdf_blocks
from workflow.importer.tree import PlanTree, to_jsonable
from workflow.importer.upsert import ImportResult, upsert_plan


def parse_document(data: bytes, *, source: str) -> PlanTree:
    """Parse a plan from bytes: DOCX or PDF by name or signature, otherwise UTF-8 text."""
    stem = PurePath(source).stem
    if source.lower().endswith(".docx") or data.startswith(DOCX_MAGIC):
        blocks = docx_blocks(data, source=source)
    elif source.lower().endswith(".pdf") or data.startswith(PDF_MAGIC):
        blocks = pdf_blocks(data, source=source)
    else:
        blocks = text_blocks(decode(data, source=source))
    return parse_blocks(blocks, source=source, fallback_title=stem)


__all__ = ["ImportResult", "PlanTree", "parse_document", "to_jsonable", "upsert_plan"]
