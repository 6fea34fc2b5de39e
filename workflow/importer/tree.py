"""The validated plan tree (cây kế hoạch): what the parser produces and the upsert consumes.

Source positions (`lines`, `loc`) are excluded from equality so a tree parsed from text and
the same tree parsed from DOCX, or rendered and parsed back, compare equal.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from workflow.due_phrases import ReportingDuty

ObjectiveStyle = Literal["para", "dash", "plus"]
TaskStyle = Literal["para", "dash", "plus"]


@dataclass
class Target:
    """A target (chỉ tiêu) for one milestone year, e.g. ≥ 80 % by 2025."""

    year: int
    comparator: str
    value: float
    text: str
    objective_index: int


@dataclass
class IndicatorNode:
    """A measurable indicator of an area, identified across milestone years."""

    key: str
    name: str
    measure_unit: str
    objective_index: int
    targets: list[Target] = field(default_factory=list)


@dataclass
class ObjectiveNode:
    """An objective (mục tiêu): a paragraph, a `-` item, or a `+` target under a year."""

    text: str
    style: ObjectiveStyle = "para"
    milestone_year: int | None = None
    lines: list[int] = field(default_factory=list, compare=False)


@dataclass
class TaskNode:
    """A task (nhiệm vụ) with its sub-tasks; unit columns come from the task-table form."""

    text: str
    style: TaskStyle = "dash"
    children: list[TaskNode] = field(default_factory=list)
    lead_unit: str | None = None
    supporting_units: list[str] = field(default_factory=list)
    due_text: str | None = None
    product: str | None = None
    lines: list[int] = field(default_factory=list, compare=False)
    loc: str = field(default="", compare=False)


@dataclass
class AreaNode:
    """A reform area (lĩnh vực) with its objectives, indicators and tasks."""

    number: int
    title: str
    objectives: list[ObjectiveNode] = field(default_factory=list)
    tasks: list[TaskNode] = field(default_factory=list)
    indicators: list[IndicatorNode] = field(default_factory=list)
    # Heading lines: the area title, `a) Mục tiêu`, `b) Nhiệm vụ`, `- Đến năm 2025:`.
    lines: list[int] = field(default_factory=list, compare=False)


@dataclass
class Part:
    """A Roman-numbered part kept as text (I Quan điểm, II Mục tiêu chung, IV, V, VI)."""

    number: str
    title: str
    paragraphs: list[str] = field(default_factory=list)
    holds_areas: bool = False


@dataclass
class PlanTree:
    """A whole plan document: metadata, parts kept as text, and the areas."""

    title: str
    key: str = ""
    kind: str | None = None
    number: str | None = None
    place: str | None = None
    issued_on: date | None = None
    date_text: str | None = None
    header: list[str] = field(default_factory=list)
    preamble: list[str] = field(default_factory=list)
    legal_basis: list[str] = field(default_factory=list)
    start_year: int | None = None
    end_year: int | None = None
    # The periodic report deadline the body states (chế độ báo cáo), read by `finish`.
    reporting_duty: ReportingDuty | None = None
    parts: list[Part] = field(default_factory=list)
    areas: list[AreaNode] = field(default_factory=list)
    closing: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """Numbers of nodes by kind, for the CLI summary and tests."""
        tasks = [t for a in self.areas for t in a.tasks]
        indicators = [i for a in self.areas for i in a.indicators]
        return {
            "areas": len(self.areas),
            "objectives": sum(len(a.objectives) for a in self.areas),
            "indicators": len(indicators),
            "targets": sum(len(i.targets) for i in indicators),
            "tasks": len(tasks),
            "subtasks": sum(len(t.children) for t in tasks),
        }

    def sections(self) -> dict[str, Any]:
        """The text kept on `Plan.sections`: parts by numeral plus the document's frame."""
        out: dict[str, Any] = {
            p.number or "body": {
                "title": p.title,
                "paragraphs": p.paragraphs,
                **({"areas": True} if p.holds_areas else {}),
            }
            for p in self.parts
        }
        out.update(
            kind=self.kind,
            header=self.header,
            date_text=self.date_text,
            preamble=self.preamble,
            closing=self.closing,
            recipients=self.recipients,
            signature=self.signature,
            reporting_duty=self.reporting_duty.to_json() if self.reporting_duty else None,
        )
        return out


def to_jsonable(tree: PlanTree) -> dict[str, Any]:
    """The tree as plain JSON data (dates as ISO strings), for `--json`."""
    data = dataclasses.asdict(tree)
    data["issued_on"] = tree.issued_on.isoformat() if tree.issued_on else None
    data["counts"] = tree.counts()
    return data
