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

from sqlalchemy import bindparam, func, insert, update
from sqlmodel import Session, col, select

from workflow.importer.match import TaskRef, fresh_key, pair, pair_tasks
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
from workflow.search_index import index_objects

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

    def tasks(self, plan_tasks: _PlanTasks, areas: dict[int, Area]) -> None:
        """Create, update, move and withdraw the plan's tasks.

        Written with a few set-based statements (one INSERT and one UPDATE executemany per
        nesting level) on plain rows: the ORM's per-object bookkeeping cost more than the
        database did for a 10k-task plan.
        """
        table = _TASKS
        conn = self.session.connection()
        keys: list[str] = [""] * len(plan_tasks.new)
        ids: list[int] = [0] * len(plan_tasks.new)
        lines: list[tuple[int, str, str]] = []
        updates: list[dict[str, Any]] = []
        added: list[int] = []
        for level in plan_tasks.levels():
            inserts: list[tuple[int, dict[str, Any]]] = []
            for n in level:
                ref, node = plan_tasks.new[n], plan_tasks.nodes[n]
                parent = ref.parent
                units = self.units.for_task(node)
                values: dict[str, Any] = {
                    "text": node.text,
                    "position": ref.position,
                    "status": "active",
                    "area_id": areas[ref.area].id,
                    "parent_id": ids[parent] if parent is not None else None,
                    "lead_unit_id": units.lead.id if units.lead else None,
                    "lead_group": units.lead_group,
                    "lead_group_codes": [u.code for u in units.leads] if units.lead_group else [],
                    "supporting_unit_codes": [u.code for u in units.supporting],
                    "due_text": node.due_text,
                    "product": node.product,
                }
                o = plan_tasks.pairs.get(n)
                if o is None:
                    base = f"{keys[parent] if parent is not None else ref.area}"
                    keys[n] = fresh_key(f"{base}.{digest(node.text, 8)}", self.task_keys)
                    inserts.append((n, {"plan_id": self.plan.id, "key": keys[n], **values}))
                    lines.append((n, "created", f"task {keys[n]} {short(node.text)!r}"))
                    continue
                row = plan_tasks.old_rows[o]
                keys[n], ids[n] = row["key"], row["id"]
                if not units.named:
                    # The document names no unit for the task: the distribution made after an
                    # earlier import (workflow.services.plan_units) stays. Naming one replaces it.
                    for name in ("lead_unit_id", "lead_group", "lead_group_codes"):
                        del values[name]
                    del values["supporting_unit_codes"]
                changed = {k for k, v in values.items() if row[k] != v}
                if changed:
                    updates.append({"_id": row["id"], **{k: row[k] for k in _TASK_COLUMNS}})
                    updates[-1].update(values)
                if changed - _QUIET:
                    lines.append((n, "updated", f"task {keys[n]} {short(node.text)!r}"))
                else:
                    self.result.unchanged += 1
            if inserts:
                adding = insert(table).returning(table.c.id, sort_by_parameter_order=True)
                created = conn.execute(adding, [v for _, v in inserts]).scalars().all()
                for (n, _), new_id in zip(inserts, created, strict=True):
                    ids[n] = new_id
                added.extend(created)
        paired = set(plan_tasks.pairs.values())
        for o, row in enumerate(plan_tasks.old_rows):
            if o in paired or row["status"] == "withdrawn":
                continue
            updates.append({"_id": row["id"], **{k: row[k] for k in _TASK_COLUMNS}})
            updates[-1]["status"] = "withdrawn"
            items = plan_tasks.items.get(row["id"], 0)
            kept = f" ({items} work items keep pointing at it)" if items else ""
            self.result.withdrawn.append(f"task {row['key']} {short(row['text'])!r}{kept}")
        if updates:
            changing = (
                update(table)
                .where(table.c.id == bindparam("_id"))
                .values({c: bindparam(c) for c in _TASK_COLUMNS})
            )
            conn.execute(changing, updates)
        for _n, verb, label in sorted(lines):
            (self.result.created if verb == "created" else self.result.updated).append(label)
        # Task objects already in the session (loaded by the caller) reload their new values.
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, PlanTask):
                self.session.expire(obj)
        # Bulk statements bypass the ORM's flush, which keeps the search index in step.
        touched = added + [u["_id"] for u in updates]
        index_objects(session=self.session, model=PlanTask, ids=touched)


_TASKS = PlanTask.__table__  # type: ignore[attr-defined]
_TASK_COLUMNS = (
    "text",
    "position",
    "status",
    "area_id",
    "parent_id",
    "lead_unit_id",
    "lead_group",
    "lead_group_codes",
    "supporting_unit_codes",
    "due_text",
    "product",
)


@dataclass
class _PlanTasks:
    """The document's tasks and the stored ones (plain rows), paired before any write."""

    nodes: list[TaskNode]
    new: list[TaskRef]
    old_rows: list[dict[str, Any]]
    pairs: dict[int, int]
    items: dict[int, int]  # work items per stored task id

    def levels(self) -> list[list[int]]:
        """New task indices by nesting level, in document order within a level."""
        depth: list[int] = []
        out: list[list[int]] = []
        for n, ref in enumerate(self.new):
            depth.append(0 if ref.parent is None else depth[ref.parent] + 1)
            while len(out) <= depth[n]:
                out.append([])
            out[depth[n]].append(n)
        return out


def _plan_tasks(session: Session, tree: PlanTree, plan: Plan | None) -> _PlanTasks:
    """Read the stored tasks and pair them with the document's (reads only, no writes)."""
    nodes: list[TaskNode] = []
    new: list[TaskRef] = []

    def walk(area: int, children: list[TaskNode], parent: int | None) -> None:
        for i, node in enumerate(children):
            nodes.append(node)
            new.append(TaskRef(area=area, parent=parent, text=node.text, position=i))
            walk(area, node.children, len(new) - 1)

    for area_node in tree.areas:
        walk(area_node.number, area_node.tasks, None)
    if plan is None or plan.id is None:
        return _PlanTasks(nodes, new, [], {}, {})
    numbers = {a.id: a.number for a in session.exec(select(Area).where(Area.plan_id == plan.id))}
    columns = [_TASKS.c.id, _TASKS.c.key, *(_TASKS.c[c] for c in _TASK_COLUMNS)]
    query = select(*columns).where(_TASKS.c.plan_id == plan.id).order_by(_TASKS.c.id)
    stored = [dict(r) for r in session.connection().execute(query).mappings()]
    # Parents before children, as pairing expects; then by area and position.
    by_id = {t["id"]: t for t in stored}
    depth: dict[int, int] = {}

    def depth_of(t: dict[str, Any]) -> int:
        if t["id"] not in depth:
            parent = by_id.get(t["parent_id"])
            depth[t["id"]] = 0 if parent is None else depth_of(parent) + 1
        return depth[t["id"]]

    old_rows = sorted(stored, key=lambda t: (depth_of(t), numbers[t["area_id"]], t["position"]))
    index = {t["id"]: i for i, t in enumerate(old_rows)}
    old = [
        TaskRef(
            area=numbers[t["area_id"]],
            parent=index.get(t["parent_id"]),
            text=t["text"],
            key=t["key"],
            position=t["position"],
        )
        for t in old_rows
    ]
    pairs = pair_tasks(old, new)
    counts = session.exec(
        select(WorkItem.plan_task_id, func.count())
        .join(PlanTask, col(PlanTask.id) == col(WorkItem.plan_task_id))
        .where(PlanTask.plan_id == plan.id)
        .group_by(col(WorkItem.plan_task_id))
    ).all()
    items = {task_id: int(n) for task_id, n in counts if task_id is not None}
    return _PlanTasks(nodes, new, old_rows, pairs, items)


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
    # Everything that takes time (reading the stored tasks, pairing them) happens before the
    # first write, so on SQLite the write lock is held only for the writes themselves.
    plan_tasks = _plan_tasks(session, tree, plan)
    plan = plan or Plan(key=plan_key, imported_at=now, **values)
    writer = _Writer(session, plan, units)
    writer.note(plan, values, f"plan {plan_key}", created=created)
    session.flush()
    writer.plan = plan
    old_areas = {a.number: a for a in session.exec(select(Area).where(Area.plan_id == plan.id))}
    areas = {a.number: a for a in old_areas.values()}
    for node in tree.areas:
        areas[node.number] = writer.area(node, old_areas.pop(node.number, None))
    writer.tasks(plan_tasks, areas)
    for gone in old_areas.values():
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
