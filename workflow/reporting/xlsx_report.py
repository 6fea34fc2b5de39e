"""The report's appendix (phụ lục) as XLSX: task tables by area and unit, overdue items,
indicators and the trend; bold shaded headers, frozen panes and number formats, so the
office can filter and re-use the figures. Every cell goes through `cells.write_cell`, so
text typed by users is never read as a formula."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from workflow.reporting.cells import write_cell
from workflow.reporting.periods import fmt_date
from workflow.reporting.snapshot import Counts, GroupRow, ReportSnapshot
from workflow.reporting.text import (
    COLUMN_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
    count_cells,
    summary_line,
    unit_label,
)
from workflow.settings import Settings, get_settings

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
    reference: str,
    freeze_col: int = 3,
) -> Any:
    """A sheet with its heading, the annex reference line ("Kèm theo Báo cáo số ..."), the
    period and a bold header; printed on A4 landscape, fitted to the page's width, the
    header repeated on every page."""
    ws = wb.create_sheet(title)
    write_cell(ws, row=1, column=1, value=heading).font = Font(name=FONT, size=13, bold=True)
    ref_cell = write_cell(ws, row=2, column=1, value=reference)
    ref_cell.font = Font(name=FONT, size=12, italic=True)
    subtitle_cell = write_cell(ws, row=3, column=1, value=f"Kỳ báo cáo: {subtitle}")
    subtitle_cell.font = Font(name=FONT, size=12, italic=True)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_margins.left = ws.page_margins.right = 0.6
    ws.page_margins.top = ws.page_margins.bottom = 0.7
    ws.print_options.horizontalCentered = True
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


COUNT_FORMATS = [INT] * 9 + [RATE]


def _group_sheet(
    wb: Workbook,
    title: str,
    heading: str,
    label: str,
    rows: Sequence[GroupRow],
    snap: ReportSnapshot,
    reference: str,
) -> None:
    ws = _sheet(
        wb,
        title,
        heading,
        snap.period_label,
        ["STT", label, *COLUMN_LABELS],
        [6, 40, 10, 10, 9, 11, 11, 12, 9, 10, 10, 11],
        reference=reference,
    )
    for i, r in enumerate(rows, start=1):
        _row(ws, [i, r.name, *_count_values(r.counts)], [INT, None, *COUNT_FORMATS])
    _row(
        ws,
        [None, "Tổng cộng", *_count_values(snap.totals)],
        [None, None, *COUNT_FORMATS],
        total=True,
    )


def annex_reference(
    snapshot: ReportSnapshot, settings: Settings, *, number: str, signed_on: date | None
) -> str:
    """ "Kèm theo Báo cáo số     /BC-SNV ngày 17/3/2026 của Sở Nội vụ": the annex names the
    report it belongs to (the number left blank for the office, as in the DOCX)."""
    day = signed_on or snapshot.generated_at.astimezone(ZoneInfo(settings.timezone)).date()
    return (
        f"(Kèm theo Báo cáo số {number}/BC-{settings.agency_short_code} ngày {fmt_date(day)} "
        f"của {settings.agency_name_text})"
    )


def render_xlsx(
    snapshot: ReportSnapshot,
    *,
    settings: Settings | None = None,
    number: str = "      ",
    signed_on: date | None = None,
) -> bytes:
    """The XLSX bytes of the appendix."""
    snap = snapshot
    ref = annex_reference(snap, settings or get_settings(), number=number, signed_on=signed_on)
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
        ref,
    )
    _group_sheet(
        wb,
        "Theo đơn vị",
        "Phụ lục II. Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì",
        "Đơn vị",
        snap.by_unit,
        snap,
        ref,
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
        reference=ref,
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
        reference=ref,
    )
    for i, ind in enumerate(snap.indicators, start=1):
        _row(
            ws,
            [
                i,
                ind.name,
                ind.area,
                unit_label(ind.measure_unit),
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
        ["STT", "Kỳ báo cáo", *COLUMN_LABELS],
        [6, 30, 10, 10, 9, 11, 11, 12, 9, 10, 10, 11],
        reference=ref,
    )
    # Periods before any work was tracked say nothing: left out, as in the chart.
    shown = [p for p in snap.trend if p.counts.total] or snap.trend[-1:]
    for i, p in enumerate(shown, start=1):
        _row(ws, [i, p.label, *_count_values(p.counts)], [INT, None, *COUNT_FORMATS])

    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
