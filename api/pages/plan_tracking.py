"""The plan page as the tracking view: each task's units, its items' states, progress and
overdue flag; filters by area, lead unit and state; counts per area.

The numbers come from `workflow.services.plan_tracking` (the deadline flags from
`workflow.deadlines`); this module only filters and names them. Every signed-in user sees a
task's counts and flags (the plan is agency-wide); an item's title and link only when the
item is in the user's scope (`workflow.services.scope.visible_items`).

A task led by a unit group has a share per member unit: the unit filter finds it under each
of them, the state filter then reads that unit's share, its items are named by unit, and
the table per lead unit counts it once for each.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from api.schemas.plans import PlanTree, TaskPublic
from workflow.models import User, WorkItem
from workflow.services.plan_issue import may_issue
from workflow.services.plan_tracking import TaskProgress, TaskStatus, plan_tracking
from workflow.services.scope import visible_items


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip().isdigit() else None


def _walk(tasks: list[TaskPublic]) -> list[tuple[TaskPublic, list[TaskPublic]]]:
    """Every task with its ancestors (closest last)."""
    out: list[tuple[TaskPublic, list[TaskPublic]]] = []

    def visit(nodes: list[TaskPublic], above: list[TaskPublic]) -> None:
        for node in nodes:
            out.append((node, above))
            visit(node.subtasks, [*above, node])

    visit(tasks, [])
    return out


def plan_tracking_context(
    session: Session,
    tree: PlanTree,
    *,
    user: User,
    now: datetime,
    params: Mapping[str, str],
) -> dict[str, Any]:
    """What plan.html needs for the tracking view, with the filters of the query string."""
    tracking = plan_tracking(session=session, plan_id=tree.id, now=now)
    area = _int(params.get("area"))
    unit = _int(params.get("unit"))
    state = params.get("state") or ""
    if state not in {s.value for s in TaskStatus}:
        state = ""
    filtering = area is not None or unit is not None or bool(state)
    shown: set[int] = set()
    units: set[int] = set()
    split: set[int] = set()
    for a in tree.areas:
        for task, above in _walk(a.tasks):
            leads = tracking.leads.get(task.id, [])
            units.update(leads)
            if task.lead_unit_id is not None:
                units.add(task.lead_unit_id)
            progress = tracking.tasks.get(task.id) or TaskProgress(task_id=task.id)
            worked = {i.lead_unit_id for i in progress.items}
            if len(leads) > 1 or len(worked) > 1:
                split.add(task.id)
            if unit is not None and (unit in leads or unit in worked):
                progress = tracking.share(task.id, unit)  # that unit's share
            if (
                (area is None or a.id == area)
                and (unit is None or task.lead_unit_id == unit or unit in leads or unit in worked)
                and (not state or (not task.subtasks and progress.status.value == state))
            ):
                shown.add(task.id)
                shown.update(t.id for t in above)  # a heading of a shown sub-task
    item_ids = [i.id for p in tracking.tasks.values() for i in p.items]
    visible = set(
        session.exec(
            select(WorkItem.id).where(col(WorkItem.id).in_(item_ids), visible_items(user))
        ).all()
        if item_ids
        else ()
    )
    return {
        "tracking": tracking.tasks,
        "area_counts": tracking.areas,
        "unit_counts": tracking.units,
        "split_tasks": split,
        "task_statuses": [s.value for s in TaskStatus],
        "filters": {"area": area, "unit": unit, "state": state},
        "filtering": filtering,
        "shown_tasks": shown,
        "filter_units": sorted(units),
        "visible_items": visible,
        "may_issue": may_issue(user),
    }
