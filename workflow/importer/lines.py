"""Source blocks: classified lines and tables, from text/markdown (DOCX maps onto the same).

Extraction noise is absorbed here: markdown heading marks and bold markers are removed
(remembering that the line was emphasised) and each line gets one kind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from workflow.errors import InvalidInput

ROMAN = r"(?:I|II|III|IV|V|VI|VII|VIII|IX|X|XI|XII)"
_ROMAN_RE = re.compile(rf"^({ROMAN})\.\s+(\S.*)$")
_NUMBER_RE = re.compile(r"^(\d{1,2})\.\s+(\S.*)$")
# "1.1. Rà soát…", "2.3.1 Tổ chức…": an outline number (without a final dot, a capital follows).
_OUTLINE_RE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})+)(\.)?\s+(\S.*)$")
_LETTER_RE = re.compile(r"^([a-zđ])[).]\s+(\S.*)$")
_DASH_RE = re.compile(r"^[-–—•]\s*(\S.*)$")
_PLUS_RE = re.compile(r"^\+\s*(\S.*)$")
_YEAR_RE = re.compile(r"^Đến năm (\d{4})\s*[:,]?\s*(.*)$", re.IGNORECASE)
_TABLE_SEP_RE = re.compile(r"^\|?\s*:?-{3,}")


class Kind(StrEnum):
    """What a line is, before context decides what it means."""

    ROMAN = "roman"  # I. QUAN ĐIỂM
    NUMBER = "number"  # 1. Cải cách thể chế / 1. a numbered paragraph
    OUTLINE = "outline"  # 1.1. a numbered task / 1.1.1. its sub-task
    OBJECTIVES = "objectives"  # a) Mục tiêu
    TASKS = "tasks"  # b) Nhiệm vụ
    YEAR = "year"  # - Đến năm 2025:
    DASH = "dash"  # - item
    PLUS = "plus"  # + sub-item
    PLAIN = "plain"


@dataclass
class Line:
    """One non-blank source line, cleaned of markdown, with its kind and parts."""

    no: int
    text: str
    kind: Kind
    emphasised: bool = False
    label: str = ""  # the numeral, number or year of a heading
    body: str = ""  # the text after the marker
    unit: str = "line"
    # Nesting the source states: the parts of an outline number ("1.2.1" → 3) or a Word
    # list level + 1; 0 when the source says nothing.
    depth: int = 0

    @property
    def loc(self) -> str:
        return f"{self.unit} {self.no}"


@dataclass
class Table:
    """A table (markdown pipes or a Word table): rows of cell texts with their numbers."""

    no: int
    rows: list[list[str]] = field(default_factory=list)
    row_locs: list[str] = field(default_factory=list)


Block = Line | Table


def clean(raw: str) -> tuple[str, bool]:
    """Strip heading marks and bold/italic markers; say whether the line was emphasised."""
    # Some extractors emit decomposed (NFD) Vietnamese; every rule below expects NFC.
    text = unicodedata.normalize("NFC", raw).strip()
    emphasised = False
    if text.startswith("#"):
        text = text.lstrip("#").strip()
        emphasised = True
    if "**" in text or "__" in text:
        emphasised = True
        text = text.replace("**", "").replace("__", "")
    stripped = text.strip("*").strip()
    if stripped != text:
        emphasised = True
    return " ".join(stripped.split()), emphasised


def classify(no: int, raw: str, *, unit: str = "line") -> Line:
    """Build a `Line` from one raw source line."""
    text, emph = clean(raw)
    line = Line(no=no, text=text, kind=Kind.PLAIN, emphasised=emph, body=text, unit=unit)
    if m := _ROMAN_RE.match(text):
        line.kind, line.label, line.body = Kind.ROMAN, m.group(1), m.group(2)
    elif m := _NUMBER_RE.match(text):
        line.kind, line.label, line.body = Kind.NUMBER, m.group(1), m.group(2)
    elif (m := _OUTLINE_RE.match(text)) and (m.group(2) or m.group(3)[0].isupper()):
        line.kind, line.label, line.body = Kind.OUTLINE, m.group(1), m.group(3)
        line.depth = m.group(1).count(".") + 1
    elif (m := _LETTER_RE.match(text)) and _section_word(m.group(2)):
        line.kind = _section_word(m.group(2)) or Kind.PLAIN
        line.label, line.body = m.group(1), m.group(2)
    elif m := _PLUS_RE.match(text):
        line.kind, line.body = Kind.PLUS, m.group(1)
    elif m := _DASH_RE.match(text):
        line.kind, line.body = Kind.DASH, m.group(1)
        if y := _YEAR_RE.match(line.body):
            line.kind, line.label, line.body = Kind.YEAR, y.group(1), y.group(2)
    elif y := _YEAR_RE.match(text):
        line.kind, line.label, line.body = Kind.YEAR, y.group(1), y.group(2)
    return line


def _section_word(rest: str) -> Kind | None:
    low = rest.casefold()
    if low.startswith("mục tiêu"):
        return Kind.OBJECTIVES
    if low.startswith("nhiệm vụ"):
        return Kind.TASKS
    return None


def decode(data: bytes, *, source: str) -> str:
    """UTF-8 text or InvalidInput naming the line where the bytes stop being text."""
    nul = data.find(b"\x00")
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise InvalidInput(f"{source}: line {line}: binary data (NUL byte), expected text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InvalidInput(
            f"{source}: line {line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8"
        ) from exc


def _cells(raw: str) -> list[str]:
    inner = raw.strip()
    inner = inner.removeprefix("|").removesuffix("|")
    return [clean(c)[0] for c in inner.split("|")]


def text_blocks(text: str) -> list[Block]:
    """Split text into lines and markdown pipe tables; blank lines are dropped."""
    blocks: list[Block] = []
    table: Table | None = None
    for no, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("|"):
            if table is None:
                table = Table(no=no)
                blocks.append(table)
            if not _TABLE_SEP_RE.match(stripped):
                table.rows.append(_cells(stripped))
                table.row_locs.append(f"line {no}")
            continue
        table = None
        if stripped:
            line = classify(no, raw)
            if line.text:
                blocks.append(line)
    return blocks
