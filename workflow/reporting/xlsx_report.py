"""The report's appendix (phụ lục) as XLSX: task tables by area and unit, overdue items,
indicators and the trend; bold shaded headers, frozen panes and number formats, so the
office can filter and re-use the figures. Every cell goes through `cells.write_cell`, so
text typed by users is never read as a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from workflow.reporting.cells import write_cell
from workflow.reporting.snapshot import Counts, GroupRow, ReportSnapshot
from workflow.reporting.text import (
    COLUMN_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
    count_cells,
    summary_line,
)

FONT = "Times New Roman"
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="D9E1F2")
TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
HEADER_ROW = 4
INT, RATE, DATE, DECIMAL = "#,##0", "0.0%", "dd/mm/yyyy", "#,##0.0"


def _sheet(
    wb: Workbook,
    title: str,
    heading: str,
    subtitle: str,
    header: Sequence[str],
    widths: Sequence[float],
    *,
    freeze_col: int = 3,
) -> Any:
    ws = wb.create_sheet(title)
    write_cell(ws, row=1, column=1, value=heading).font = Font(name=FONT, size=13, bold=True)
    subtitle_cell = write_cell(ws, row=2, column=1, value=f"Kỳ báo cáo: {subtitle}")
    subtitle_cell.font = Font(name=FONT, size=12, italic=True)
    for col, (text, width) in enumerate(zip(header, widths, strict=True), start=1):
        cell = write_cell(ws, row=HEADER_ROW, column=col, value=text)
        cell.font = Font(name=FONT, size=11, bold=True)
        cell.fill = HEADER_FILL
        cell.border = BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.row_dimensions[HEADER_ROW].height = 45
    # Title rows and the header stay visible while scrolling, as do the name columns.
    # (a coordinate string: touching the cell would create an empty first data row)
    ws.freeze_panes = f"{get_column_letter(freeze_col)}{HEADER_ROW + 1}"
    ws.auto_filter.ref = f"A{HEADER_ROW}:{get_column_letter(len(header))}{HEADER_ROW}"
    return ws


def _row(
    ws: Any, values: Sequence[object], formats: Sequence[str | None], *, total: bool = False
) -> None:
    row = ws.max_row + 1
    for col, (value, fmt) in enumerate(zip(values, formats, strict=True), start=1):
        cell = write_cell(ws, row=row, column=col, value=value)
        cell.font = Font(name=FONT, size=11, bold=total)
        cell.border = BOX
        cell.alignment = Alignment(vertical="top", wrap_text=isinstance(value, str))
        if fmt:
            cell.number_format = fmt
        if total:
            cell.fill = TOTAL_FILL


def _count_values(c: Counts) -> list[object]:
    # The sheet keeps the raw rate: its cell's number format shows it as a percentage.
    return [*count_cells(c)[:-1], c.completion_rate]


COUNT_FORMATS = [INT] * 7 + [RATE]


def _group_sheet(
    wb: Workbook,
    title: str,
    heading: str,
    label: str,
    rows: Sequence[GroupRow],
    snap: ReportSnapshot,
) -> None:
    ws = _sheet(
        wb,
        title,
        heading,
        snap.period_label,
        ["STT", label, *COLUMN_LABELS],
        [6, 42, 10, 13, 13, 14, 10, 12, 11, 13],
    )
    for i, r in enumerate(rows, start=1):
        _row(ws, [i, r.name, *_count_values(r.counts)], [INT, None, *COUNT_FORMATS])
    _row(
        ws,
        [None, "Tổng cộng", *_count_values(snap.totals)],
        [None, None, *COUNT_FORMATS],
        total=True,
    )


def render_xlsx(snapshot: ReportSnapshot) -> bytes:
    """The XLSX bytes of the appendix."""
    snap = snapshot
    wb = Workbook()
    wb.remove(wb.active)
    wb.properties.title = summary_line(snap)
    wb.properties.creator = "planflow"
    wb.properties.created = snap.generated_at.replace(tzinfo=None)
    _group_sheet(
        wb,
        "Theo lĩnh vực",
        "Phụ lục I. Kết quả thực hiện nhiệm vụ theo lĩnh vực",
        "Lĩnh vực",
        snap.by_area,
        snap,
    )
    _group_sheet(
        wb,
        "Theo đơn vị",
        "Phụ lục II. Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì",
        "Đơn vị",
        snap.by_unit,
        snap,
    )

    ws = _sheet(
        wb,
        "Nhiệm vụ quá hạn",
        "Phụ lục III. Danh sách nhiệm vụ quá hạn",
        f"{snap.period_label}: {snap.overdue_items_total} nhiệm vụ quá hạn",
        [
            "STT",
            "Nhiệm vụ",
            "Lĩnh vực",
            "Đơn vị chủ trì",
            "Người thực hiện",
            "Hạn",
            "Số ngày LV quá hạn",
            "Trạng thái",
        ],
        [6, 48, 28, 26, 20, 12, 11, 16],
    )
    for i, r in enumerate(snap.overdue_items, start=1):
        _row(
            ws,
            [
                i,
                r.title,
                r.area,
                r.unit_name,
                r.assignee,
                r.due_on,
                r.working_days_overdue,
                STATE_LABELS.get(r.state, r.state),
            ],
            [INT, None, None, None, None, DATE, INT, None],
        )

    ws = _sheet(
        wb,
        "Chỉ tiêu",
        "Phụ lục IV. Kết quả thực hiện các chỉ tiêu",
        snap.period_label,
        [
            "STT",
            "Chỉ tiêu",
            "Lĩnh vực",
            "Đơn vị tính",
            "Năm mốc",
            "Mục tiêu",
            "Giá trị mục tiêu",
            "Kết quả",
            "Ngày số liệu",
            "Đánh giá",
        ],
        [6, 48, 28, 9, 9, 24, 11, 10, 12, 16],
    )
    for i, ind in enumerate(snap.indicators, start=1):
        _row(
            ws,
            [
                i,
                ind.name,
                ind.area,
                ind.measure_unit,
                ind.target_year,
                ind.target_text,
                ind.target_value,
                ind.actual,
                ind.as_of,
                STATUS_LABELS[ind.status],
            ],
            [INT, None, None, None, "0", None, DECIMAL, DECIMAL, DATE, None],
        )

    ws = _sheet(
        wb,
        "Xu hướng",
        "Phụ lục V. Xu hướng qua các kỳ báo cáo",
        snap.period_label,
        ["Kỳ", "Kỳ báo cáo", *COLUMN_LABELS],
        [10, 30, 10, 13, 13, 14, 10, 12, 11, 13],
    )
    for p in snap.trend:
        _row(ws, [p.key, p.label, *_count_values(p.counts)], [None, None, *COUNT_FORMATS])

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
