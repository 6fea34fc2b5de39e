"""Writing a plan tree into the database: create, update, withdraw; never commit.

Re-importing the same document changes nothing; a revised one updates changed texts,
adds new nodes and withdraws the ones that disappeared. Tasks are never deleted (work
items point at them); indicators are deleted only while they have no readings. A task's
units come from the document when it names any; otherwise the stored ones (distributed
after import) are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from workflow.importer.match import fresh_key, pair
from workflow.importer.text import digest, short
from workflow.importer.tree import AreaNode, PlanTree, TaskNode
from workflow.importer.units import UnitResolution, UnresolvedUnits, resolve_units
from workflow.models.plan import (
    Area,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Objective,
    Plan,
    PlanTask,
)
from workflow.models.work import WorkItem

# Fields whose change alone is not worth reporting (order shifts after an insertion).
_QUIET = {"position", "source_sha256"}


@dataclass
class ImportResult:
    """What an import changed, one human-readable line per changed node."""

    plan_key: str
    plan_id: int | None = None
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    # The document's unit names, resolved (the preview shows each task's units).
    units: UnitResolution = field(default_factory=UnitResolution)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.withdrawn or self.removed)

    def lines(self) -> list[str]:
        return [
            f"{verb} {what}"
            for verb, items in (
                ("created", self.created),
                ("updated", self.updated),
                ("withdrawn", self.withdrawn),
                ("removed", self.removed),
            )
            for what in items
        ]

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.withdrawn)} withdrawn, {len(self.removed)} removed, "
            f"{self.unchanged} unchanged"
        )


def _apply(row: Any, values: dict[str, Any]) -> set[str]:
    changed = set()
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed.add(name)
    return changed


class _Writer:
    def __init__(self, session: Session, plan: Plan, units: UnitResolution) -> None:
        self.session, self.plan, self.units = session, plan, units
        self.result = ImportResult(plan_key=plan.key, units=units)
        self.task_keys = set(session.exec(select(PlanTask.key).where(PlanTask.plan_id == plan.id)))

    def note(self, row: Any, values: dict[str, Any], label: str, *, created: bool) -> None:
        if created:
            self.session.add(row)
            self.result.created.append(label)
        elif _apply(row, values) - _QUIET:
            self.result.updated.append(label)
        else:
            self.result.unchanged += 1

    def area(self, node: AreaNode, row: Area | None) -> Area:
        created = row is None
        row = row or Area(plan_id=self.plan.id or 0, number=node.number, title=node.title)
        self.note(row, {"title": node.title}, f"area {node.number} {node.title}", created=created)
        self.session.flush()
        objectives = self.objectives(node, row)
        self.indicators(node, row, objectives)
        old = self.session.exec(select(PlanTask).where(PlanTask.area_id == row.id)).all()
        self.tasks(node, row, node.tasks, list(old), None)
        return row

    def objectives(self, node: AreaNode, area: Area) -> list[Objective]:
        query = select(Objective).where(Objective.area_id == area.id)
        old = list(self.session.exec(query.order_by(col(Objective.position))))
        pairs = pair([(o.key, o.text) for o in old], [(None, n.text) for n in node.objectives])
        keys = {o.key for o in old}
        rows: list[Objective] = []
        for i, n in enumerate(node.objectives):
            values: dict[str, Any] = {
                "text": n.text,
                "position": i,
                "milestone_year": n.milestone_year,
                "withdrawn": False,
            }
            row = old[pairs[i]] if i in pairs else None
            if row is None:
                key = fresh_key(f"o-{digest(n.text)}", keys)
                row = Objective(area_id=area.id or 0, key=key, **values)
            label = f"objective {area.number}/{row.key} {short(n.text)!r}"
            self.note(row, values, label, created=i not in pairs)
            rows.append(row)
        for o, row in enumerate(old):
            if o not in pairs.values() and not row.withdrawn:
                row.withdrawn = True
                label = f"objective {area.number}/{row.key} {short(row.text)!r}"
                self.result.withdrawn.append(label)
        self.session.flush()
        return rows

    def indicators(self, node: AreaNode, area: Area, objectives: list[Objective]) -> None:
        old = list(self.session.exec(select(Indicator).where(Indicator.area_id == area.id)))
        pairs = pair([(i.key, i.name) for i in old], [(n.key, n.name) for n in node.indicators])
        keys = {i.key for i in old}
        for i, n in enumerate(node.indicators):
            values: dict[str, Any] = {
                "name": n.name,
                "measure_unit": n.measure_unit,
                "objective_id": objectives[n.objective_index].id,
            }
            row = old[pairs[i]] if i in pairs else None
            if row is None:
                row = Indicator(area_id=area.id or 0, key=fresh_key(n.key, keys), **values)
            label = f"indicator {area.number}/{row.key} {short(n.name)!r}"
            self.note(row, values, label, created=i not in pairs)
            self.session.flush()
            self.targets(row, n.targets, label)
        for o, row in enumerate(old):
            if o in pairs.values():
                continue
            label = f"indicator {area.number}/{row.key} {short(row.name)!r}"
            readings = self.session.exec(
                select(func.count()).where(IndicatorReading.indicator_id == row.id)
            ).one()
            if readings:
                self.result.unchanged += 1  # kept: its readings are history
                continue
            for t in self.session.exec(
                select(IndicatorTarget).where(IndicatorTarget.indicator_id == row.id)
            ):
                self.session.delete(t)
            self.session.flush()
            self.session.delete(row)
            self.result.removed.append(label)

    def targets(self, indicator: Indicator, targets: list[Any], label: str) -> None:
        old = {
            t.year: t
            for t in self.session.exec(
                select(IndicatorTarget).where(IndicatorTarget.indicator_id == indicator.id)
            )
        }
        changed = False
        for t in targets:
            values = {"comparator": t.comparator, "value": t.value, "text": t.text}
            row = old.pop(t.year, None)
            if row is None:
                row = IndicatorTarget(indicator_id=indicator.id or 0, year=t.year, **values)
                self.session.add(row)
                changed = True
            else:
                changed |= bool(_apply(row, values))
        for row in old.values():
            self.session.delete(row)
            changed = True
        if changed and label not in self.result.created and label not in self.result.updated:
            self.result.updated.append(label)
            self.result.unchanged -= 1

    def tasks(
        self,
        area_node: AreaNode,
        area: Area,
        nodes: list[TaskNode],
        area_rows: list[PlanTask],
        parent: PlanTask | None,
    ) -> None:
        parent_id = parent.id if parent else None
        old = sorted((t for t in area_rows if t.parent_id == parent_id), key=lambda t: t.position)
        pairs = pair([(t.key, t.text) for t in old], [(None, n.text) for n in nodes])
        for i, n in enumerate(nodes):
            units = self.units.for_task(n)
            values: dict[str, Any] = {
                "text": n.text,
                "position": i,
                "status": "active",
                "parent_id": parent_id,
                "lead_unit_id": units.lead.id if units.lead else None,
                "lead_group": units.lead_group,
                "lead_group_codes": [u.code for u in units.leads] if units.lead_group else [],
                "supporting_unit_codes": [u.code for u in units.supporting],
                "due_text": n.due_text,
                "product": n.product,
            }
            row = old[pairs[i]] if i in pairs else None
            if row is not None and not units.named:
                # The document names no unit for the task: the distribution made after an
                # earlier import (workflow.services.plan_units) stays. Naming one replaces it.
                for name in ("lead_unit_id", "lead_group", "lead_group_codes"):
                    del values[name]
                del values["supporting_unit_codes"]
            if row is None:
                base = f"{parent.key if parent else area.number}.{digest(n.text, 8)}"
                row = PlanTask(
                    plan_id=self.plan.id or 0,
                    area_id=area.id or 0,
                    key=fresh_key(base, self.task_keys),
                    **values,
                )
            self.note(row, values, f"task {row.key} {short(n.text)!r}", created=i not in pairs)
            if n.children or row.id is not None:
                self.session.flush()
                self.tasks(area_node, area, n.children, area_rows, row)
        for o, row in enumerate(old):
            if o not in pairs.values():
                self.withdraw(row, area_rows)

    def withdraw(self, row: PlanTask, area_rows: list[PlanTask]) -> None:
        for child in (t for t in area_rows if t.parent_id == row.id):
            self.withdraw(child, area_rows)
        if row.status == "withdrawn":
            return
        row.status = "withdrawn"
        items = self.session.exec(select(func.count()).where(WorkItem.plan_task_id == row.id)).one()
        kept = f" ({items} work items keep pointing at it)" if items else ""
        self.result.withdrawn.append(f"task {row.key} {short(row.text)!r}{kept}")


def upsert_plan(
    *,
    session: Session,
    tree: PlanTree,
    now: datetime,
    source: str = "plan",
    source_sha256: str | None = None,
    key: str | None = None,
) -> ImportResult:
    """Create or update the plan tree in `session` (validated first; the caller commits).

    Raises `UnresolvedUnits` (nothing written) when a unit name of the document resolves to
    no unit or group; `UnresolvedUnits.resolution` has what did resolve, for a preview.
    """
    units = resolve_units(session=session, tree=tree)
    if units.unresolved:
        raise UnresolvedUnits(source=source, unresolved=units.unresolved, resolution=units)
    plan_key = key or tree.key
    plan = session.exec(select(Plan).where(Plan.key == plan_key)).first()
    values: dict[str, Any] = {
        "number": tree.number,
        "title": tree.title,
        "place": tree.place,
        "issued_on": tree.issued_on,
        "legal_basis": "\n".join(tree.legal_basis) or None,
        "start_year": tree.start_year,
        "end_year": tree.end_year,
        "sections": tree.sections(),
        "source_sha256": source_sha256,
    }
    created = plan is None
    plan = plan or Plan(key=plan_key, imported_at=now, **values)
    writer = _Writer(session, plan, units)
    writer.note(plan, values, f"plan {plan_key}", created=created)
    session.flush()
    writer.plan = plan
    old_areas = {a.number: a for a in session.exec(select(Area).where(Area.plan_id == plan.id))}
    for node in tree.areas:
        writer.area(node, old_areas.pop(node.number, None))
    for gone in old_areas.values():
        rows = list(session.exec(select(PlanTask).where(PlanTask.area_id == gone.id)))
        for row in rows:
            if row.parent_id is None:
                writer.withdraw(row, rows)
        for obj in session.exec(select(Objective).where(Objective.area_id == gone.id)):
            if not obj.withdrawn:
                obj.withdrawn = True
                writer.result.withdrawn.append(f"objective {gone.number}/{obj.key}")
    result = writer.result
    result.plan_id = plan.id
    if result.changed:
        plan.imported_at = now
    session.flush()
    return result
