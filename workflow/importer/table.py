"""The task-table form: columns Nội dung / Đơn vị chủ trì / Đơn vị phối hợp / Thời gian
hoàn thành / Sản phẩm, with optional STT and area group rows ("1. Cải cách thể chế").

Unit names stay text here; the upsert maps them to `Unit` rows (the parser needs no DB).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workflow.errors import InvalidInput
from workflow.importer.lines import Table
from workflow.importer.text import fold, starts_lowercase
from workflow.importer.tree import TaskNode

_COLUMNS = {
    "content": ("nội dung", "nhiệm vụ"),
    "lead": ("chủ trì",),
    "support": ("phối hợp",),
    "due": ("thời gian", "thời hạn"),
    "product": ("sản phẩm", "kết quả"),
    "seq": ("stt", "tt"),
}
_GROUP_RE = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
_SPLIT_RE = re.compile(r"([,;\n]+)")
_GROUP_OPENERS = ("cac ", "tat ca ", "toan the ")
_SEQ_RE = re.compile(r"^\d{1,3}(?:\.\d{1,3})*\.?$")


@dataclass
class GroupRow:
    """A row that opens an area, e.g. a merged row '2. Cải cách thủ tục hành chính'."""

    number: int
    title: str
    loc: str
    line: int


@dataclass
class TaskRow:
    """A task row; `sub` when its text starts with '+'; `depth` the parts of its STT
    ("2" → 1, "2.1" → 2; 0 without a number)."""

    task: TaskNode
    sub: bool
    depth: int = 0


def _column_of(header: str) -> str | None:
    low = " ".join(header.casefold().split())
    if low in _COLUMNS["seq"]:
        return "seq"
    for name, words in _COLUMNS.items():
        if name != "seq" and any(w in low for w in words):
            return name
    return None


def column_map(row: list[str]) -> dict[str, int]:
    """The columns a header row names (content, lead, support, due, product, seq) by index;
    a header row has at least "content"."""
    columns: dict[str, int] = {}
    for c, cell in enumerate(row):
        name = _column_of(cell)
        if name and name not in columns:
            columns[name] = c
    return columns


def _header(table: Table, *, source: str) -> tuple[int, dict[str, int]]:
    for r, row in enumerate(table.rows):
        columns = column_map(row)
        if "content" in columns:
            return r, columns
    where = table.row_locs[0] if table.row_locs else f"table at {table.no}"
    raise InvalidInput(f"{source}: {where}: a task table needs a 'Nội dung' column header")


def _continues_group(previous: str, piece: str) -> bool:
    """A comma inside a group phrase ("Các phòng, đơn vị thuộc Sở", "Các cơ quan, đơn vị
    liên quan"): the phrase opened with "Các"/"Tất cả" and the piece after the comma goes on
    in lower case without opening a phrase of its own ("các ...")."""
    head, start = fold(previous), fold(piece)
    return (
        head.startswith(_GROUP_OPENERS)
        and starts_lowercase(piece)
        and not start.startswith(_GROUP_OPENERS)
    )


def split_units(cell: str) -> list[str]:
    """Unit names listed in one cell, separated by commas, semicolons or line breaks; a
    comma inside a group phrase does not separate ("Các phòng, ban, đơn vị" is one name)."""
    parts = _SPLIT_RE.split(cell)
    names: list[str] = []
    for i in range(0, len(parts), 2):
        piece = parts[i].strip().lstrip("-–•").strip()
        if not piece:
            continue
        separator = parts[i - 1] if i else ""
        if names and separator.strip() == "," and _continues_group(names[-1], piece):
            names[-1] = f"{names[-1]}, {piece}"
        else:
            names.append(piece)
    return names


def table_rows(table: Table, *, source: str) -> list[GroupRow | TaskRow]:
    """The rows after the header as area group rows and task rows."""
    start, cols = _header(table, source=source)
    out: list[GroupRow | TaskRow] = []
    for r in range(start + 1, len(table.rows)):
        row, loc = table.rows[r], table.row_locs[r]
        line = int(loc.rsplit(" ", 1)[-1]) if loc.startswith("line") else table.no

        def cell(name: str, row: list[str] = row) -> str:
            i = cols.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        content = cell("content")
        others = [cell(n) for n in ("lead", "support", "due", "product")]
        # A group row holds one text, merged across the row or in any single cell.
        distinct = {c.strip() for c in row if c.strip()}
        if len(distinct) == 1 and (m := _GROUP_RE.match(distinct.pop())):
            out.append(GroupRow(int(m.group(1)), m.group(2), loc, line))
            continue
        if not content and not any(others):
            continue
        if not content:
            raise InvalidInput(f"{source}: {loc}: the 'Nội dung' cell is empty")
        sub = content.startswith("+")
        text = content.lstrip("+-–• ").strip() if content[0] in "+-–•" else content
        leads = split_units(cell("lead"))
        task = TaskNode(
            text=" ".join(text.split()),
            style="plus" if sub else "dash",
            lead_unit=leads[0] if leads else None,
            supporting_units=leads[1:] + split_units(cell("support")),
            due_text=cell("due") or None,
            product=cell("product") or None,
            lines=[line],
            loc=loc,
        )
        seq = cell("seq")
        depth = seq.rstrip(".").count(".") + 1 if _SEQ_RE.match(seq) else 0
        out.append(TaskRow(task, sub, depth))
    return out
