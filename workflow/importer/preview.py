"""What an import will make of each task's deadline, before anything is written: the phrase
as the plan wrote it, the date or recurrence it is read as, the working day a date on a day
off becomes, and a warning for what could not be read.

`preview_tasks` gives one `TaskPreview` per task and sub-task in plan order; `preview_json`
is the `--json` form. Each task's JSON object comes from `TaskPreview.to_json`, so further
per-task facts are one more key there. An unreadable phrase is a warning, never an error:
the import goes on and the coordinator sets that deadline by hand.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from workflow.calendar import WorkCalendar, working_day_for
from workflow.due_phrases import DueKind, read_due_phrase, working_year
from workflow.importer.tree import PlanTree, TaskNode


@dataclass
class TaskPreview:
    """One task (or sub-task) with its deadline read."""

    number: str  # area.task[.sub-task] in plan order, as the preview lists it
    text: str
    loc: str
    lead_unit: str | None
    supporting_units: list[str]
    due_text: str | None  # the phrase as written; a sub-task without one takes its parent's
    due_kind: DueKind
    due: date | None
    due_working_day: date | None  # only when `due` falls on a day off
    due_shown: str | None  # "31/05/2026 (Chủ nhật) → 01/06/2026"
    recurrence: str | None
    warning: str | None
    product: str | None
    inherited: bool = False
    children: list[TaskPreview] = field(default_factory=list, repr=False)

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "text": self.text,
            "loc": self.loc,
            "lead_unit": self.lead_unit,
            "supporting_units": self.supporting_units,
            "due_text": self.due_text,
            "due_inherited": self.inherited,
            "due_kind": self.due_kind,
            "due": self.due.isoformat() if self.due else None,
            "due_working_day": self.due_working_day.isoformat() if self.due_working_day else None,
            "due_shown": self.due_shown,
            "recurrence": self.recurrence,
            "warning": self.warning,
            "product": self.product,
        }


def _preview(
    task: TaskNode,
    number: str,
    *,
    tree: PlanTree,
    plan_year: int,
    calendar: WorkCalendar,
    parent_text: str | None,
) -> TaskPreview:
    inherited = not task.due_text and bool(parent_text)
    phrase = task.due_text or parent_text
    reading = read_due_phrase(phrase, plan_year=plan_year, duty=tree.reporting_duty)
    working = working_day_for(reading.due, calendar=calendar) if reading.due else None
    return TaskPreview(
        number=number,
        text=task.text,
        loc=task.loc,
        lead_unit=task.lead_unit,
        supporting_units=list(task.supporting_units),
        due_text=phrase,
        due_kind=reading.kind,
        due=reading.due,
        due_working_day=working.working if working and working.moved else None,
        due_shown=working.describe() if working else None,
        recurrence=reading.recurrence,
        warning=reading.warning,
        product=task.product,
        inherited=inherited,
    )


def preview_tasks(tree: PlanTree, *, calendar: WorkCalendar, today: date) -> list[TaskPreview]:
    """Every task and sub-task with its deadline read, in plan order (sub-tasks follow their
    task)."""
    plan_year = working_year(tree.start_year, tree.end_year, today=today)
    out: list[TaskPreview] = []
    for area in tree.areas:
        for t, task in enumerate(area.tasks, start=1):
            number = f"{area.number}.{t}"
            top = _preview(task, number, tree=tree, plan_year=plan_year, calendar=calendar,
                           parent_text=None)  # fmt: skip
            out.append(top)
            for c, child in enumerate(task.children, start=1):
                sub = _preview(child, f"{number}.{c}", tree=tree, plan_year=plan_year,
                               calendar=calendar, parent_text=task.due_text)  # fmt: skip
                top.children.append(sub)
                out.append(sub)
    return out


def deadline_warnings(tree: PlanTree, previews: list[TaskPreview]) -> list[str]:
    """One line per task whose deadline needs a look, with its position in the document.

    A plan that states no deadline at all (prose tasks) gets none: its deadlines are set
    when the work is assigned. In a task table, a missing deadline is listed too."""
    if not any(p.due_text for p in previews):
        return []
    return [
        f"{p.loc or 'task'}: task {p.number}: {p.warning}"
        for p in previews
        if p.warning and not p.inherited
    ]


def preview_json(*, tree: PlanTree, previews: list[TaskPreview], today: date) -> dict[str, Any]:
    """The deadlines' preview (`preview_tasks`) as JSON data: the plan's period and working
    year, its reporting duty, each task, and the warnings."""
    return {
        "start_year": tree.start_year,
        "end_year": tree.end_year,
        "plan_year": working_year(tree.start_year, tree.end_year, today=today),
        "reporting_duty": tree.reporting_duty.to_json() if tree.reporting_duty else None,
        "tasks": [p.to_json() for p in previews],
        "warnings": deadline_warnings(tree, previews),
    }
