"""Issuing a plan (ban hành kế hoạch thành công việc): every task with a lead unit becomes a
work item for the head of that unit, dated by the plan's own deadline phrase, in one step.

`preview_issue` says, task by task, what issuing would do (one `IssueRow` per task and lead
unit that has or needs work); `issue_plan` does it in the caller's transaction (never
commits). A task led by a unit group ("Các phòng chuyên môn chủ trì", decision 0013) is one
share per member unit: one row, one item for that unit's head, each with the task's
supporting units (decision 0015). Issuing is idempotent: each issued share keeps an
`IssuedTask` row, keyed by (task, unit), naming its item (or recurring series) and the
deadline phrase it was issued with, so issuing again creates nothing, and after an amended
plan is re-imported it

- creates items for new tasks and for units added to a task's lead group,
- moves the due date of open items whose task's deadline phrase now reads as another date
  (an audited `plan_due_moved` event, mailed to the assignee through the outbox),
- proposes cancelling the open items of withdrawn tasks, and of units no longer among a
  task's lead units (cancelled only when the row is confirmed with
  `RowOverride(cancel=True)`, through the state machine's cancel),
- never touches a done (or otherwise closed) item.

Deadlines come from `workflow.due_phrases.read_due_phrase` with the plan's current year. A
date on a day off is shown with the working day it becomes (`due_working_on`); the item's
deadline is that working day (Civil Code Art. 148), never moved silently. A task whose
plan gives no deadline at all is due at the end of the plan's current year (the annual
report's horizon, README "Issuing a plan"); a phrase that cannot be read, or a date already
past, is skipped until a due date is entered for the row. Recurring phrases ("Hằng quý")
become a recurring series, and ongoing work ("Thường xuyên") a recurring progress report;
the first occurrence is created at once.

Who issues: the coordinator (who keeps the plan), the director, an administrator.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from sqlmodel import Session, col, select

from workflow.calendar import WorkCalendar, deadline_at, load_calendar, local_date
from workflow.due_phrases import DueReading, ReportingDuty, read_due_phrase
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.importer.text import short
from workflow.models.org import Role, Unit, User
from workflow.models.plan import Area, Plan, PlanTask
from workflow.models.work import IssuedTask, RecurringSeries, WorkItem
from workflow.recurrence import occurrences, plan_occurrence
from workflow.services.recurrence import create_series
from workflow.services.task_assignment import SERIES_TITLE_MAX
from workflow.services.work_items import (
    ItemSpec,
    act,
    create_item,
    create_items,
    record_change,
    set_due,
    snapshot,
)
from workflow.settings import get_settings
from workflow.states import OPEN_STATES, Action, State

log = logging.getLogger("planflow.plan_issue")

ISSUERS = frozenset({Role.COORDINATOR.value, Role.DIRECTOR.value, Role.ADMIN.value})

# Ongoing work ("Thường xuyên") is tracked by a progress report at each quarter's end when
# the phrase's reading names no rule of its own.
PROGRESS_RULE = "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=-1"
PROGRESS_PREFIX = "Báo cáo tiến độ: "
# Working days from an occurrence's start to its due date (the series' default).
SERIES_DURATION = 10
TITLE_MAX = 500


class IssueAction(StrEnum):
    """What issuing does to one task's work."""

    CREATE = "create"  # a new item (or series with its first occurrence)
    MOVE_DUE = "move_due"  # the plan's deadline changed: the open item's due date moves
    PROPOSE_CANCEL = "propose_cancel"  # the task was withdrawn: cancel once confirmed
    CANCEL = "cancel"  # a confirmed proposal
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"


class Reason(StrEnum):
    """Why a row is skipped or unchanged (pages word it from the code)."""

    NO_LEAD_UNIT = "no_lead_unit"
    NO_HEAD = "no_head"
    NEEDS_DUE = "needs_due"  # the deadline phrase was not understood
    DUE_PASSED = "due_passed"
    NO_OCCURRENCE = "no_occurrence"  # a recurrence with no date left in the plan
    SKIPPED_BY_USER = "skipped_by_user"
    ISSUED = "issued"  # issued before, nothing changed
    ASSIGNED = "assigned"  # assigned by hand before the plan was issued
    CLOSED = "closed"  # done, cancelled, withdrawn or returned: never touched
    RECURRENCE_CHANGED = "recurrence_changed"  # the series is left for a person to edit
    TASK_WITHDRAWN = "task_withdrawn"
    NOT_LEAD = "not_lead"  # the unit is no longer (or never was) among the task's lead units


# The due of a row: the phrase's kinds plus the year-end default for a task without one.
DueKind = str  # "fixed" | "recurring" | "ongoing" | "unread" | "year_end" | "override"


@dataclass(frozen=True)
class RowOverride:
    """The coordinator's edit of one row: another due date or assignee, skip it, or confirm
    the proposed cancellation."""

    due_on: date | None = None
    assignee_id: int | None = None
    skip: bool = False
    cancel: bool = False


# An override's key: a task id (every row of the task) or (task id, lead unit id), one
# unit's row of a task led by a group.
RowKey = int | tuple[int, int]


@dataclass
class IssueRow:
    """One task's work (or one lead unit's share of it) as issuing finds it and what it
    will do."""

    task_id: int
    task_key: str
    area_id: int
    area_number: int
    area_title: str
    title: str
    action: IssueAction
    reason: Reason | None = None
    lead_unit_id: int | None = None
    lead_unit: str | None = None
    assignee_id: int | None = None
    assignee: str | None = None
    supporting_unit_ids: tuple[int, ...] = ()
    supporting_units: tuple[str, ...] = ()
    due_text: str | None = None
    due_kind: DueKind = "unread"
    due_on: date | None = None  # the date the phrase names (or the entered one)
    due_working_on: date | None = None  # the working day it becomes (differs on a day off)
    recurrence: str | None = None
    deliverable: str | None = None
    warning: str | None = None
    current_due_on: date | None = None  # an issued item's due date today (moves, cancels)
    work_item_ids: tuple[int, ...] = ()
    series_id: int | None = None
    overridden: bool = False
    # The task's lead group as written ("Các phòng chuyên môn") when the row is a member
    # unit's share of it.
    lead_group: str | None = None
    # The task has a row per unit (a group lead, or work of a unit no longer its lead):
    # the row is addressed by (task, unit), its `key` "task-unit".
    split: bool = False
    # The row's unit is not among the task's lead units (its work is proposed cancelled).
    former: bool = False

    @property
    def key(self) -> str:
        """The row's name in forms: the task id, or "task-unit" for a unit's share."""
        return f"{self.task_id}-{self.lead_unit_id}" if self.split else str(self.task_id)

    @property
    def override_key(self) -> RowKey:
        """How an override addresses this row (see `RowKey`)."""
        if self.split and self.lead_unit_id is not None:
            return (self.task_id, self.lead_unit_id)
        return self.task_id

    @property
    def day_off(self) -> bool:
        """The named date is a day off: the row shows the working day it becomes."""
        return self.due_working_on is not None and self.due_working_on != self.due_on

    def as_json(self) -> dict[str, object]:
        """The row for `--json` and the API."""
        return {
            "task_id": self.task_id,
            "task_key": self.task_key,
            "key": self.key,
            "area": f"{self.area_number}. {self.area_title}",
            "title": self.title,
            "action": self.action.value,
            "reason": self.reason.value if self.reason else None,
            "lead_unit_id": self.lead_unit_id,
            "lead_unit": self.lead_unit,
            "lead_group": self.lead_group,
            "assignee_id": self.assignee_id,
            "assignee": self.assignee,
            "supporting_units": list(self.supporting_units),
            "due_text": self.due_text,
            "due_kind": self.due_kind,
            "due": self.due_on.isoformat() if self.due_on else None,
            "due_working_day": self.due_working_on.isoformat() if self.due_working_on else None,
            "recurrence": self.recurrence,
            "deliverable": self.deliverable,
            "warning": self.warning,
            "current_due": self.current_due_on.isoformat() if self.current_due_on else None,
            "work_item_ids": list(self.work_item_ids),
            "series_id": self.series_id,
        }


@dataclass
class IssuePreview:
    """Every row of a plan's issue, and the plan year the phrases were read with."""

    plan: Plan
    plan_year: int
    rows: list[IssueRow]

    def counts(self) -> dict[str, int]:
        """Rows by action, every action named (0 when none): a group-led task counts once
        per unit (one item each)."""
        counts = {a.value: 0 for a in IssueAction}
        for row in self.rows:
            counts[row.action.value] += 1
        return counts

    def task_counts(self) -> dict[str, int]:
        """Tasks by action: a task counts under every action one of its rows has."""
        tasks: dict[str, set[int]] = {a.value: set() for a in IssueAction}
        for row in self.rows:
            tasks[row.action.value].add(row.task_id)
        return {name: len(ids) for name, ids in tasks.items()}


@dataclass
class IssueResult:
    """What `issue_plan` did (or, dry, would do): the rows and the new items' ids."""

    preview: IssuePreview
    dry_run: bool
    created_item_ids: list[int] = field(default_factory=list)
    created_series_ids: list[int] = field(default_factory=list)
    moved_item_ids: list[int] = field(default_factory=list)
    cancelled_item_ids: list[int] = field(default_factory=list)

    @property
    def rows(self) -> list[IssueRow]:
        return self.preview.rows

    def counts(self) -> dict[str, int]:
        return self.preview.counts()

    def summary(self) -> str:
        """One line: `created 12, moved 1, proposed cancel 1, cancelled 0, unchanged 3, ...`."""
        c = self.counts()
        prefix = "would be: " if self.dry_run else ""
        return prefix + ", ".join(
            f"{name.replace('_', ' ')} {c[name]}"
            for name in ("create", "move_due", "propose_cancel", "cancel", "unchanged", "skipped")
        )

    def as_json(self) -> dict[str, object]:
        return {
            "plan_id": self.preview.plan.id,
            "plan_key": self.preview.plan.key,
            "plan_year": self.preview.plan_year,
            "dry_run": self.dry_run,
            "counts": self.counts(),
            "task_counts": self.preview.task_counts(),
            "created_item_ids": self.created_item_ids,
            "created_series_ids": self.created_series_ids,
            "moved_item_ids": self.moved_item_ids,
            "cancelled_item_ids": self.cancelled_item_ids,
            "rows": [row.as_json() for row in self.rows],
        }


def may_issue(actor: User | None) -> bool:
    """The coordinator, the director and administrators issue plans."""
    return actor is not None and actor.is_active and actor.role in ISSUERS


def plan_year_of(plan: Plan, *, today: date) -> int:
    """The year the plan's phrases ("Quý II", "6 tháng đầu năm") speak of: this year,
    within the plan's years."""
    year = today.year
    if plan.start_year is not None:
        year = max(year, plan.start_year)
    if plan.end_year is not None:
        year = min(year, plan.end_year)
    return year


@dataclass
class _World:
    """Everything the rows need, read once (a 500-task plan stays a handful of queries)."""

    today: date
    plan_year: int
    # The plan's reporting duty ("báo cáo ... trước ngày 10 của tháng cuối quý"): recurring
    # and ongoing work falls on it, as the import's preview showed.
    duty: ReportingDuty | None
    calendar: WorkCalendar
    units: dict[int, Unit]
    unit_by_code: dict[str, Unit]
    heads: dict[int, User]
    users: dict[int, User]
    areas: dict[int, Area]
    links: dict[int, list[IssuedTask]]  # by plan task, one per issued unit
    items: dict[int, list[WorkItem]]  # by plan task
    series: dict[int, list[RecurringSeries]]  # by plan task


@dataclass
class _Share:
    """One lead unit's part of a task's work: its link, items and series."""

    unit_id: int | None
    link: IssuedTask | None = None
    items: list[WorkItem] = field(default_factory=list)
    series: list[RecurringSeries] = field(default_factory=list)

    @property
    def has_work(self) -> bool:
        return bool(self.link or self.items or self.series)


def _world(session: Session, plan: Plan, *, now: datetime) -> _World:
    today = local_date(now, tz=get_settings().timezone)
    users = {u.id or 0: u for u in session.exec(select(User)).all()}
    heads: dict[int, User] = {}
    for user in sorted(users.values(), key=lambda u: u.id or 0):
        if user.role == Role.UNIT_HEAD.value and user.is_active and user.unit_id is not None:
            heads.setdefault(user.unit_id, user)
    units = {u.id or 0: u for u in session.exec(select(Unit)).all()}
    task_ids = select(PlanTask.id).where(PlanTask.plan_id == plan.id)
    items: dict[int, list[WorkItem]] = {}
    for item in session.exec(
        select(WorkItem).where(col(WorkItem.plan_task_id).in_(task_ids)).order_by(col(WorkItem.id))
    ).all():
        items.setdefault(item.plan_task_id or 0, []).append(item)
    series: dict[int, list[RecurringSeries]] = {}
    for s in session.exec(
        select(RecurringSeries).where(col(RecurringSeries.plan_task_id).in_(task_ids))
    ).all():
        series.setdefault(s.plan_task_id or 0, []).append(s)
    links: dict[int, list[IssuedTask]] = {}
    for link in session.exec(
        select(IssuedTask)
        .where(col(IssuedTask.plan_task_id).in_(task_ids))
        .order_by(col(IssuedTask.id))
    ).all():
        links.setdefault(link.plan_task_id, []).append(link)
    areas = {a.id or 0: a for a in session.exec(select(Area).where(Area.plan_id == plan.id)).all()}
    return _World(
        today=today,
        plan_year=plan_year_of(plan, today=today),
        duty=ReportingDuty.from_json((plan.sections or {}).get("reporting_duty")),
        calendar=load_calendar(session=session),
        units=units,
        unit_by_code={u.code: u for u in units.values()},
        heads=heads,
        users=users,
        areas=areas,
        links=links,
        items=items,
        series=series,
    )


def _plan(session: Session, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    return plan


def _first_occurrence(rule: str, w: _World, plan: Plan) -> date | None:
    """The rule's first date from today to the plan's last day (anchored at the plan year)."""
    until = date(plan.end_year or w.plan_year, 12, 31)
    anchor = date(w.plan_year, 1, 1)
    if w.today > until:
        return None
    found = occurrences(rule, dtstart=anchor, until=until, start=max(anchor, w.today), end=until)
    return found[0] if found else None


def _read_due(row: IssueRow, task: PlanTask, w: _World, plan: Plan) -> DueReading | None:
    """Fill the row's due (or recurrence) from the task's phrase; the reading, or None for
    the year-end default of a task whose plan names no deadline."""
    row.due_text = task.due_text
    if not (task.due_text or "").strip():
        row.due_kind = "year_end"
        row.due_on = date(w.plan_year, 12, 31)
        return None
    reading = read_due_phrase(task.due_text, plan_year=w.plan_year, duty=w.duty)
    row.due_kind = reading.kind
    row.warning = reading.warning
    if reading.kind == "fixed":
        row.due_on = reading.due
    elif reading.kind in ("recurring", "ongoing"):
        row.recurrence = reading.recurrence or (
            PROGRESS_RULE if reading.kind == "ongoing" else None
        )
        if row.recurrence:
            row.due_on = _first_occurrence(row.recurrence, w, plan)
    return reading


def _work_day(row: IssueRow, w: _World) -> None:
    if row.due_on is not None:
        row.due_working_on = w.calendar.roll_to_working_day(row.due_on)


def _base_row(task: PlanTask, w: _World, unit_id: int | None) -> IssueRow:
    """The row of `task`'s share led by `unit_id` (the task's lead unit, or one member of
    its lead group), for that unit's head."""
    area = w.areas.get(task.area_id)
    lead = w.units.get(unit_id or 0)
    supporting = [
        w.unit_by_code[c]
        for c in dict.fromkeys(task.supporting_unit_codes)
        if c in w.unit_by_code and w.unit_by_code[c].id != unit_id
    ]
    head = w.heads.get(lead.id or 0) if lead else None
    return IssueRow(
        task_id=task.id or 0,
        task_key=task.key,
        area_id=task.area_id,
        area_number=area.number if area else 0,
        area_title=area.title if area else "",
        title=task.text,
        action=IssueAction.UNCHANGED,
        lead_unit_id=lead.id if lead else None,
        lead_unit=lead.name if lead else None,
        assignee_id=head.id if head else None,
        assignee=head.full_name if head else None,
        supporting_unit_ids=tuple(u.id or 0 for u in supporting),
        supporting_units=tuple(u.name for u in supporting),
        deliverable=task.product,
        lead_group=task.lead_group,
    )


def _lead_ids(task: PlanTask, w: _World) -> list[int]:
    """The task's lead units: its group's members (as expanded at import) or its one lead."""
    if task.lead_group:
        ids = [w.unit_by_code[c].id or 0 for c in task.lead_group_codes if c in w.unit_by_code]
        return list(dict.fromkeys(ids))
    return [task.lead_unit_id] if task.lead_unit_id is not None else []


def _shares(task: PlanTask, w: _World) -> dict[int | None, _Share]:
    """The task's work by lead unit: a link's item and series belong to the link's unit,
    a series' occurrences to the series, any other item to its own lead unit."""
    shares: dict[int | None, _Share] = {}
    item_unit: dict[int, int | None] = {}
    series_unit: dict[int, int | None] = {}
    for link in w.links.get(task.id or 0, []):
        shares.setdefault(link.unit_id, _Share(link.unit_id)).link = link
        if link.work_item_id is not None:
            item_unit[link.work_item_id] = link.unit_id
        if link.series_id is not None:
            series_unit[link.series_id] = link.unit_id
    for s in w.series.get(task.id or 0, []):
        unit = series_unit.setdefault(s.id or 0, s.lead_unit_id)
        shares.setdefault(unit, _Share(unit)).series.append(s)
    for item in w.items.get(task.id or 0, []):
        if (item.id or 0) in item_unit:
            unit = item_unit[item.id or 0]
        elif item.series_id is not None and item.series_id in series_unit:
            unit = series_unit[item.series_id]
        else:
            unit = item.lead_unit_id
        shares.setdefault(unit, _Share(unit)).items.append(item)
    return shares


def _apply_override(row: IssueRow, override: RowOverride | None, w: _World) -> None:
    """The coordinator's edits of a row that would create or move an item."""
    if override is None:
        return
    if override.assignee_id is not None:
        user = w.users.get(override.assignee_id)
        if user is None or not user.is_active or user.unit_id != row.lead_unit_id:
            raise InvalidInput(
                f"task {row.task_key}: the assignee must be an active member of the lead unit",
                code="issue_bad_assignee",
            )
        row.assignee_id, row.assignee = user.id, user.full_name
        row.overridden = True
    if override.due_on is not None:
        if override.due_on < w.today:
            raise InvalidInput(
                f"task {row.task_key}: the due date {override.due_on} is already past",
                code="issue_due_past",
            )
        row.due_kind, row.due_on, row.recurrence = "override", override.due_on, None
        row.overridden = True


def _new_work_row(
    row: IssueRow, task: PlanTask, w: _World, plan: Plan, ov: RowOverride | None
) -> None:
    """A task without work yet: create it, or say why not."""
    reading = _read_due(row, task, w, plan)
    _apply_override(row, ov, w)
    _work_day(row, w)
    row.action = IssueAction.SKIPPED
    if ov is not None and ov.skip:
        row.reason = Reason.SKIPPED_BY_USER
    elif row.lead_unit_id is None:
        row.reason = Reason.NO_LEAD_UNIT
    elif row.assignee_id is None:
        row.reason = Reason.NO_HEAD
    elif row.recurrence is not None and row.due_on is None:
        row.reason = Reason.NO_OCCURRENCE
    elif row.due_on is None:
        row.reason = Reason.NEEDS_DUE
        if reading is not None and reading.kind == "unread":
            row.warning = reading.warning
    elif row.due_working_on is not None and row.due_working_on < w.today:
        row.reason = Reason.DUE_PASSED
    else:
        row.action, row.reason = IssueAction.CREATE, None


def _current(row: IssueRow, share: _Share, w: _World) -> WorkItem | None:
    """Fill the row's work from its share; the item the plan dates: the linked one, else
    the latest (hand-assigned) one."""
    items, series, link = share.items, share.series, share.link
    open_items = [i for i in items if State(i.state) in OPEN_STATES]
    active_series = [s for s in series if s.active]
    row.work_item_ids = tuple(i.id or 0 for i in (open_items or items))
    row.series_id = active_series[0].id if active_series else (series[0].id if series else None)
    linked = next((i for i in items if link and i.id == link.work_item_id), None)
    item = linked or (items[-1] if items else None)
    if item is not None:
        row.current_due_on = local_date(item.due_at, tz=get_settings().timezone)
        user = w.users.get(item.assignee_id)
        row.assignee_id, row.assignee = item.assignee_id, user.full_name if user else None
    return item


def _former_row(
    row: IssueRow, task: PlanTask, w: _World, ov: RowOverride | None, share: _Share
) -> None:
    """Work of a unit that no longer leads the (active) task: its unit left the task's lead
    group, or the task got another lead. Issued work is proposed cancelled; work a person
    assigned by hand, never issued, is left as it is."""
    row.former = True
    _current(row, share, w)
    row.due_text = task.due_text
    open_work = any(State(i.state) in OPEN_STATES for i in share.items) or any(
        s.active for s in share.series
    )
    row.action, row.reason = IssueAction.UNCHANGED, Reason.NOT_LEAD
    if share.link is None:
        row.reason = Reason.ASSIGNED
    elif not open_work:
        row.reason = Reason.CLOSED
    else:
        cancel = ov is not None and ov.cancel
        row.action = IssueAction.CANCEL if cancel else IssueAction.PROPOSE_CANCEL


def _existing_row(
    row: IssueRow,
    task: PlanTask,
    w: _World,
    plan: Plan,
    ov: RowOverride | None,
    share: _Share,
) -> None:
    """A task (share) with work already: move, propose cancelling, or leave it."""
    items, series, link = share.items, share.series, share.link
    open_items = [i for i in items if State(i.state) in OPEN_STATES]
    active_series = [s for s in series if s.active]
    item = _current(row, share, w)
    if task.status != "active":
        row.reason = Reason.TASK_WITHDRAWN
        if open_items or active_series:
            cancel = ov is not None and ov.cancel
            row.action = IssueAction.CANCEL if cancel else IssueAction.PROPOSE_CANCEL
        else:
            row.action, row.reason = IssueAction.UNCHANGED, Reason.CLOSED
        return
    reading = _read_due(row, task, w, plan)
    row.action = IssueAction.UNCHANGED
    if link is None:
        row.reason = Reason.ASSIGNED
        _work_day(row, w)
        return
    row.reason = Reason.ISSUED
    if link.series_id is not None:
        if (task.due_text or "") != (link.due_text or ""):
            row.reason = Reason.RECURRENCE_CHANGED
        _work_day(row, w)
        return
    if item is None or State(item.state) not in OPEN_STATES:
        row.reason = Reason.CLOSED
        _work_day(row, w)
        return
    changed = (task.due_text or "") != (link.due_text or "")
    if ov is not None and ov.due_on is not None:
        changed = True
    if not changed:
        _work_day(row, w)
        return
    if reading is not None and reading.kind not in ("fixed",) and not (ov and ov.due_on):
        row.reason = Reason.NEEDS_DUE if reading.kind == "unread" else Reason.RECURRENCE_CHANGED
        _work_day(row, w)
        return
    _apply_override(row, RowOverride(due_on=ov.due_on) if ov and ov.due_on else None, w)
    _work_day(row, w)
    if ov is not None and ov.skip:
        row.reason = Reason.SKIPPED_BY_USER
    elif row.due_on is None or row.due_working_on == row.current_due_on:
        pass  # same working day: nothing to move
    elif row.due_working_on is not None and row.due_working_on < w.today:
        row.action, row.reason = IssueAction.SKIPPED, Reason.DUE_PASSED
    else:
        row.action, row.reason = IssueAction.MOVE_DUE, None


def _leaf_tasks(session: Session, plan: Plan) -> list[PlanTask]:
    tasks = session.exec(
        select(PlanTask)
        .where(PlanTask.plan_id == plan.id)
        .order_by(col(PlanTask.area_id), col(PlanTask.position), col(PlanTask.id))
    ).all()
    parents = {t.parent_id for t in tasks if t.parent_id is not None and t.status == "active"}
    # Depth-first in the plan's order: a sub-task right after its heading's siblings.
    return [t for t in tasks if t.id not in parents]


def _task_rows(
    task: PlanTask,
    w: _World,
    plan: Plan,
    overrides: Mapping[RowKey, RowOverride],
) -> list[tuple[IssueRow, _Share]]:
    """The task's rows with the work each one stands for (none: nothing to do)."""
    task_id = task.id or 0
    items, series = w.items.get(task_id, []), w.series.get(task_id, [])
    links = w.links.get(task_id, [])
    active = task.status == "active"
    if not active and not items and not series:
        return []  # withdrawn before it was ever issued: nothing to do

    def override(unit_id: int | None) -> RowOverride | None:
        found = overrides.get((task_id, unit_id)) if unit_id is not None else None
        return found or overrides.get(task_id)

    single = len(links) <= 1 and all(
        task.lead_unit_id is None or link.unit_id == task.lead_unit_id for link in links
    )
    if not task.lead_group and single:
        # One lead (or none), issued to it if at all: the task's whole work is its one row,
        # so a task assigned by hand to whichever unit is adopted as it is.
        link = links[0] if links else None
        share = _Share(task.lead_unit_id, link, list(items), list(series))
        row = _base_row(task, w, task.lead_unit_id)
        ov = override(task.lead_unit_id)
        if share.has_work:
            _existing_row(row, task, w, plan, ov, share)
        else:
            _new_work_row(row, task, w, plan, ov)
        return [(row, share)]
    shares = _shares(task, w)
    out: list[tuple[IssueRow, _Share]] = []
    for unit_id in _lead_ids(task, w) if active else []:
        share = shares.pop(unit_id) if unit_id in shares else _Share(unit_id)
        row = _base_row(task, w, unit_id)
        if share.has_work:
            _existing_row(row, task, w, plan, override(unit_id), share)
        else:
            _new_work_row(row, task, w, plan, override(unit_id))
        out.append((row, share))
    for other, share in shares.items():
        row = _base_row(task, w, other)
        if active:
            _former_row(row, task, w, override(other), share)
        else:
            _existing_row(row, task, w, plan, override(other), share)
        out.append((row, share))
    if task.lead_group or len(out) > 1:
        for row, _share in out:
            row.split = True
    return out


def _preview(
    session: Session,
    plan: Plan,
    *,
    now: datetime,
    overrides: Mapping[RowKey, RowOverride],
) -> tuple[IssuePreview, _World, dict[int, PlanTask], dict[tuple[int, int | None], _Share]]:
    w = _world(session, plan, now=now)
    rows: list[IssueRow] = []
    tasks: dict[int, PlanTask] = {}
    work: dict[tuple[int, int | None], _Share] = {}
    for task in _leaf_tasks(session, plan):
        for row, share in _task_rows(task, w, plan, overrides):
            rows.append(row)
            tasks[row.task_id] = task
            work[(row.task_id, row.lead_unit_id)] = share
    keys = {row.override_key for row in rows} | set(tasks)
    unknown = [k for k in overrides if k not in keys]
    if unknown:
        raise InvalidInput(
            f"no task of plan {plan.key} to issue with id {unknown[0]}", code="issue_bad_task"
        )
    return IssuePreview(plan=plan, plan_year=w.plan_year, rows=rows), w, tasks, work


def preview_issue(
    *,
    session: Session,
    plan_id: int,
    now: datetime,
    overrides: Mapping[RowKey, RowOverride] | None = None,
) -> IssuePreview:
    """What issuing plan `plan_id` would do now, task by task (writes nothing)."""
    preview, _w, _tasks, _work = _preview(
        session, _plan(session, plan_id), now=now, overrides=overrides or {}
    )
    return preview


def issue_plan(
    *,
    session: Session,
    plan_id: int,
    actor: User,
    now: datetime,
    overrides: Mapping[RowKey, RowOverride] | None = None,
    dry_run: bool = False,
) -> IssueResult:
    """Issue plan `plan_id` as the preview says (see the module docstring); never commits.

    Any refusal (a bad override, an actor who may not issue) raises before anything is
    written, so the caller's transaction holds all of it or none."""
    if not may_issue(actor):
        raise NotAllowed(f"{actor.username} ({actor.role}) may not issue plans", code="not_allowed")
    plan = _plan(session, plan_id)
    preview, w, tasks, work = _preview(session, plan, now=now, overrides=overrides or {})
    result = IssueResult(preview=preview, dry_run=dry_run)
    if dry_run:
        return result
    # One-off items in one batch (one INSERT per table, not per task: a 500-task plan).
    single = [r for r in preview.rows if r.action == IssueAction.CREATE and r.recurrence is None]
    _create_items(session, single, tasks, w, actor=actor, now=now, result=result)
    for row in preview.rows:
        task = tasks[row.task_id]
        share = work[(row.task_id, row.lead_unit_id)]
        if row.action == IssueAction.CREATE and row.recurrence is not None:
            _create_series(session, row, task, w, plan, actor=actor, now=now, result=result)
        elif row.action == IssueAction.MOVE_DUE:
            _move(session, row, task, share, w, actor=actor, now=now, result=result)
        elif row.action == IssueAction.CANCEL:
            _cancel(session, row, share, w, actor=actor, now=now, result=result)
        elif (
            row.action == IssueAction.UNCHANGED and row.reason == Reason.ASSIGNED and not row.former
        ):
            _adopt(session, row, task, share, actor=actor, now=now)
    session.flush()
    log.info(
        "issue_plan plan=%s actor=%s created=%d moved=%d cancelled=%d",
        plan.key,
        actor.username,
        len(result.created_item_ids),
        len(result.moved_item_ids),
        len(result.cancelled_item_ids),
    )
    return result


def _title(text: str, *, limit: int = TITLE_MAX) -> str:
    return short(" ".join(text.split()), limit)


def _link(row: IssueRow, task: PlanTask, *, actor: User, now: datetime) -> IssuedTask:
    assert row.lead_unit_id is not None
    return IssuedTask(
        plan_task_id=row.task_id,
        unit_id=row.lead_unit_id,
        due_text=task.due_text,
        due_on=row.due_on,
        issued_by_id=actor.id or 0,
        issued_at=now,
    )


def _create_items(
    session: Session,
    rows: list[IssueRow],
    tasks: dict[int, PlanTask],
    w: _World,
    *,
    actor: User,
    now: datetime,
    result: IssueResult,
) -> None:
    """The one-off items of `rows`, for the lead units' heads (or the chosen people)."""
    specs = []
    for row in rows:
        assert row.lead_unit_id is not None and row.assignee_id is not None and row.due_on
        task = tasks[row.task_id]
        specs.append(
            ItemSpec(
                title=_title(task.text),
                lead_unit_id=row.lead_unit_id,
                assignee_id=row.assignee_id,
                start_on=min(w.today, row.due_working_on or row.due_on),
                due_on=row.due_on,
                supporting_unit_ids=row.supporting_unit_ids,
                evidence_required=task.product,
                plan_task_id=task.id,
            )
        )
    if not specs:
        return
    items = create_items(session=session, now=now, specs=specs, assigner=actor, calendar=w.calendar)
    for row, item in zip(rows, items, strict=True):
        link = _link(row, tasks[row.task_id], actor=actor, now=now)
        link.work_item_id = item.id
        session.add(link)
        result.created_item_ids.append(item.id or 0)
        row.work_item_ids = (item.id or 0,)


def _create_series(
    session: Session,
    row: IssueRow,
    task: PlanTask,
    w: _World,
    plan: Plan,
    *,
    actor: User,
    now: datetime,
    result: IssueResult,
) -> None:
    """A recurring task's series and its first occurrence."""
    assert row.lead_unit_id is not None and row.assignee_id is not None
    assert row.due_on is not None and row.recurrence is not None
    prefix = PROGRESS_PREFIX if row.due_kind == "ongoing" else ""
    title = _title(prefix + task.text, limit=SERIES_TITLE_MAX)
    series = create_series(
        session=session,
        now=now,
        actor=actor,
        title=title,
        rrule=row.recurrence,
        dtstart=row.due_on,
        until=date(plan.end_year or w.plan_year, 12, 31),
        lead_unit_id=row.lead_unit_id,
        assignee_id=row.assignee_id,
        duration_working_days=SERIES_DURATION,
        evidence_required=task.product,
        plan_task_id=task.id,
        supporting_unit_ids=row.supporting_unit_ids,
        authorised=True,
    )
    occ = plan_occurrence(
        row.due_on, calendar=w.calendar, duration_working_days=SERIES_DURATION, roll="forward"
    )
    # The first occurrence now, keyed like the scheduler's (series, rule date), so the job
    # finds it and never creates it twice.
    spec = ItemSpec(
        title=f"{title} ({row.due_on.strftime('%d/%m/%Y')})",
        lead_unit_id=row.lead_unit_id,
        assignee_id=row.assignee_id,
        start_on=occ.start_on,
        due_on=occ.due_on,
        supporting_unit_ids=row.supporting_unit_ids,
        evidence_required=task.product,
        plan_task_id=task.id,
        series_id=series.id,
        occurrence_on=row.due_on,
    )
    item = create_item(session=session, now=now, spec=spec, assigner=actor, calendar=w.calendar)
    link = _link(row, task, actor=actor, now=now)
    link.series_id, link.work_item_id = series.id, item.id
    session.add(link)
    result.created_series_ids.append(series.id or 0)
    result.created_item_ids.append(item.id or 0)
    row.series_id, row.work_item_ids = series.id, (item.id or 0,)


def _move(
    session: Session,
    row: IssueRow,
    task: PlanTask,
    share: _Share,
    w: _World,
    *,
    actor: User,
    now: datetime,
    result: IssueResult,
) -> None:
    link = share.link
    assert link is not None
    item = next(i for i in share.items if i.id == link.work_item_id)
    assert row.due_working_on is not None
    before = snapshot(item)
    set_due(session=session, item=item, due_at=deadline_at(row.due_working_on), calendar=w.calendar)
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="plan_due_moved",
        before=before,
        comment=f"{link.due_text or '-'} → {task.due_text or '-'}",
        extra={"due_text": {"from": link.due_text, "to": task.due_text}},
    )
    link.due_text, link.due_on = task.due_text, row.due_on
    session.add(link)
    result.moved_item_ids.append(item.id or 0)


WITHDRAWN_REASON = "Nhiệm vụ đã được rút khỏi kế hoạch (kế hoạch sửa đổi)"
NOT_LEAD_REASON = "Đơn vị không còn chủ trì nhiệm vụ này theo kế hoạch (kế hoạch sửa đổi)"


def _cancel(
    session: Session,
    row: IssueRow,
    share: _Share,
    w: _World,
    *,
    actor: User,
    now: datetime,
    result: IssueResult,
) -> None:
    """Cancel the open items (and stop the series) of this row's share only."""
    reason = NOT_LEAD_REASON if row.former else WITHDRAWN_REASON
    for item in share.items:
        if State(item.state) in OPEN_STATES:
            act(
                session=session,
                now=now,
                actor=actor,
                item_id=item.id or 0,
                action=Action.CANCEL,
                comment=reason,
                calendar=w.calendar,
            )
            result.cancelled_item_ids.append(item.id or 0)
    for series in share.series:
        if series.active:
            series.active = False  # no further occurrences of withdrawn work
            session.add(series)


def _adopt(
    session: Session,
    row: IssueRow,
    task: PlanTask,
    share: _Share,
    *,
    actor: User,
    now: datetime,
) -> None:
    """A task assigned by hand before the plan was issued: its latest item is the plan's
    from now on (left as it is; a later amendment of the deadline moves it). The link is the
    row's lead unit's, so the next issue finds it in that unit's share."""
    item = share.items[-1] if share.items else None
    series = share.series[0] if share.series else None
    unit_id = row.lead_unit_id or (item.lead_unit_id if item else None)
    if unit_id is None and series is not None:
        unit_id = series.lead_unit_id
    assert unit_id is not None
    session.add(
        IssuedTask(
            plan_task_id=row.task_id,
            unit_id=unit_id,
            work_item_id=item.id if item else None,
            series_id=item.series_id if item and item.series_id else row.series_id,
            due_text=task.due_text,
            due_on=row.due_on,
            issued_by_id=actor.id or 0,
            issued_at=now,
        )
    )
