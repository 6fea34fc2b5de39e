"""A plan's progress task by task (theo dõi thực hiện kế hoạch): the plan page's tracking view.

For every task: its work items with their states and deadline flags (`workflow.deadlines.flag`,
the one rule for overdue and due soon), how far the work is (done items of those not
cancelled or withdrawn) and whether any of it is overdue; per area the same counted over its
tasks. One query for the items whatever the plan's size.

Per lead unit too: a task led by a unit group ("Các phòng chuyên môn") is one share per
member unit, each with its own item (decision 0015), so the unit table counts the task once
for each of its lead units, by that unit's items; the area table counts it once, its items
all together (a task is done when every unit's share is).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from workflow.calendar import load_calendar
from workflow.deadlines import Flag, flag
from workflow.models.org import Unit
from workflow.models.plan import PlanTask
from workflow.models.work import WorkItem
from workflow.settings import get_settings
from workflow.states import State

# Work that ended without being done counts neither for nor against progress.
DROPPED = frozenset({State.CANCELLED.value, State.WITHDRAWN.value, State.RETURNED.value})


class TaskStatus(StrEnum):
    """Where a task's work stands, for the page's state filter."""

    NOT_ISSUED = "not_issued"  # no work item yet
    OPEN = "open"  # work under way, none overdue
    OVERDUE = "overdue"  # some open work is past its deadline
    DONE = "done"  # every item that counts is done
    CLOSED = "closed"  # only cancelled or withdrawn work


@dataclass(frozen=True)
class ItemState:
    """One work item as the plan page lists it."""

    id: int
    title: str
    state: str
    flag: Flag  # Flag.CLOSED when closed
    due_at: datetime
    assignee_id: int
    lead_unit_id: int = 0


@dataclass
class TaskProgress:
    """A task's work: its items, how many are done of those that count, overdue or not."""

    task_id: int
    items: list[ItemState] = field(default_factory=list)

    @property
    def counted(self) -> int:
        return sum(1 for i in self.items if i.state not in DROPPED)

    @property
    def done(self) -> int:
        return sum(1 for i in self.items if i.state == State.DONE.value)

    @property
    def percent(self) -> int | None:
        """Done items of those that count, in percent; None without any."""
        return round(100 * self.done / self.counted) if self.counted else None

    @property
    def overdue(self) -> bool:
        return any(i.flag == Flag.OVERDUE for i in self.items)

    @property
    def due_soon(self) -> bool:
        return any(i.flag == Flag.DUE_SOON for i in self.items)

    @property
    def status(self) -> TaskStatus:
        if not self.items:
            return TaskStatus.NOT_ISSUED
        if self.overdue:
            return TaskStatus.OVERDUE
        if any(i.flag is not Flag.CLOSED for i in self.items):
            return TaskStatus.OPEN
        return TaskStatus.DONE if self.done else TaskStatus.CLOSED


@dataclass
class AreaCounts:
    """An area's tasks (leaves with work to do) counted by status, and its items' progress."""

    tasks: int = 0
    by_status: dict[str, int] = field(default_factory=lambda: {s.value: 0 for s in TaskStatus})
    items: int = 0
    done: int = 0

    @property
    def percent(self) -> int | None:
        return round(100 * self.done / self.items) if self.items else None


@dataclass
class PlanTracking:
    """Every active leaf task's progress and the counts per area."""

    tasks: dict[int, TaskProgress]
    areas: dict[int, AreaCounts]
    # Each lead unit's tasks counted by that unit's share, and the shares themselves.
    units: dict[int, AreaCounts] = field(default_factory=dict)
    shares: dict[tuple[int, int], TaskProgress] = field(default_factory=dict)
    # Each task's lead units: its one lead, or its group's members (import order).
    leads: dict[int, list[int]] = field(default_factory=dict)

    def share(self, task_id: int, unit_id: int) -> TaskProgress:
        """The task's work led by `unit_id` (empty when that unit has none)."""
        return self.shares.get((task_id, unit_id)) or TaskProgress(task_id=task_id)


def plan_tracking(*, session: Session, plan_id: int, now: datetime) -> PlanTracking:
    """The progress of plan `plan_id`'s tasks as of `now`."""
    settings = get_settings()
    calendar = load_calendar(session=session)
    tasks = session.exec(select(PlanTask).where(PlanTask.plan_id == plan_id)).all()
    parents = {t.parent_id for t in tasks if t.parent_id is not None and t.status == "active"}
    progress = {t.id or 0: TaskProgress(task_id=t.id or 0) for t in tasks}
    items = session.exec(
        select(WorkItem)
        .where(col(WorkItem.plan_task_id).in_(list(progress)))
        .order_by(col(WorkItem.due_at), col(WorkItem.id))
    ).all()
    for item in items:
        progress[item.plan_task_id or 0].items.append(
            ItemState(
                id=item.id or 0,
                title=item.title,
                state=item.state,
                flag=flag(item, now=now, calendar=calendar, settings=settings),
                due_at=item.due_at,
                assignee_id=item.assignee_id,
                lead_unit_id=item.lead_unit_id,
            )
        )
    unit_of = {
        code: unit_id for code, unit_id in session.exec(select(Unit.code, Unit.id)) if unit_id
    }
    areas: dict[int, AreaCounts] = {}
    units: dict[int, AreaCounts] = {}
    shares: dict[tuple[int, int], TaskProgress] = {}
    leads: dict[int, list[int]] = {}
    for task in tasks:
        counts = areas.setdefault(task.area_id, AreaCounts())
        if task.id in parents or task.status != "active":
            continue
        p = progress[task.id or 0]
        counts.tasks += 1
        counts.by_status[p.status.value] += 1
        counts.items += p.counted
        counts.done += p.done
        for state in p.items:
            key = (task.id or 0, state.lead_unit_id)
            shares.setdefault(key, TaskProgress(task_id=task.id or 0)).items.append(state)
        lead_ids = (
            [unit_of[c] for c in task.lead_group_codes if c in unit_of]
            if task.lead_group
            else [task.lead_unit_id]
            if task.lead_unit_id is not None
            else []
        )
        leads[task.id or 0] = list(dict.fromkeys(lead_ids))
        # A unit with work on the task counts it too (the work is its own).
        for unit_id in dict.fromkeys([*lead_ids, *(i.lead_unit_id for i in p.items)]):
            share = shares.get((task.id or 0, unit_id)) or TaskProgress(task_id=task.id or 0)
            unit = units.setdefault(unit_id, AreaCounts())
            unit.tasks += 1
            unit.by_status[share.status.value] += 1
            unit.items += share.counted
            unit.done += share.done
    return PlanTracking(tasks=progress, areas=areas, units=units, shares=shares, leads=leads)
