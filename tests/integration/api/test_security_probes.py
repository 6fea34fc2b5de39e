"""Replays of the security probes: each test fails if its hole comes back.

Formula injection in spreadsheets, user enumeration and lock-out by strangers, sessions
surviving logout, forwarded addresses trusted blindly, organisation edits answered 500,
orphaned evidence files, imports without size limits, hand-written form checks.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

from openpyxl import load_workbook

from workflow.reporting.snapshot import Counts, GroupRow, ItemRow, ReportSnapshot
from workflow.reporting.xlsx_report import render_xlsx

# ---------------------------------------------------------------- spreadsheet formulas

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]


def _snapshot_with(texts: list[str]) -> ReportSnapshot:
    counts = Counts(total=3, done_on_time=1)
    rows = [
        ItemRow(
            id=i,
            title=text,
            area=text,
            unit_code="CCHC",
            unit_name=text,
            assignee=text,
            due_on=date(2026, 3, 2),
            working_days_overdue=4,
            state="in_progress",
        )
        for i, text in enumerate(texts, start=1)
    ]
    return ReportSnapshot(
        kind="quarterly",
        period_key="2026Q1",
        period_label="Quý I năm 2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        cutoff_at=datetime(2026, 3, 31, 10, tzinfo=UTC),
        generated_at=datetime(2026, 4, 1, 10, tzinfo=UTC),
        totals=counts,
        by_area=[GroupRow(id=1, code="a", name=texts[0], counts=counts)],
        by_unit=[GroupRow(id=2, code="CCHC", name=texts[1], counts=counts)],
        overdue_items=rows,
        overdue_items_total=len(rows),
        due_soon=[],
        indicators=[],
        trend=[],
    )


def test_xlsx_never_writes_user_text_as_a_formula() -> None:
    wb = load_workbook(io.BytesIO(render_xlsx(_snapshot_with(HOSTILE))))
    seen = []
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value in HOSTILE:
                    assert cell.data_type == "s" and cell.quotePrefix, cell.coordinate
                    seen.append(cell.value)
    # Every hostile text arrives verbatim (not dropped, not rewritten).
    assert set(seen) == set(HOSTILE)
    overdue = wb["Nhiệm vụ quá hạn"]
    # Numbers stay numbers.
    assert overdue["A5"].value == 1 and overdue["A5"].data_type == "n"
    assert overdue["G5"].value == 4 and overdue["G5"].data_type == "n"
    assert wb["Theo lĩnh vực"]["C5"].value == 3
