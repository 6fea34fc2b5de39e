"""The report as an editable DOCX in the format of Nghị định 30/2020/NĐ-CP.

A4, margins 20/20/30/15 mm, Times New Roman 14 pt justified with a 1.27 cm first-line
indent; a borderless two-column header (issuer and number left, national motto and the
place/date line right); "BÁO CÁO" and the summary line; sections I-V with tables and
figures generated from the frozen snapshot; "Nơi nhận:" and the signature block.
The office edits the analysis paragraphs and signs; every name comes from settings.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt

from workflow.reporting.periods import date_line, fmt_date
from workflow.reporting.snapshot import GroupRow, IndicatorRow, ReportSnapshot
from workflow.reporting.text import (
    COLUMN_LABELS,
    STATUS_LABELS,
    count_cells,
    headline,
    num,
    pct,
    shared_note,
    summary_line,
    target_label,
    trend_sentence,
    value_label,
)
from workflow.settings import Settings, get_settings

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
TEXT_WIDTH_CM = 16.5  # A4 210 mm - 30 mm left - 15 mm right
CENTER = WD_ALIGN_PARAGRAPH.CENTER


def _font(run: Any, size: float, *, bold: bool = False, italic: bool = False) -> None:
    run.font.name = FONT
    # Word picks the East Asian slot for some Vietnamese text: pin every slot.
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.italic = italic


def _para(
    container: Any,
    text: str = "",
    *,
    size: float = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    align: Any = None,
    indent: bool = True,
    before: float = 0,
    after: float = 6,
) -> Any:
    p = container.add_paragraph()
    if text:
        _font(p.add_run(text), size, bold=bold, italic=italic)
    fmt = p.paragraph_format
    if align is not None:
        fmt.alignment = align
    if not indent:
        fmt.first_line_indent = Cm(0)
    fmt.space_before, fmt.space_after = Pt(before), Pt(after)
    return p


def _heading(doc: Any, text: str) -> None:
    _para(doc, text, bold=True, before=6)


def _cell_para(cell: Any, text: str, **kw: Any) -> Any:
    """A paragraph in a table cell: centred and unindented unless told otherwise."""
    kw.setdefault("align", CENTER)
    kw.setdefault("indent", False)
    kw.setdefault("after", 0)
    first = cell.paragraphs[0]
    if not first.text and not first.runs and len(cell.paragraphs) == 1:
        first._element.getparent().remove(first._element)
    return _para(cell, text, **kw)


def _rule(container: Any, length_cm: float, width_cm: float) -> None:
    """A short horizontal rule (under the issuer, the motto, the summary line): the top
    border of an empty paragraph, centred by its indents, a little below the text."""
    p = _cell_para(container, "", size=2, before=2) if hasattr(container, "_tc") else None
    if p is None:
        p = _para(container, "", size=2, before=2, after=6, indent=False)
    cell_cm = width_cm
    side = max(0.0, (cell_cm - length_cm) / 2)
    p.paragraph_format.left_indent = Cm(side)
    p.paragraph_format.right_indent = Cm(side)
    borders = OxmlElement("w:pBdr")
    top = OxmlElement("w:top")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        top.set(qn(key), value)
    borders.append(top)
    p._p.get_or_add_pPr().append(borders)


def _no_borders(table: Any) -> None:
    props = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    props.append(borders)


def _widths(table: Any, widths_cm: Sequence[float]) -> None:
    """Fixed column widths; LibreOffice reads the grid, Word the cells: set both."""
    table.autofit = False
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    table._tbl.tblPr.append(layout)
    for column, w in zip(table.columns, widths_cm, strict=True):
        column.width = Cm(w)
    for row in table.rows:
        for cell, w in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(w)


def _shade(cell: Any, fill: str) -> None:
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shd)


def _row_flag(row: Any, tag: str) -> None:
    el = OxmlElement(f"w:{tag}")
    el.set(qn("w:val"), "true")
    row._tr.get_or_add_trPr().append(el)


def _data_table(
    doc: Any,
    caption: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    total_last: bool = False,
    left_cols: Sequence[int] = (1,),
) -> Any:
    """A bordered table with a caption, a repeated bold header and centred numbers."""
    cap = _para(doc, caption, bold=True, align=CENTER, indent=False, before=6, size=13)
    cap.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        _cell_para(cell, text, size=TABLE_PT - 1, bold=True)
        _shade(cell, "E7E6E6")
    # "STT" never breaks into "ST/T" in its narrow column.
    table.rows[0].cells[0]._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
    # The header repeats on each page; a row never breaks across two pages.
    _row_flag(table.rows[0], "tblHeader")
    _row_flag(table.rows[0], "cantSplit")
    for i, values in enumerate(rows):
        row = table.add_row()
        _row_flag(row, "cantSplit")
        cells = row.cells
        bold = total_last and i == len(rows) - 1
        # The row before a total keeps with it: "Tổng cộng" never stands alone on a page.
        keep = total_last and i == len(rows) - 2
        for j, (cell, value) in enumerate(zip(cells, values, strict=True)):
            text = num(value) if isinstance(value, float) else str(value)
            align = WD_ALIGN_PARAGRAPH.LEFT if j in left_cols else CENTER
            para = _cell_para(cell, text, size=TABLE_PT, bold=bold, align=align)
            para.paragraph_format.keep_with_next = keep
    _widths(table, widths)
    _para(doc, "", after=0, size=6)
    return table


def _figure(doc: Any, png: bytes, caption: str) -> None:
    p = _para(doc, "", align=CENTER, indent=False, before=6, after=0)
    p.add_run().add_picture(io.BytesIO(png), width=Cm(15))
    _para(doc, caption, italic=True, align=CENTER, indent=False, size=13)


def _page_numbers(section: Any) -> None:
    """Page number centred at the top from page 2 (Nghị định 30: none on the first page)."""
    section.different_first_page_header_footer = True
    p = section.header.paragraphs[0]
    p.alignment = CENTER
    run = p.add_run()
    _font(run, 13)
    for tag, text in (("begin", None), (None, "PAGE"), ("end", None)):
        if tag:
            fld = OxmlElement("w:fldChar")
            fld.set(qn("w:fldCharType"), tag)
            run._r.append(fld)
        else:
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)


def _setup(doc: Any) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    section.header_distance = Mm(10)
    normal = doc.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(BODY_PT)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FONT)
    fmt = normal.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    fmt.first_line_indent = Cm(1.27)
    fmt.space_after = Pt(6)
    fmt.line_spacing = 1.15
    _page_numbers(section)


def _header(doc: Any, cfg: Settings, number: str, signed_on: date) -> None:
    left_cm, right_cm = 6.3, 10.2
    table = doc.add_table(rows=2, cols=2)
    _no_borders(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    (issuer, motto), (num_cell, date_cell) = (r.cells for r in table.rows)
    _cell_para(issuer, cfg.agency_parent_name.upper(), size=13)
    _cell_para(issuer, cfg.agency_name.upper(), size=13, bold=True)
    _rule(issuer, 2.2, left_cm)
    _cell_para(motto, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", size=12, bold=True)
    _cell_para(motto, "Độc lập - Tự do - Hạnh phúc", size=13, bold=True)
    _rule(motto, 6.0, right_cm)
    _cell_para(num_cell, f"Số: {number}/BC-{cfg.agency_short_code}", size=13, before=4)
    _cell_para(date_cell, date_line(cfg.agency_place, signed_on), size=14, italic=True, before=4)
    _widths(table, [left_cm, right_cm])


def _signature(doc: Any, cfg: Settings) -> None:
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    recipients, signer = table.rows[0].cells
    left = WD_ALIGN_PARAGRAPH.LEFT
    _cell_para(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=left, before=6)
    entries = [*cfg.report_recipients, f"Lưu: VT, {cfg.report_drafting_unit}"]
    for i, entry in enumerate(entries):
        end = "." if i == len(entries) - 1 else ";"
        _cell_para(recipients, f"- {entry.rstrip(';.')}{end}", size=11, align=left)
    _cell_para(signer, f"KT. {cfg.director_title.upper()}", bold=True, before=6)
    _cell_para(signer, cfg.signer_title.upper(), bold=True)
    for _ in range(4):
        _cell_para(signer, "")
    _cell_para(signer, cfg.signer_name, bold=True)
    _widths(table, [8.0, 8.5])


def _target_cell(r: IndicatorRow) -> str:
    """The target the report judges against, as a value with its year: "≥ 80% (2025)"."""
    if r.comparator is None or r.target_value is None:
        return "-"
    label = target_label(r.comparator, r.target_value, r.measure_unit)
    return f"{label} ({r.target_year})" if r.target_year else label


def _group_rows(rows: Sequence[GroupRow], total_name: str, totals: object) -> list[list[object]]:
    out: list[list[object]] = [
        [str(i), r.name, *count_cells(r.counts)] for i, r in enumerate(rows, start=1)
    ]
    out.append(["", total_name, *count_cells(totals)])  # type: ignore[arg-type]
    return out


def render_docx(
    snapshot: ReportSnapshot,
    *,
    charts: dict[str, bytes],
    settings: Settings | None = None,
    number: str = "      ",
    signed_on: date | None = None,
) -> bytes:
    """The DOCX bytes of the report; `number` and `signed_on` are left for the office."""
    cfg = settings or get_settings()
    signed_on = signed_on or snapshot.generated_at.astimezone(ZoneInfo(cfg.timezone)).date()
    doc = Document()
    _setup(doc)
    _header(doc, cfg, number, signed_on)
    _para(doc, "BÁO CÁO", bold=True, align=CENTER, indent=False, before=18, after=0)
    _para(doc, summary_line(snapshot), bold=True, align=CENTER, indent=False, after=0)
    _rule(doc, 4.0, TEXT_WIDTH_CM)
    _body(doc, snapshot, charts, cfg)
    _signature(doc, cfg)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _body(doc: Any, snap: ReportSnapshot, charts: dict[str, bytes], cfg: Settings) -> None:
    t = snap.totals
    area_rows = [r for r in snap.by_area if r.counts.total]
    _heading(doc, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    _para(
        doc,
        f"Trong {snap.period_label} (số liệu từ ngày {fmt_date(snap.period_start)} đến ngày "
        f"{fmt_date(snap.period_end)}), {cfg.agency_name_text} đã giao và theo dõi {t.total} "
        f"nhiệm vụ cho {len(snap.by_unit)} đơn vị chủ trì thực hiện, thuộc {len(area_rows)} "
        "lĩnh vực cải cách hành chính; việc giao, đôn đốc và báo cáo được thực hiện trên hệ "
        "thống theo dõi nhiệm vụ.",
    )
    _para(
        doc,
        f"Trong kỳ, các đơn vị đã gửi {t.extension_requests} đề nghị gia hạn; "
        f"{t.escalated} nhiệm vụ quá hạn đã được báo cáo lên lãnh đạo phụ trách để chỉ đạo.",
    )

    _heading(doc, "II. KẾT QUẢ THỰC HIỆN THEO CÁC LĨNH VỰC")
    _heading(doc, "1. Kết quả chung")
    _para(doc, headline(t))
    if note := shared_note(snap):
        _para(doc, note)
    widths = [1.3, 4.2, *([1.375] * 8)]
    _data_table(
        doc,
        "Bảng 1. Kết quả thực hiện nhiệm vụ theo lĩnh vực",
        ["STT", "Lĩnh vực", *COLUMN_LABELS],
        _group_rows(snap.by_area, "Tổng cộng", t),
        widths,
        total_last=True,
    )
    _figure(doc, charts["completion-by-area"], "Hình 1. Tình hình thực hiện theo lĩnh vực")
    _heading(doc, "2. Kết quả theo từng lĩnh vực")
    if not area_rows:
        _para(doc, "Trong kỳ chưa có nhiệm vụ được giao thuộc các lĩnh vực của kế hoạch.")
    for r in area_rows:
        label = f"{r.code}. {r.name}" if r.code else r.name
        _para(doc, f"{label}: {headline(r.counts)[0].lower()}{headline(r.counts)[1:]}")
    _heading(doc, "3. Kết quả thực hiện các chỉ tiêu")
    if snap.indicators:
        _data_table(
            doc,
            "Bảng 2. Kết quả thực hiện các chỉ tiêu",
            ["STT", "Chỉ tiêu", "Mục tiêu", "Kết quả", "Ngày số liệu", "Đánh giá"],
            [
                [
                    str(i),
                    r.name,
                    _target_cell(r),
                    value_label(r.actual, r.measure_unit) if r.actual is not None else "-",
                    fmt_date(r.as_of) if r.as_of else "-",
                    STATUS_LABELS[r.status],
                ]
                for i, r in enumerate(snap.indicators, start=1)
            ],
            [1.3, 5.4, 3.0, 1.8, 2.6, 2.4],
        )
    else:
        _para(doc, "Kế hoạch chưa có chỉ tiêu định lượng được theo dõi.")

    _heading(doc, "III. ĐÁNH GIÁ CHUNG")
    _heading(doc, "1. Ưu điểm")
    _para(
        doc,
        f"Đã hoàn thành {t.done}/{t.total} nhiệm vụ (đạt {pct(t.done, t.total)}%), trong đó "
        f"{t.done_on_time} nhiệm vụ hoàn thành đúng hạn ({pct(t.done_on_time, t.done)}% số "
        "nhiệm vụ đã hoàn thành).",
    )
    sentence = trend_sentence(snap.trend)
    if sentence:
        _para(doc, sentence)
    _figure(doc, charts["trend"], "Hình 2. Xu hướng qua các kỳ báo cáo")
    _heading(doc, "2. Hạn chế")
    late_units = sorted(
        (r for r in snap.by_unit if r.counts.overdue),
        key=lambda r: -r.counts.overdue_working_days,
    )
    if t.overdue:
        names = ", ".join(f"{r.name} ({r.counts.overdue})" for r in late_units[:3])
        _para(
            doc,
            f"Còn {t.overdue} nhiệm vụ quá hạn chưa hoàn thành, chậm nhất "
            f"{t.max_overdue_working_days} ngày làm việc; tập trung ở: {names}.",
        )
    else:
        _para(doc, "Không có nhiệm vụ quá hạn chưa hoàn thành.")
    _data_table(
        doc,
        "Bảng 3. Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì",
        ["STT", "Đơn vị", *COLUMN_LABELS],
        _group_rows(snap.by_unit, "Tổng cộng", t),
        widths,
        total_last=True,
    )
    if t.overdue:
        _figure(doc, charts["overdue-by-unit"], "Hình 3. Nhiệm vụ quá hạn theo đơn vị")
        more = snap.overdue_items_total - len(snap.overdue_items)
        _data_table(
            doc,
            "Bảng 4. Danh sách nhiệm vụ quá hạn",
            [
                "STT",
                "Nhiệm vụ",
                "Đơn vị chủ trì",
                "Người thực hiện",
                "Hạn",
                "Tiến độ (%)",
                "Số ngày LV quá hạn",
            ],
            [
                [
                    str(i),
                    r.title,
                    r.unit_name,
                    r.assignee,
                    fmt_date(r.due_on),
                    str(r.progress_pct),
                    str(r.working_days_overdue),
                ]
                for i, r in enumerate(snap.overdue_items, start=1)
            ],
            [1.3, 4.4, 2.9, 2.7, 2.2, 1.5, 1.5],
            left_cols=(1, 2, 3),
        )
        if more > 0:
            _para(doc, f"(Còn {more} nhiệm vụ quá hạn khác, xem Phụ lục.)", italic=True)
    _heading(doc, "3. Nguyên nhân")
    _para(
        doc,
        "(Văn phòng bổ sung nguyên nhân khách quan, chủ quan của các hạn chế trước khi trình ký.)",
        italic=True,
    )

    _heading(doc, "IV. PHƯƠNG HƯỚNG, NHIỆM VỤ KỲ TỚI")
    if t.overdue:
        _para(
            doc,
            f"- Tập trung chỉ đạo hoàn thành dứt điểm {t.overdue} nhiệm vụ quá hạn; các đơn vị "
            "chủ trì báo cáo tiến độ và thời hạn hoàn thành cụ thể.",
        )
    _para(
        doc,
        f"- Tiếp tục triển khai {t.in_progress_on_time} nhiệm vụ đang thực hiện, bảo đảm "
        "hoàn thành đúng thời hạn được giao.",
    )
    lagging = [r for r in snap.indicators if r.status in ("at_risk", "off_track")]
    if lagging:
        names = "; ".join(r.name for r in lagging)
        _para(doc, f"- Đẩy mạnh thực hiện các chỉ tiêu chưa đạt tiến độ: {names}.")

    _heading(doc, "V. KIẾN NGHỊ, ĐỀ XUẤT")
    _para(doc, "(Văn phòng bổ sung kiến nghị, đề xuất nếu có.)", italic=True)
    _para(
        doc,
        f"Trên đây là báo cáo {summary_line(snap)[0].lower()}{summary_line(snap)[1:]} "
        f"của {cfg.agency_name_text}./.",
    )
