"""An item list as a file (xuất Excel / CSV): the rows the list shows with its filters.

One table of columns, two writers: XLSX (bold frozen header, dates as dates, filters on;
every cell through `cells.write_cell`) and CSV (UTF-8 with a byte order mark so Excel reads
the Vietnamese, comma separated with RFC 4180 quoting; text a spreadsheet would run
as a formula gets a leading apostrophe, `cells.is_formula_like`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from workflow.i18n import N_, translate
from workflow.reporting.cells import is_formula_like, write_cell

EXPORT_FORMATS = ("xlsx", "csv")
# More rows than this are refused: filter the list first (an export is not a backup).
EXPORT_LIMIT = 20_000

# (msgid of the header, width in characters)
COLUMNS: tuple[tuple[str, int], ...] = (
    (N_("Mã"), 8),
    (N_("Nội dung"), 60),
    (N_("Đơn vị chủ trì"), 28),
    (N_("Người xử lý"), 24),
    (N_("Trạng thái"), 18),
    (N_("Tiến độ"), 10),
    (N_("Ngày bắt đầu"), 13),
    (N_("Hạn xử lý"), 13),
    (N_("Hạn ban đầu"), 13),
    (N_("Tình trạng hạn"), 16),
    (N_("Kế hoạch"), 40),
    (N_("Liên kết"), 40),
)


@dataclass(frozen=True)
class ExportRow:
    """One item as the file shows it, already in the reader's language."""

    id: int
    title: str
    lead_unit: str
    assignee: str
    state: str
    progress_pct: int
    start_on: date
    due_on: date
    original_due_on: date
    flag: str
    plan: str
    link: str

    def cells(self) -> list[object]:
        return [
            self.id,
            self.title,
            self.lead_unit,
            self.assignee,
            self.state,
            self.progress_pct,
            self.start_on,
            self.due_on,
            self.original_due_on,
            self.flag,
            self.plan,
            self.link,
        ]


def headers(lang: str) -> list[str]:
    return [translate(lang, msgid) for msgid, _ in COLUMNS]


def to_xlsx(rows: Sequence[ExportRow], *, lang: str, title: str, filters: str) -> bytes:
    """The rows as a workbook: a title line, the filters applied, then the table."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = translate(lang, N_("Công việc"))
    write_cell(ws, row=1, column=1, value=title).font = Font(bold=True, size=13)
    write_cell(ws, row=2, column=1, value=filters)
    head = 4
    fill = PatternFill("solid", fgColor="D9E1F2")
    for n, (text, (_, width)) in enumerate(zip(headers(lang), COLUMNS, strict=True), start=1):
        cell = write_cell(ws, row=head, column=n, value=text)
        cell.font = Font(bold=True)
        cell.fill = fill
        ws.column_dimensions[get_column_letter(n)].width = width
    for r, row in enumerate(rows, start=head + 1):
        for n, value in enumerate(row.cells(), start=1):
            cell = write_cell(ws, row=r, column=n, value=value)
            if isinstance(value, date):
                cell.number_format = "dd/mm/yyyy"
    ws.freeze_panes = ws.cell(row=head + 1, column=3)
    last = get_column_letter(len(COLUMNS))
    ws.auto_filter.ref = f"A{head}:{last}{head + max(len(rows), 1)}"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _csv_text(value: object) -> str:
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return "'" + text if is_formula_like(text) else text


def to_csv(rows: Sequence[ExportRow], *, lang: str) -> bytes:
    """The rows as CSV, UTF-8 with a byte order mark, CRLF line ends."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers(lang))
    for row in rows:
        writer.writerow([_csv_text(v) for v in row.cells()])
    return out.getvalue().encode("utf-8-sig")
