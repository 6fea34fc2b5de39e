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

from workflow.importer.text import short
from workflow.indicators import short_name
from workflow.reporting.periods import date_line, fmt_date, following, parse_period
from workflow.reporting.snapshot import Counts, GroupRow, IndicatorRow, ReportSnapshot
from workflow.reporting.text import (
    STATUS_LABELS,
    area_sentence,
    count_cells,
    headline,
    num,
    pct,
    shared_note,
    summary_line,
    target_label,
    trend_parts,
    value_label,
)
from workflow.settings import Settings, get_settings

FONT = "Times New Roman"
BODY_PT = 14
TABLE_PT = 12
TEXT_WIDTH_CM = 16.5  # A4 210 mm - 30 mm left - 15 mm right
CENTER = WD_ALIGN_PARAGRAPH.CENTER
# A table of at most this many rows keeps on one page (in Word; LibreOffice moves rows).
KEEP_TOGETHER_ROWS = 16
# Sub-items of a section are lettered the Vietnamese way (no f, j, w, z; đ after d).
LETTERS = [
    "a",
    "b",
    "c",
    "d",
    "đ",
    "e",
    "g",
    "h",
    "i",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "q",
    "r",
    "s",
    "t",
    "u",
    "v",
    "x",
    "y",
]
# Completion at or above this share reads as a strength, below it as a limitation.
GOOD_RATE = 0.8
# Overdue items listed in the report itself; the annex lists them all, titles in full.
OVERDUE_IN_BODY = 10
TITLE_IN_TABLE = 160
# The body tables' count columns (the annex has every count).
TABLE_COLUMNS = [
    "Số nhiệm vụ",
    "Số lượt thực hiện",
    "Đến hạn",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện trong hạn",
    "Quá hạn",
    "Tỷ lệ hoàn thành (%)",
]


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
    """A bold heading, never left alone at the foot of a page."""
    _para(doc, text, bold=True, before=6).paragraph_format.keep_with_next = True


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


def _cell_margins(table: Any, cm: float) -> None:
    """Narrow left/right cell margins: numbers and short headers fit narrow columns."""
    mar = OxmlElement("w:tblCellMar")
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), str(int(cm * 567)))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    table._tbl.tblPr.append(mar)


def _data_table(
    doc: Any,
    caption: str,
    header: Sequence[str],
    rows: Sequence[Sequence[object]],
    widths: Sequence[float],
    *,
    total: Sequence[object] | None = None,
    left_cols: Sequence[int] = (1,),
    keep_together: bool = True,
) -> Any:
    """A bordered table with a caption, a repeated bold header and centred numbers.

    The total row ("Tổng cộng") comes right under the header, as statistical tables put
    it: it can never be left alone on a page under a repeated header. No row splits
    across pages; the STT column never wraps; a short table keeps on one page in Word
    unless `keep_together` is False (a table of tall rows flows on from the page it starts
    on rather than leave half a page blank).
    """
    cap = _para(doc, caption, bold=True, align=CENTER, indent=False, before=6, size=13)
    cap.paragraph_format.keep_with_next = True
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _cell_margins(table, 0.1)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        head = _cell_para(cell, text, size=TABLE_PT - 1, bold=True)
        head.paragraph_format.keep_with_next = True
        _shade(cell, "E7E6E6")
    # The header repeats on each page; a row never breaks across two pages.
    _row_flag(table.rows[0], "tblHeader")
    _row_flag(table.rows[0], "cantSplit")
    body: list[tuple[Sequence[object], bool]] = []
    if total is not None:
        body.append((total, True))
    body.extend((values, False) for values in rows)
    keep_together = keep_together and len(body) <= KEEP_TOGETHER_ROWS
    for i, (values, bold) in enumerate(body):
        row = table.add_row()
        _row_flag(row, "cantSplit")
        last = i == len(body) - 1
        for j, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            text = num(value) if isinstance(value, float) else str(value)
            align = WD_ALIGN_PARAGRAPH.LEFT if j in left_cols else CENTER
            lines = text.split("\n")
            for k, line in enumerate(lines):
                size = TABLE_PT if k == 0 else TABLE_PT - 2
                para = _cell_para(cell, line, size=size, bold=bold and k == 0, align=align)
                # Word keeps a short table on one page: each row keeps with the next.
                para.paragraph_format.keep_with_next = keep_together and not last
    for row in table.rows:
        row.cells[0]._tc.get_or_add_tcPr().append(OxmlElement("w:noWrap"))
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
    """ "Nơi nhận" left and the signer right, in one row that never splits: the block
    moves to the next page whole, with the closing paragraph kept before it."""
    table = doc.add_table(rows=1, cols=2)
    _no_borders(table)
    _row_flag(table.rows[0], "cantSplit")
    recipients, signer = table.rows[0].cells
    left = WD_ALIGN_PARAGRAPH.LEFT
    paras = [
        _cell_para(recipients, "Nơi nhận:", size=12, bold=True, italic=True, align=left, before=6)
    ]
    entries = [*cfg.report_recipients, f"Lưu: VT, {cfg.report_drafting_unit}"]
    for i, entry in enumerate(entries):
        end = "." if i == len(entries) - 1 else ";"
        paras.append(_cell_para(recipients, f"- {entry.rstrip(';.')}{end}", size=11, align=left))
    paras.append(_cell_para(signer, f"KT. {cfg.director_title.upper()}", bold=True, before=6))
    paras.append(_cell_para(signer, cfg.signer_title.upper(), bold=True))
    for _ in range(4):
        paras.append(_cell_para(signer, ""))
    name = _cell_para(signer, cfg.signer_name, bold=True)
    for p in paras:
        p.paragraph_format.keep_with_next = True
        p.paragraph_format.keep_together = True
    name.paragraph_format.keep_together = True
    _widths(table, [8.0, 8.5])


def _target_cell(r: IndicatorRow) -> str:
    """The target judged against, with its year on a second line: "≥ 84%" / "(năm 2026)"."""
    if r.comparator is None or r.target_value is None:
        return "-"
    label = target_label(r.comparator, r.target_value, r.measure_unit)
    if not r.target_year:
        return label
    if r.towards_year:
        return f"{label}\n(năm {r.target_year}, lộ trình đến năm {r.towards_year})"
    return f"{label}\n(năm {r.target_year})"


def _result_cell(r: IndicatorRow) -> str:
    if r.actual is None:
        return "-"
    value = value_label(r.actual, r.measure_unit)
    return f"{value}\n({fmt_date(r.as_of)})" if r.as_of else value


def _count_row(name: str, c: Counts) -> list[object]:
    """A row of the body's task tables: the annex's counts (`count_cells`) up to "Quá hạn",
    then the rate ("-" when nothing fell due)."""
    cells = count_cells(c)
    return [name, *cells[: len(TABLE_COLUMNS) - 1], cells[-1] if c.due_count else "-"]


def _group_table(doc: Any, caption: str, first: str, rows: Sequence[GroupRow], t: Counts) -> None:
    _data_table(
        doc,
        caption,
        ["STT", first, *TABLE_COLUMNS],
        [[str(i), *_count_row(r.name, r.counts)] for i, r in enumerate(rows, start=1)],
        [1.1, 4.2, *([1.4] * 8)],
        total=["", *_count_row("Tổng cộng", t)],
    )


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
    closing = _para(
        doc,
        f"Trên đây là báo cáo {summary_line(snapshot)[0].lower()}{summary_line(snapshot)[1:]} "
        f"của {cfg.agency_name_text}./.",
    )
    # The closing paragraph goes with the signature: the last page never holds a signer alone.
    closing.paragraph_format.keep_with_next = True
    closing.paragraph_format.keep_together = True
    _signature(doc, cfg)
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def _sentence(text: str) -> str:
    return text[0].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _body(doc: Any, snap: ReportSnapshot, charts: dict[str, bytes], cfg: Settings) -> None:
    t = snap.totals
    area_rows = [r for r in snap.by_area if r.counts.total]
    units = [r for r in snap.by_unit if r.counts.total]
    read = [r for r in snap.indicators if r.actual is not None]
    nxt = following(parse_period(snap.period_key, snap.kind))

    _heading(doc, "I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH")
    _heading(doc, "1. Công tác ban hành kế hoạch, giao nhiệm vụ")
    basis = f"Thực hiện {'; '.join(snap.plans)}, t" if snap.plans else "T"
    scope = (
        f"{t.task_count} nhiệm vụ ({t.total} lượt thực hiện)"
        if t.task_count != t.total
        else f"{t.task_count} nhiệm vụ"
    )
    if t.total:
        _para(
            doc,
            f"{basis}rong {snap.period_label} (số liệu từ ngày {fmt_date(snap.period_start)} "
            f"đến ngày {fmt_date(snap.period_end)}), {cfg.agency_name_text} đã giao {scope} "
            f"cho {len(units)} đơn vị chủ trì thực hiện, thuộc {len(area_rows)} lĩnh vực cải "
            "cách hành chính; mỗi nhiệm vụ được giao có đơn vị chủ trì, người thực hiện, "
            "thời hạn hoàn thành và sản phẩm cụ thể.",
        )
    else:
        _para(
            doc,
            f"Trong {snap.period_label} (số liệu từ ngày {fmt_date(snap.period_start)} đến ngày "
            f"{fmt_date(snap.period_end)}), {cfg.agency_name_text} chưa giao nhiệm vụ cải cách "
            "hành chính mới.",
        )
    if note := shared_note(snap):
        _para(doc, note)
    _heading(doc, "2. Công tác kiểm tra, đôn đốc")
    checks = [
        "Việc nhắc hạn, đôn đốc được thực hiện thường xuyên đối với từng nhiệm vụ trước và "
        "sau thời hạn hoàn thành"
    ]
    if t.escalated:
        checks.append(
            f"{t.escalated} nhiệm vụ quá hạn đã được báo cáo lãnh đạo phụ trách để chỉ đạo"
        )
    if t.extension_requests:
        checks.append(f"các đơn vị đã đề nghị gia hạn đối với {t.extension_requests} lượt")
    else:
        checks.append("trong kỳ không có đề nghị gia hạn")
    _para(doc, "; ".join(checks) + ".")
    if snap.indicators:
        _heading(doc, "3. Công tác theo dõi, đánh giá các chỉ tiêu")
        if read:
            _para(
                doc,
                f"Đã cập nhật số liệu của {len(read)}/{len(snap.indicators)} chỉ tiêu của kế "
                "hoạch để đánh giá mức độ thực hiện (Bảng 2).",
            )
        else:
            _para(
                doc,
                f"Trong kỳ chưa cập nhật số liệu của {len(snap.indicators)} chỉ tiêu của kế "
                "hoạch; việc đánh giá các chỉ tiêu thực hiện vào kỳ báo cáo tiếp theo.",
            )

    _heading(doc, "II. KẾT QUẢ THỰC HIỆN CÁC NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH")
    _heading(doc, "1. Kết quả chung")
    _para(doc, headline(t))
    if t.total:
        _group_table(
            doc, "Bảng 1. Kết quả thực hiện nhiệm vụ theo lĩnh vực", "Lĩnh vực", area_rows, t
        )
        _figure(doc, charts["completion-by-area"], "Hình 1. Tình hình thực hiện theo lĩnh vực")
        _heading(doc, "2. Kết quả theo từng lĩnh vực")
        for letter, r in zip(LETTERS, area_rows, strict=False):
            _para(doc, f"{letter}) {r.name}: {area_sentence(r.counts)}")
    _heading(doc, f"{3 if t.total else 2}. Kết quả thực hiện các chỉ tiêu")
    if snap.indicators:
        _data_table(
            doc,
            "Bảng 2. Kết quả thực hiện các chỉ tiêu",
            ["STT", "Chỉ tiêu", "Mục tiêu", "Kết quả (ngày số liệu)", "Đánh giá"],
            [
                [
                    str(i),
                    short_name(r.name),
                    _target_cell(r),
                    _result_cell(r),
                    STATUS_LABELS[r.status],
                ]
                for i, r in enumerate(snap.indicators, start=1)
            ],
            [1.1, 7.1, 3.2, 2.7, 2.4],
            keep_together=False,
        )
    else:
        _para(doc, "Kế hoạch chưa có chỉ tiêu định lượng được theo dõi.")

    _heading(doc, "III. ĐÁNH GIÁ CHUNG")
    better, worse = trend_parts(snap.trend)
    met = [r for r in snap.indicators if r.status == "on_track"]
    lagging = [r for r in snap.indicators if r.status in ("at_risk", "off_track")]
    rate = t.completion_rate
    _heading(doc, "1. Ưu điểm")
    strengths: list[str] = []
    if t.done_on_time and rate >= GOOD_RATE:
        strengths.append(
            f"Đã hoàn thành {t.done}/{t.due_count} {_noun(t)} đến hạn "
            f"(đạt {pct(t.done, t.due_count)}%), trong đó {t.done_on_time} đúng hạn"
        )
    elif t.total and not t.overdue and not t.done_late:
        strengths.append(
            "Các nhiệm vụ đều được thực hiện trong thời hạn, không có nhiệm vụ quá hạn"
        )
    complete = [
        r.name for r in area_rows if r.counts.due_count and r.counts.done == r.counts.due_count
    ]
    if complete and len(complete) < len(area_rows):
        strengths.append(
            "Hoàn thành toàn bộ nhiệm vụ đến hạn ở các lĩnh vực: " + ", ".join(complete)
        )
    strengths.extend(better)
    if met:
        strengths.append(f"Có {len(met)}/{len(snap.indicators)} chỉ tiêu đạt tiến độ")
    if not strengths:
        strengths.append(
            "Các nhiệm vụ trong kỳ đã được giao đến từng đơn vị chủ trì, có thời hạn và sản "
            "phẩm cụ thể, được theo dõi, đôn đốc thường xuyên"
        )
    for text in strengths:
        _para(doc, f"- {_sentence(text)}")
    if len(snap.trend) > 1 and sum(1 for p in snap.trend if p.counts.total) > 1:
        _figure(doc, charts["trend"], "Hình 2. Xu hướng qua các kỳ báo cáo")
    _heading(doc, "2. Hạn chế")
    limits: list[str] = []
    late_units = sorted(
        (r for r in snap.by_unit if r.counts.overdue),
        key=lambda r: (-r.counts.overdue, -r.counts.overdue_working_days, r.name),
    )
    if t.overdue:
        names = "; ".join(
            f"{r.name} ({r.counts.overdue} nhiệm vụ, {r.counts.overdue_working_days} ngày làm việc)"
            for r in late_units[:3]
        )
        where = "tập trung ở" if len(late_units) > 3 else "gồm"
        limits.append(
            f"Còn {t.overdue} nhiệm vụ quá hạn chưa hoàn thành, chậm nhất "
            f"{t.max_overdue_working_days} ngày làm việc; {where}: {names}"
        )
    if t.done_late:
        limits.append(f"{t.done_late} {_noun(t)} hoàn thành sau thời hạn")
    if t.due_count and rate < GOOD_RATE:
        limits.append(f"Tỷ lệ hoàn thành nhiệm vụ đến hạn còn thấp ({pct(t.done, t.due_count)}%)")
    limits.extend(worse)
    if lagging:
        limits.append(f"{len(lagging)} chỉ tiêu chưa đạt tiến độ ({_table_rows(snap, lagging)})")
    unread = len(snap.indicators) - len(read)
    if snap.indicators and unread:
        limits.append(f"{unread}/{len(snap.indicators)} chỉ tiêu chưa có số liệu trong kỳ")
    if not limits:
        limits.append("Không có nhiệm vụ quá hạn; các chỉ tiêu được theo dõi đều đạt tiến độ")
    for text in limits:
        _para(doc, f"- {_sentence(text)}")
    if t.overdue:
        _group_table(
            doc, "Bảng 3. Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì", "Đơn vị", units, t
        )
        _figure(doc, charts["overdue-by-unit"], "Hình 3. Nhiệm vụ quá hạn theo đơn vị")
        shown = snap.overdue_items[:OVERDUE_IN_BODY]
        _data_table(
            doc,
            "Bảng 4. Danh sách nhiệm vụ quá hạn",
            ["STT", "Nhiệm vụ", "Đơn vị chủ trì", "Hạn", "Số ngày LV quá hạn"],
            [
                [
                    str(i),
                    short(r.title, TITLE_IN_TABLE),
                    r.unit_name,
                    fmt_date(r.due_on),
                    str(r.working_days_overdue),
                ]
                for i, r in enumerate(shown, start=1)
            ],
            [1.1, 7.6, 3.5, 2.5, 1.8],
            left_cols=(1, 2),
            keep_together=False,
        )
        more = snap.overdue_items_total - len(shown)
        if more > 0:
            _para(
                doc,
                f"(Còn {more} nhiệm vụ quá hạn khác, chi tiết tại Phụ lục kèm theo.)",
                italic=True,
            )
    elif units:
        _group_table(
            doc, "Bảng 3. Kết quả thực hiện nhiệm vụ theo đơn vị chủ trì", "Đơn vị", units, t
        )
    _heading(doc, "3. Nguyên nhân")
    _para(
        doc,
        "(Văn phòng bổ sung nguyên nhân khách quan, chủ quan của các hạn chế trước khi trình ký.)",
        italic=True,
    )

    _heading(doc, f"IV. PHƯƠNG HƯỚNG, NHIỆM VỤ {nxt.label.upper()}")
    plans = [f"Tiếp tục triển khai các nhiệm vụ cải cách hành chính {nxt.label} theo kế hoạch"]
    if t.overdue:
        plans.append(
            f"Tập trung chỉ đạo hoàn thành dứt điểm {t.overdue} nhiệm vụ quá hạn; các đơn vị "
            "chủ trì báo cáo tiến độ và thời hạn hoàn thành cụ thể"
        )
    if t.in_progress_on_time:
        plans.append(
            f"Các đơn vị chủ trì hoàn thành {t.in_progress_on_time} nhiệm vụ đang thực hiện "
            "đúng thời hạn được giao"
        )
    if lagging:
        plans.append(
            f"Đẩy mạnh thực hiện các chỉ tiêu chưa đạt tiến độ ({_table_rows(snap, lagging)})"
        )
    if snap.indicators and unread:
        plans.append("Cập nhật đầy đủ số liệu các chỉ tiêu để đánh giá kết quả thực hiện")
    for text in plans:
        _para(doc, f"- {_sentence(text)}")

    _heading(doc, "V. KIẾN NGHỊ, ĐỀ XUẤT")
    _para(doc, "(Văn phòng bổ sung kiến nghị, đề xuất nếu có.)", italic=True)


def _table_rows(snap: ReportSnapshot, rows: Sequence[IndicatorRow]) -> str:
    """ "số thứ tự 1, 2 và 5 tại Bảng 2": which indicators, without their long names."""
    numbers = [str(i) for i, r in enumerate(snap.indicators, start=1) if r in rows]
    listed = numbers[0] if len(numbers) == 1 else ", ".join(numbers[:-1]) + " và " + numbers[-1]
    return f"số thứ tự {listed} tại Bảng 2"


def _noun(c: Counts) -> str:
    return "lượt" if c.task_count != c.total else "nhiệm vụ"
