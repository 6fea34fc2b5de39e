"""Distributing a plan's tasks to units (phân công đơn vị chủ trì, phối hợp) after import.

A plan document often names no unit for its tasks (the sample plan names none), yet a unit
head may only assign the tasks their unit leads (`task_assignment.assign_scope`). So the
coordinator (Văn phòng, đầu mối CCHC), the director or an administrator sets each task's
lead unit (`PlanTask.lead_unit_id`) and supporting units (`PlanTask.supporting_unit_codes`),
one task at a time (`set_task_units`) or for a whole plan from a mapping of task keys
(`apply_unit_mapping`, all or nothing). Re-importing the document keeps this distribution
unless the document names units for the task (docs/decisions/0004-plan-import-identity.md).

Plan changes have no audit trail (only work items do, `WorkItemEvent`): each change is
logged as one key=value line instead. Nothing here commits.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import Session, col, select

from workflow.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from workflow.models.org import Role, Unit, User
from workflow.models.plan import Plan, PlanTask
from workflow.yamlio import LINE_KEY

log = logging.getLogger("planflow.plan_units")

# Who distributes a plan's tasks: the coordinator (the plan's keeper, who imports it), the
# director (who signs the plan) and administrators (who may do what the coordinator does).
DISTRIBUTORS = frozenset({Role.COORDINATOR.value, Role.DIRECTOR.value, Role.ADMIN.value})

# A unit as the caller names it: its id (the API, the web form) or its code (a mapping file).
UnitRef = int | str


@dataclass(frozen=True)
class TaskUnits:
    """A task's distribution after a change, and whether the change changed anything."""

    task: PlanTask
    lead: Unit | None
    supporting: tuple[Unit, ...]
    changed: bool

    def describe(self) -> str:
        """One line for the command line: `task 1.ab12cd34: lead VP, support TTRA, TCBC`."""
        lead = self.lead.code if self.lead else "-"
        support = ", ".join(u.code for u in self.supporting) or "-"
        return f"task {self.task.key}: lead {lead}, support {support}"


@dataclass
class MappingResult:
    """What `apply_unit_mapping` did: the tasks it changed and how many were already so."""

    changed: list[TaskUnits] = field(default_factory=list)
    unchanged: int = 0


def may_distribute(actor: User | None) -> bool:
    """May `actor` set tasks' units? None is the operator at the command line, trusted like
    `planflow plan import` (whoever runs it holds the database anyway)."""
    return actor is None or (actor.is_active and actor.role in DISTRIBUTORS)


# Who imports plan documents: the coordinator, who keeps the plans, and administrators (the
# roles `POST /plans/import` admits; the web page asks `may_import_plans`).
IMPORTERS = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})


def may_import_plans(actor: User | None) -> bool:
    """May `actor` import a plan document from the web page?"""
    return actor is not None and actor.is_active and actor.role in IMPORTERS


def _check_actor(actor: User | None) -> None:
    if not may_distribute(actor):
        assert actor is not None
        raise NotAllowed(
            f"{actor.username} ({actor.role}) may not distribute plan tasks to units",
            code="not_allowed",
        )


def _units(session: Session) -> tuple[dict[int, Unit], dict[str, Unit]]:
    units = session.exec(select(Unit)).all()
    return {u.id: u for u in units if u.id is not None}, {u.code: u for u in units}


def _resolve(
    units: tuple[dict[int, Unit], dict[str, Unit]],
    *,
    lead: UnitRef | None,
    supporting: Sequence[UnitRef],
    where: str,
) -> tuple[Unit | None, tuple[Unit, ...]]:
    """The units `lead` and `supporting` name; InvalidInput for an unknown one or a lead
    that also supports. A unit named twice among the supporting ones counts once."""
    by_id, by_code = units

    def one(ref: UnitRef) -> Unit:
        # bool is an int: True must not pass for unit 1.
        found = by_id.get(ref) if isinstance(ref, int) and not isinstance(ref, bool) else None
        if isinstance(ref, str):
            found = by_code.get(ref.strip())
        if found is None:
            raise InvalidInput(f"{where}: unknown unit {ref!r}", code="unknown_unit")
        return found

    lead_unit = one(lead) if lead is not None else None
    support = tuple({u.code: u for u in map(one, supporting)}.values())
    if lead_unit is not None and lead_unit in support:
        raise InvalidInput(
            f"{where}: unit {lead_unit.code} cannot both lead and support", code="lead_supports"
        )
    return lead_unit, support


def _check_task(task: PlanTask, *, where: str) -> None:
    if task.status != "active":
        raise InvalidTransition(
            f"{where}: task {task.key} was withdrawn from the plan", code="task_withdrawn"
        )


def _write(
    task: PlanTask, lead: Unit | None, supporting: tuple[Unit, ...], *, actor: User | None
) -> TaskUnits:
    lead_id = lead.id if lead else None
    codes = [u.code for u in supporting]
    before = (task.lead_unit_id, list(task.supporting_unit_codes or []))
    # A lead group from the document (every member leads) gives way to the one lead chosen.
    changed = before != (lead_id, codes) or task.lead_group is not None
    result = TaskUnits(task=task, lead=lead, supporting=supporting, changed=changed)
    if changed:
        task.lead_unit_id, task.supporting_unit_codes = lead_id, codes
        task.lead_group, task.lead_group_codes = None, []
        log.info(
            "plan_task_units plan_id=%s task=%s actor=%s before_lead_unit_id=%s "
            "before_support=%s lead=%s support=%s",
            task.plan_id,
            task.key,
            actor.username if actor else "cli",
            before[0],
            ",".join(before[1]) or "-",
            lead.code if lead else "-",
            ",".join(u.code for u in supporting) or "-",
        )
    return result


def set_task_units(
    *,
    session: Session,
    actor: User | None,
    task_id: int,
    lead: UnitRef | None,
    supporting: Sequence[UnitRef] = (),
) -> TaskUnits:
    """Make `lead` the lead unit (đơn vị chủ trì) of plan task `task_id` and `supporting` its
    supporting units (đơn vị phối hợp), replacing what it had; units by id or code.

    NotAllowed unless the actor distributes (`DISTRIBUTORS`); NotFound for no such task;
    InvalidTransition (code `task_withdrawn`) for a task withdrawn from the plan;
    InvalidInput for an unknown unit (`unknown_unit`) or a lead that also supports
    (`lead_supports`). `lead=None` leaves the task without a lead unit.
    """
    _check_actor(actor)
    task = session.get(PlanTask, task_id)
    if task is None:
        raise NotFound(f"plan task {task_id} not found")
    where = f"task {task.key}"
    _check_task(task, where=where)
    lead_unit, support = _resolve(_units(session), lead=lead, supporting=supporting, where=where)
    result = _write(task, lead_unit, support, actor=actor)
    session.add(task)
    session.flush()
    return result


class _EntryIn(BaseModel):
    """One task's entry of a mapping: `{lead: CODE, support: [CODE, ...]}` (both optional)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    lead: str | None = None
    support: list[str] = []


def _entry(key: Any, raw: Any, *, source: str) -> tuple[str, _EntryIn, str]:
    """(task key, entry, where) of one mapping item, its shape checked."""
    line = raw.get(LINE_KEY) if isinstance(raw, dict) else None
    where = f"{source}: line {line}" if line else source
    if not isinstance(key, str):
        # YAML reads an unquoted 1.2 as a number: say so rather than guess its spelling.
        raise InvalidInput(f"{where}: task key {key!r} must be quoted text, e.g. '{key}'")
    where = f"{where}: task {key!r}"
    if not isinstance(raw, dict):
        raise InvalidInput(f"{where}: expected a mapping with 'lead' and 'support', got {raw!r}")
    data = {k: v for k, v in raw.items() if k != LINE_KEY}
    if isinstance(data.get("support"), str):
        data["support"] = [data["support"]]  # `support: VP` for a single unit
    try:
        return key, _EntryIn.model_validate(data), where
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise InvalidInput(f"{where}: {loc}: {first['msg']}") from exc


def apply_unit_mapping(
    *,
    session: Session,
    actor: User | None,
    plan_id: int,
    mapping: Mapping[Any, Any],
    source: str = "mapping",
) -> MappingResult:
    """Distribute plan `plan_id`'s tasks as `mapping` says: `{task key: {"lead": code,
    "support": [codes]}}` (keys are `PlanTask.key`, e.g. "2.bca2c8a3"; mappings read with
    `workflow.yamlio.load_yaml_with_lines` name their line in errors).

    All or nothing: every entry is checked (task key of this plan, task not withdrawn,
    units known, lead not also supporting) before any task is changed, and the first
    mistake raises as `set_task_units` would, naming `source` and the line. Tasks the
    mapping does not name keep their units.
    """
    _check_actor(actor)
    if session.get(Plan, plan_id) is None:
        raise NotFound(f"plan {plan_id} not found")
    if not isinstance(mapping, Mapping):
        raise InvalidInput(f"{source}: expected a mapping of task keys to units")
    tasks = {
        t.key: t
        for t in session.exec(
            select(PlanTask).where(PlanTask.plan_id == plan_id).order_by(col(PlanTask.id))
        ).all()
    }
    units = _units(session)
    checked: list[tuple[PlanTask, Unit | None, tuple[Unit, ...]]] = []
    for key, raw in mapping.items():
        if key == LINE_KEY:
            continue
        task_key, entry, where = _entry(key, raw, source=source)
        task = tasks.get(task_key)
        if task is None:
            raise InvalidInput(f"{where}: no such task in plan {plan_id}", code="unknown_task")
        _check_task(task, where=where)
        lead, support = _resolve(units, lead=entry.lead, supporting=entry.support, where=where)
        checked.append((task, lead, support))
    result = MappingResult()
    for task, lead_unit, support_units in checked:
        done = _write(task, lead_unit, support_units, actor=actor)
        if done.changed:
            session.add(task)
            result.changed.append(done)
        else:
            result.unchanged += 1
    session.flush()
    return result
