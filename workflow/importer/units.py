"""Mapping unit names written in a task table to `Unit` rows (by code or by name)."""

from __future__ import annotations

from sqlmodel import Session, select

from workflow.errors import InvalidInput
from workflow.importer.text import normalise
from workflow.importer.tree import PlanTree, TaskNode
from workflow.models.org import Unit

_TYPE_WORDS = ("phòng ", "ban ", "chi cục ", "trung tâm ")


def _bare(name: str) -> str:
    for word in _TYPE_WORDS:
        if name.startswith(word):
            return name.removeprefix(word)
    return name


def unit_index(session: Session) -> dict[str, Unit]:
    """Every unit under its code, its name, and its name without 'Phòng'/'Ban'."""
    index: dict[str, Unit] = {}
    for unit in session.exec(select(Unit)).all():
        name = normalise(unit.name)
        for alias in (normalise(unit.code), name, _bare(name)):
            index.setdefault(alias, unit)
    return index


def _walk(tasks: list[TaskNode]) -> list[TaskNode]:
    return [n for t in tasks for n in (t, *_walk(t.children))]


def resolve_units(*, session: Session, tree: PlanTree, source: str) -> dict[str, Unit]:
    """Map every unit name of the tree to a unit; an unknown one names its table row."""
    index = unit_index(session)
    found: dict[str, Unit] = {}
    for task in (t for a in tree.areas for t in _walk(a.tasks)):
        names = ([task.lead_unit] if task.lead_unit else []) + task.supporting_units
        for name in names:
            key = normalise(name)
            unit = index.get(key) or index.get(_bare(key))
            if unit is None:
                raise InvalidInput(
                    f"{source}: {task.loc}: unknown unit {name!r} "
                    "(use a unit code or name from `planflow org load`)"
                )
            found[name] = unit
    return found
