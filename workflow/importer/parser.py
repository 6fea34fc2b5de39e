"""Blocks → `PlanTree`: the header, the Roman parts, the areas with objectives and tasks.

Rules for extraction noise: a line that does not start a new item continues the item above
(across blank lines too); a plain line after a paragraph starts a new paragraph only when
the paragraph ended a sentence and the line starts with a capital. `- Đến năm 2025:` opens a
block whose `+` lines are that year's targets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from workflow.due_phrases import find_reporting_duty
from workflow.errors import InvalidInput
from workflow.importer import indicators
from workflow.importer.lines import Block, Kind, Line, Table
from workflow.importer.table import GroupRow, table_rows
from workflow.importer.text import continues_paragraph, slug
from workflow.importer.tree import AreaNode, ObjectiveNode, Part, PlanTree, TaskNode, TaskStyle

_KIND_RE = re.compile(r"^(KẾ HOẠCH|CHƯƠNG TRÌNH|ĐỀ ÁN)$")
_NUMBER_RE = re.compile(r"^Số\s*:\s*(.*)$")
_DATE_LINE_RE = re.compile(r"^(?P<place>[^,\d]{2,60}),\s*ngày\b")
_DATE_WORDS_RE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_DATE_SLASH_RE = re.compile(r"ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})")
_YEAR = r"((?:19|20)\d\d)(?!\d)"
_YEARS_RE = re.compile(rf"(?<!\d){_YEAR}(?:\s*[-–—]\s*{_YEAR})?")
_TITLE_PERIOD_RE = re.compile(
    rf"(?:giai đoạn|năm|từ)\s+{_YEAR}(?:\s*(?:[-–—]|đến(?: năm)?)\s*{_YEAR})?"
    rf"|(?<!\d){_YEAR}\s*[-–—]\s*{_YEAR}",
    re.IGNORECASE,
)
_OWN_PERIOD_RE = re.compile(
    rf"(?:Kế hoạch|Chương trình|Đề án)(?!\s+số)[^.;:]*?(?:giai đoạn|năm)\s+{_YEAR}"
    rf"(?:\s*[-–—]\s*{_YEAR})?",
    re.IGNORECASE,
)
# A cited document, from its kind and number to the next comma or semicolon.
_CITATION_RE = re.compile(
    r"(?:Kế hoạch|Quyết định|Nghị định|Nghị quyết|Thông tư|Chỉ thị|Chương trình|Đề án|Luật"
    r"|Công văn|Văn bản|Hướng dẫn|Thông báo|Kết luận)\s+(?:số\s+)?\S*\d+/\S*[^,;]*",
    re.IGNORECASE,
)
_BASIS_RE = re.compile(r"^(?:Căn cứ|Theo)\b", re.IGNORECASE)
_REFERENCE_RE = re.compile(
    r"(?:Kế hoạch|Quyết định|Nghị định|Nghị quyết|Thông tư|Chỉ thị|Chương trình|Luật)"
    r" số \S+ ngày (?:\d{1,2}/\d{1,2}/\d{4}|\d{1,2} tháng \d{1,2} năm \d{4})"
)
_RECIPIENTS_RE = re.compile(r"^Nơi nhận\s*:?$", re.IGNORECASE)


def _append(paragraphs: list[str], line: Line, *, starts_item: bool) -> None:
    if paragraphs and not starts_item and continues_paragraph(paragraphs[-1], line.text):
        paragraphs[-1] += " " + line.text
    else:
        paragraphs.append(line.text)


def _paragraphs(blocks: Sequence[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Table):
            out.extend(" | ".join(row) for row in b.rows)
        else:
            _append(out, b, starts_item=b.kind != Kind.PLAIN)
    return out


def _is_area_heading(line: Line) -> bool:
    return line.kind == Kind.NUMBER and (
        line.emphasised or (len(line.body) <= 150 and not line.body.endswith((".", ";", ",")))
    )


def _has_areas(blocks: Sequence[Block]) -> bool:
    return any(isinstance(b, Table) or b.kind in (Kind.OBJECTIVES, Kind.TASKS) for b in blocks)


class _AreaReader:
    """State of the walk through the part that holds the areas."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.areas: list[AreaNode] = []
        self.intro: list[str] = []
        self.area: AreaNode | None = None
        self.section = Kind.OBJECTIVES
        self.year: int | None = None
        self.objective: ObjectiveNode | None = None
        self.task: TaskNode | None = None
        self.current: ObjectiveNode | TaskNode | None = None

    def open_area(self, number: int, title: str, loc: str, line: int) -> None:
        if any(a.number == number for a in self.areas):
            raise InvalidInput(f"{self.source}: {loc}: area {number} appears twice")
        self.area = AreaNode(number=number, title=title, lines=[line])
        self.areas.append(self.area)
        self.section, self.year, self.task, self.current = Kind.OBJECTIVES, None, None, None

    def feed(self, block: Block) -> None:
        if isinstance(block, Table):
            self.table(block)
        elif _is_area_heading(block):
            self.open_area(int(block.label), block.body, block.loc, block.no)
        elif self.area is None:
            _append(self.intro, block, starts_item=block.kind != Kind.PLAIN)
        elif block.kind in (Kind.OBJECTIVES, Kind.TASKS):
            self.section, self.year, self.task, self.current = block.kind, None, None, None
            self.area.lines.append(block.no)
        elif self.section == Kind.OBJECTIVES:
            self.objective_line(self.area, block)
        else:
            self.task_line(self.area, block)

    def objective_line(self, area: AreaNode, line: Line) -> None:
        if line.kind == Kind.YEAR and not line.body:
            self.year, self.current = int(line.label), None
            area.lines.append(line.no)
            return
        node: ObjectiveNode | None = None
        if line.kind == Kind.YEAR:
            self.year = None
            node = ObjectiveNode(line.body, "dash", int(line.label))
        elif line.kind in (Kind.DASH, Kind.NUMBER):
            self.year = None
            node = ObjectiveNode(line.body if line.kind == Kind.DASH else line.text, "dash")
        elif line.kind == Kind.PLUS:
            node = ObjectiveNode(line.body, "plus", self.year)
        elif self.current is None or (
            self.current.style == "para" and not continues_paragraph(self.current.text, line.text)
        ):
            node = ObjectiveNode(line.text, "para", self.year)
        if node is None:
            self.join(line)
        else:
            node.lines.append(line.no)
            area.objectives.append(node)
            self.current = node

    def task_line(self, area: AreaNode, line: Line) -> None:
        if line.kind == Kind.PLUS:
            if self.task is None:
                raise InvalidInput(
                    f"{self.source}: {line.loc}: sub-task '+' before any task in area {area.number}"
                )
            node = TaskNode(line.body, "plus", lines=[line.no], loc=line.loc)
            self.task.children.append(node)
            self.current = node
            return
        style: TaskStyle
        if line.kind in (Kind.DASH, Kind.NUMBER, Kind.YEAR):
            text = line.body if line.kind == Kind.DASH else line.text.lstrip("-–—• ")
            style = "dash"
        elif self.current is None or (
            self.current.style == "para" and not continues_paragraph(self.current.text, line.text)
        ):
            text, style = line.text, "para"
        else:
            self.join(line)
            return
        self.task = TaskNode(text, style, lines=[line.no], loc=line.loc)
        area.tasks.append(self.task)
        self.current = self.task

    def join(self, line: Line) -> None:
        assert self.current is not None
        self.current.text += " " + line.text
        self.current.lines.append(line.no)

    def table(self, table: Table) -> None:
        for row in table_rows(table, source=self.source):
            if isinstance(row, GroupRow):
                self.open_area(row.number, row.title, row.loc, row.line)
                continue
            if self.area is None:
                raise InvalidInput(f"{self.source}: {row.task.loc}: a task row before any area")
            if row.sub:
                if self.task is None:
                    raise InvalidInput(f"{self.source}: {row.task.loc}: sub-task before any task")
                self.task.children.append(row.task)
            else:
                self.task = row.task
                self.area.tasks.append(row.task)
            self.current = None


def _header(tree: PlanTree, blocks: Sequence[Block]) -> None:
    title: list[str] = []
    in_title = False
    for b in blocks:
        if isinstance(b, Table):
            tree.header.extend(" | ".join(r) for r in b.rows)
            continue
        if in_title and b.emphasised and b.kind == Kind.PLAIN:
            title.append(b.text)
            continue
        in_title = False
        if (m := _NUMBER_RE.match(b.text)) and tree.number is None:
            tree.number = m.group(1).strip() or None
        elif (m := _DATE_LINE_RE.match(b.text)) and tree.date_text is None:
            tree.place, tree.date_text = m.group("place").strip(), b.text
            tree.issued_on = _date(b.text)
        elif _KIND_RE.match(b.text) and tree.kind is None:
            tree.kind, in_title = b.text, True
        elif b.emphasised or not tree.kind:
            tree.header.append(b.text)
        else:
            _append(tree.preamble, b, starts_item=b.kind != Kind.PLAIN)
    tree.title = " ".join(title)


def _date(text: str) -> date | None:
    m = _DATE_WORDS_RE.search(text) or _DATE_SLASH_RE.search(text)
    if m is None:
        return None
    try:
        return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
    except ValueError:
        return None


def _tail_start(blocks: Sequence[Block], start: int) -> int:
    for i in range(start, len(blocks)):
        b = blocks[i]
        if isinstance(b, Line) and (
            (b.kind == Kind.PLAIN and b.text.startswith("Trên đây")) or _RECIPIENTS_RE.match(b.text)
        ):
            return i
    return len(blocks)


def _tail(tree: PlanTree, blocks: Sequence[Block]) -> None:
    stage = "closing"
    for b in blocks:
        if isinstance(b, Table):
            tree.signature.extend(" | ".join(r) for r in b.rows)
        elif _RECIPIENTS_RE.match(b.text):
            stage = "recipients"
        elif stage == "closing":
            _append(tree.closing, b, starts_item=False)
        elif stage == "recipients" and b.kind == Kind.DASH:
            tree.recipients.append(b.body)
        else:
            stage = "signature"
            tree.signature.append(b.text)


def parse_blocks(blocks: Sequence[Block], *, source: str, fallback_title: str = "") -> PlanTree:
    """Build and validate the plan tree from classified blocks."""
    if not blocks:
        raise InvalidInput(f"{source}: line 1: the file is empty")
    starts = [i for i, b in enumerate(blocks) if isinstance(b, Line) and b.kind == Kind.ROMAN]
    if not starts:
        starts = [
            next(
                (i for i, b in enumerate(blocks) if isinstance(b, Table) or _is_area_heading(b)),
                len(blocks),
            )
        ]
    bounds = [*starts, len(blocks)]
    chunks = [blocks[bounds[i] : bounds[i + 1]] for i in range(len(starts))]
    holder = next((n for n, c in enumerate(chunks) if _has_areas(c)), None)
    if holder is None:
        last = blocks[-1]
        where = last.loc if isinstance(last, Line) else (last.row_locs or ["line ?"])[-1]
        raise InvalidInput(
            f"{source}: {where}: no reform areas found; expected numbered area headings "
            "with 'a) Mục tiêu' / 'b) Nhiệm vụ', or a task table"
        )
    tail_at = _tail_start(blocks, bounds[holder])
    tree = PlanTree(title="")
    _header(tree, blocks[: starts[0]])
    reader = _AreaReader(source)
    for n, chunk_start in enumerate(starts):
        first = blocks[chunk_start]
        is_roman = isinstance(first, Line) and first.kind == Kind.ROMAN
        body_from = chunk_start + 1 if is_roman else chunk_start
        body = blocks[body_from : min(bounds[n + 1], tail_at)]
        if chunk_start >= tail_at:
            continue
        part = Part(
            number=first.label if is_roman and isinstance(first, Line) else "",
            title=first.body if is_roman and isinstance(first, Line) else "",
        )
        if n == holder:
            for b in body:
                reader.feed(b)
            part.paragraphs, part.holds_areas = reader.intro, True
        else:
            part.paragraphs = _paragraphs(body)
        tree.parts.append(part)
    _tail(tree, blocks[tail_at:])
    tree.areas = reader.areas
    return finish(tree, source=source, fallback_title=fallback_title)


def finish(tree: PlanTree, *, source: str, fallback_title: str = "") -> PlanTree:
    """Fill the derived fields (title fallback, years, legal basis, indicators, key)."""
    if not tree.areas:
        raise InvalidInput(f"{source}: line 1: no reform areas found")
    tree.title = tree.title or (tree.header[0] if tree.header else fallback_title) or "Kế hoạch"
    period = plan_period(tree.title, tree.preamble)
    if period:
        tree.start_year, tree.end_year = period
    body = [*tree.preamble, *(p for part in tree.parts for p in part.paragraphs), *tree.closing]
    tree.reporting_duty = find_reporting_duty(body)
    tree.legal_basis = _REFERENCE_RE.findall(" ".join(tree.preamble))
    for area in tree.areas:
        area.indicators = indicators.derive(area, end_year=tree.end_year)
    tree.key = slug(tree.title, 120) or "plan"
    _check_lengths(tree, source)
    return tree


def _years(match: re.Match[str]) -> tuple[int, int] | None:
    found = [int(g) for g in match.groups() if g]
    if not found or found[-1] < found[0]:
        return None
    return found[0], found[-1]


def plan_period(title: str, preamble: Sequence[str]) -> tuple[int, int] | None:
    """This plan's first and last year: from its title ("năm 2026", "giai đoạn 2021-2025";
    the last period named, so "…giai đoạn 2021-2030 năm 2026" is 2026), else from the
    preamble's own "Kế hoạch … năm/giai đoạn …", else a range left in the preamble. Never from
    a cited document: "Căn cứ"/"Theo" paragraphs and "Kế hoạch số …" citations (to the next
    comma) are removed first, since they name other plans' periods (2021-2030)."""
    title_text = _CITATION_RE.sub(" ", title)
    in_title = [y for m in _TITLE_PERIOD_RE.finditer(title_text) if (y := _years(m))]
    if in_title:
        return in_title[-1]
    body = " ".join(_CITATION_RE.sub(" ", p) for p in preamble if not _BASIS_RE.match(p))
    if (m := _OWN_PERIOD_RE.search(body)) and (years := _years(m)):
        return years
    ranges = (_years(m) for m in _YEARS_RE.finditer(body) if m.group(2))
    return next((y for y in ranges if y), None)


def _check_lengths(tree: PlanTree, source: str) -> None:
    """The columns' limits, checked here so a long field is an input error, not a DB error."""
    limits = [("title", tree.title, 500, "line 1"), ("number", tree.number, 80, "line 1")]
    limits.append(("place", tree.place, 120, "line 1"))
    for area in tree.areas:
        where = f"line {area.lines[0]}" if area.lines else "line 1"
        limits.append(("area title", area.title, 500, where))
        for task in (n for t in area.tasks for n in (t, *t.children)):
            limits.append(("completion time", task.due_text, 255, task.loc))
    for what, value, size, where in limits:
        if value is not None and len(value) > size:
            raise InvalidInput(f"{source}: {where}: {what} longer than {size} characters")
