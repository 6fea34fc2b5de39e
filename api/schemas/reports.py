"""Models of the periodic reports (báo cáo định kỳ)."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from workflow.reporting.periods import ReportKind


class ReportBuild(SQLModel):
    """The report of a period to build now: its kind and the period as `planflow report
    build` takes it ("2026Q1", "2026H1", "2026", "2026-W10", "2026-01-01..2026-03-31");
    the report page's "Lập báo cáo ngay" form."""

    kind: ReportKind
    period: str = Field(min_length=1, max_length=40)
