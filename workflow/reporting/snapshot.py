"""The typed, frozen content of a report (số liệu báo cáo), stored as JSON in `report_run`.

Renderers (mail, DOCX, XLSX, charts) read only this: a report re-rendered a year later
shows the numbers it was sent with.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

SNAPSHOT_VERSION = 1


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Counts(_Frozen):
    """Work items of a group as of the period's cutoff."""

    total: int = 0
    done_on_time: int = 0  # hoàn thành đúng hạn
    done_late: int = 0  # hoàn thành quá hạn
    in_progress_on_time: int = 0  # đang thực hiện trong hạn
    overdue: int = 0  # quá hạn chưa hoàn thành
    overdue_working_days: int = 0  # sum over overdue items
    max_overdue_working_days: int = 0
    new_overdue: int = 0  # became overdue during the period
    escalated: int = 0  # open items escalated at least once
    extension_requests: int = 0  # đề nghị gia hạn filed during the period

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def completion_rate(self) -> float:
        """Share of items done (on time or late), 0 when there are none."""
        return self.done / self.total if self.total else 0.0

    @property
    def on_time_rate(self) -> float:
        """Share of done items that were done on time."""
        return self.done_on_time / self.done if self.done else 0.0


class GroupRow(_Frozen):
    """Counts for one area (lĩnh vực) or one unit (đơn vị)."""

    id: int | None
    code: str
    name: str
    counts: Counts


class ItemRow(_Frozen):
    """An item in a list of the report (overdue or due soon), with who must act."""

    id: int
    title: str
    area: str
    unit_code: str
    unit_name: str
    assignee: str
    due_on: date
    working_days_overdue: int
    state: str
    progress_pct: int = 0  # the assignee's last progress report


class IndicatorRow(_Frozen):
    """An indicator's target for the next milestone year against the latest reading."""

    id: int
    area: str
    name: str
    measure_unit: str
    target_year: int | None
    comparator: str | None
    target_value: float | None
    target_text: str | None
    actual: float | None
    as_of: date | None
    status: str  # on_track | at_risk | off_track | no_data | no_target


class TrendPoint(_Frozen):
    """Headline numbers of one period, oldest first in `ReportSnapshot.trend`."""

    key: str
    label: str
    counts: Counts


class ReportSnapshot(_Frozen):
    """Everything a report shows, computed once at build time."""

    version: int = SNAPSHOT_VERSION
    kind: str
    period_key: str
    period_label: str
    period_start: date
    period_end: date
    cutoff_at: datetime
    generated_at: datetime
    totals: Counts
    by_area: list[GroupRow]
    by_unit: list[GroupRow]
    overdue_items: list[ItemRow]
    overdue_items_total: int
    due_soon: list[ItemRow]
    indicators: list[IndicatorRow]
    trend: list[TrendPoint]
    # Items that are one unit's share of a plan task led by a unit group, and how many
    # plan tasks they come from: each share counts as its unit's task (decision 0015).
    # 0 in snapshots frozen before they were counted.
    shared_items: int = 0
    shared_tasks: int = 0

    def for_units(self, codes: Collection[str]) -> ReportSnapshot:
        """The rows of these units only (a deputy director's view): units, overdue and
        due-soon lists; totals, areas and indicators stay the agency's."""
        return self.model_copy(
            update={
                "by_unit": [r for r in self.by_unit if r.code in codes],
                "overdue_items": [r for r in self.overdue_items if r.unit_code in codes],
                "due_soon": [r for r in self.due_soon if r.unit_code in codes],
            }
        )

    def to_json(self) -> dict[str, object]:
        """The JSON stored in `report_run.snapshot`."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json(cls, data: dict[str, object]) -> ReportSnapshot:
        return cls.model_validate(data)
