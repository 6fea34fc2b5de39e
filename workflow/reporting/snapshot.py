"""The typed, frozen content of a report (số liệu báo cáo), stored as JSON in `report_run`.

Renderers (mail, DOCX, XLSX, charts) read only this: a report re-rendered a year later
shows the numbers it was sent with.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

SNAPSHOT_VERSION = 2


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Counts(_Frozen):
    """Work items (lượt thực hiện) of a group as of the period's cutoff
    (`workflow.reporting.aggregate` says what counts)."""

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
    # Items done or due by the cutoff, and the tasks (nhiệm vụ) the items come from:
    # None in snapshots of version 1, which counted neither.
    due: int | None = None
    tasks: int | None = None

    @property
    def done(self) -> int:
        return self.done_on_time + self.done_late

    @property
    def due_count(self) -> int:
        """Items done or due by the cutoff (every item in a version 1 snapshot)."""
        return self.total if self.due is None else self.due

    @property
    def task_count(self) -> int:
        """Tasks the items come from (the items themselves in a version 1 snapshot)."""
        return self.total if self.tasks is None else self.tasks

    @property
    def completion_rate(self) -> float:
        """Share of the items due by the cutoff that are done, 0 when none is due."""
        return self.done / self.due_count if self.due_count else 0.0

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
    """An indicator's target for the period's year (`workflow.indicators.applied_target`)
    against the latest reading: `target_year` is the milestone's year, or the period's year
    on the path towards the milestone of `towards_year`."""

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
    towards_year: int | None = None


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
    # The plans the period's work implements, as the report cites them ("Kế hoạch số
    # 09/KH-SNV ngày 28/12/2026 về ..."); empty in snapshots of version 1.
    plans: list[str] = []

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
