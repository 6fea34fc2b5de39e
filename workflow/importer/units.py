"""The unit names of a task table, resolved to units (`workflow.importer.unit_names`), and what they
make of each task: its lead unit or lead group, and its supporting units.

Every name is resolved before anything is written; names that do not resolve are
collected, each with the table rows it was written on and the nearest known names, and the
import is refused with the whole list (`UnresolvedUnits`). docs/decisions/0013-unit-groups.md
says how a group named as lead or supporting unit is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from workflow.errors import InvalidInput
from workflow.importer.tree import PlanTree, TaskNode
from workflow.importer.unit_names import (
    Directory,
    Resolution,
    Resolved,
    UnitInfo,
    Unresolved,
    load_directory,
)

MAP_HINT = (
    "map each name to a unit or group with `planflow org alias add NAME UNIT_CODE|GROUP`, "
    "`planflow plan import --map NAME=CODE` or the page Tên đơn vị (/ui/units)"
)


class UnresolvedUnits(InvalidInput):
    """Unit names of a plan that resolve to no unit: the import writes nothing."""

    def __init__(
        self, *, source: str, unresolved: list[Unresolved], resolution: UnitResolution
    ) -> None:
        self.unresolved = unresolved
        self.resolution = resolution
        lines = "\n".join(f"  {u.describe()}" for u in unresolved)
        n = len(unresolved)
        super().__init__(
            f"{source}: {n} unit name{'s' if n != 1 else ''} not resolved ({MAP_HINT}):\n{lines}",
            code="unresolved_units",
        )

    def extensions(self) -> dict[str, Any]:
        return {"unresolved_units": [u.as_json() for u in self.unresolved]}


@dataclass(frozen=True)
class TaskUnits:
    """A task's units as its row names them: one lead unit, or a lead group (every member
    leads its own share), and the supporting units (groups expanded, lead units left out)."""

    lead: UnitInfo | None = None
    lead_group: str | None = None
    leads: tuple[UnitInfo, ...] = ()
    supporting: tuple[UnitInfo, ...] = ()

    @property
    def named(self) -> bool:
        return bool(self.leads or self.supporting)

    def as_json(self) -> dict[str, Any]:
        """The resolved names for `plan import --json`."""
        return {
            "lead_unit_name": self.lead.name if self.lead else None,
            "lead_group": self.lead_group,
            "lead_unit_names": [u.name for u in self.leads],
            "supporting_unit_names": [u.name for u in self.supporting],
        }


@dataclass
class UnitResolution:
    """Every unit name of a plan tree, resolved; `unresolved` lists the failures."""

    names: dict[str, Resolution] = field(default_factory=dict)
    unresolved: list[Unresolved] = field(default_factory=list)

    def _units(self, name: str) -> Resolved | None:
        found = self.names.get(name)
        return found if isinstance(found, Resolved) else None

    def for_task(self, task: TaskNode) -> TaskUnits:
        """The task's lead and supporting units (names that did not resolve are left out)."""
        lead = self._units(task.lead_unit) if task.lead_unit else None
        leads = lead.units if lead else ()
        taken = {u.code for u in leads}
        supporting: list[UnitInfo] = []
        for name in task.supporting_units:
            found = self._units(name)
            for unit in found.units if found else ():
                if unit.code not in taken:
                    taken.add(unit.code)
                    supporting.append(unit)
        is_group = lead is not None and lead.group is not None and len(leads) > 1
        return TaskUnits(
            lead=leads[0] if len(leads) == 1 else None,
            lead_group=task.lead_unit if is_group else None,
            leads=leads,
            supporting=tuple(supporting),
        )


def walk(tasks: list[TaskNode]) -> list[TaskNode]:
    """Tasks and their sub-tasks, depth first."""
    return [n for t in tasks for n in (t, *walk(t.children))]


def resolve_units(
    *, session: Session, tree: PlanTree, directory: Directory | None = None
) -> UnitResolution:
    """Resolve every unit name of `tree` against the organisation (aliases and groups too)."""
    directory = directory or load_directory(session=session)
    result = UnitResolution()
    where: dict[str, list[str]] = {}
    for task in (t for a in tree.areas for t in walk(a.tasks)):
        for name in ([task.lead_unit] if task.lead_unit else []) + task.supporting_units:
            if name not in result.names:
                result.names[name] = directory.resolve(name)
            if task.loc and task.loc not in where.setdefault(name, []):
                where[name].append(task.loc)
    for name, found in result.names.items():
        if isinstance(found, Unresolved):
            result.unresolved.append(
                Unresolved(
                    name=found.name,
                    reason=found.reason,
                    nearest=found.nearest,
                    loc=", ".join(where.get(name, [])),
                )
            )
    return result
