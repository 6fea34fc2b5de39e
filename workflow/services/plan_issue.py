"""Issuing a plan (ban hành kế hoạch thành công việc): every task with a lead unit becomes a
work item for the head of that unit, dated by the plan's own deadline phrase, in one step.

`preview_issue` says, task by task, what issuing would do (one `IssueRow` per task that has
or needs work); `issue_plan` does it in the caller's transaction (never commits). Issuing is
idempotent: each issued task keeps an `IssuedTask` row naming its item (or recurring series)
and the deadline phrase it was issued with, so issuing again creates nothing, and after an
amended plan is re-imported it

- creates items for new tasks,
- moves the due date of open items whose task's deadline phrase now reads as another date
  (an audited `plan_due_moved` event, mailed to the assignee through the outbox),
- proposes cancelling the open items of withdrawn tasks (cancelled only when the row is
  confirmed with `RowOverride(cancel=True)`, through the state machine's cancel),
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
from workflow.deadlines import reset_ladder
from workflow.due_phrases import DueReading, read_due_phrase
from workflow.errors import InvalidInput, NotAllowed, NotFound
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
    refresh_next_action,
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


@dataclass
class IssueRow:
    """One task's work as issuing finds it and what it will do."""

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

    @property
    def day_off(self) -> bool:
        """The named date is a day off: the row shows the working day it becomes."""
        return self.due_working_on is not None and self.due_working_on != self.due_on

    def as_json(self) -> dict[str, object]:
        """The row for `--json` and the API."""
        return {
            "task_id": self.task_id,
            "task_key": self.task_key,
            "area": f"{self.area_number}. {self.area_title}",
            "title": self.title,
            "action": self.action.value,
            "reason": self.reason.value if self.reason else None,
            "lead_unit_id": self.lead_unit_id,
            "lead_unit": self.lead_unit,
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
        """Rows by action, every action named (0 when none)."""
        counts = {a.value: 0 for a in IssueAction}
        for row in self.rows:
            counts[row.action.value] += 1
        return counts


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
    calendar: WorkCalendar
    units: dict[int, Unit]
    unit_by_code: dict[str, Unit]
    heads: dict[int, User]
    users: dict[int, User]
    areas: dict[int, Area]
    links: dict[int, IssuedTask]
    items: dict[int, list[WorkItem]]  # by plan task
    series: dict[int, list[RecurringSeries]]  # by plan task


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
    links = {
        link.plan_task_id: link
        for link in session.exec(
            select(IssuedTask).where(col(IssuedTask.plan_task_id).in_(task_ids))
        ).all()
    }
    areas = {a.id or 0: a for a in session.exec(select(Area).where(Area.plan_id == plan.id)).all()}
    return _World(
        today=today,
        plan_year=plan_year_of(plan, today=today),
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
    reading = read_due_phrase(task.due_text, plan_year=w.plan_year)
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


def _base_row(task: PlanTask, w: _World) -> IssueRow:
    area = w.areas.get(task.area_id)
    lead = w.units.get(task.lead_unit_id or 0)
    supporting = [
        w.unit_by_code[c]
        for c in dict.fromkeys(task.supporting_unit_codes)
        if c in w.unit_by_code and w.unit_by_code[c].id != task.lead_unit_id
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
    )


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


def _existing_row(
    row: IssueRow,
    task: PlanTask,
    w: _World,
    plan: Plan,
    ov: RowOverride | None,
    items: list[WorkItem],
    series: list[RecurringSeries],
) -> None:
    """A task with work already: move, propose cancelling, or leave it."""
    link = w.links.get(task.id or 0)
    open_items = [i for i in items if State(i.state) in OPEN_STATES]
    active_series = [s for s in series if s.active]
    row.work_item_ids = tuple(i.id or 0 for i in (open_items or items))
    row.series_id = active_series[0].id if active_series else (series[0].id if series else None)
    # The item the plan dates: the linked one, else the latest (hand-assigned) one.
    linked = next((i for i in items if link and i.id == link.work_item_id), None)
    item = linked or (items[-1] if items else None)
    if item is not None:
        row.current_due_on = local_date(item.due_at, tz=get_settings().timezone)
        user = w.users.get(item.assignee_id)
        row.assignee_id, row.assignee = item.assignee_id, user.full_name if user else None
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


def _preview(
    session: Session,
    plan: Plan,
    *,
    now: datetime,
    overrides: Mapping[int, RowOverride],
) -> tuple[IssuePreview, _World, dict[int, PlanTask]]:
    w = _world(session, plan, now=now)
    rows: list[IssueRow] = []
    tasks: dict[int, PlanTask] = {}
    for task in _leaf_tasks(session, plan):
        task_id = task.id or 0
        items = w.items.get(task_id, [])
        series = w.series.get(task_id, [])
        if task.status != "active" and not items and not series:
            continue  # withdrawn before it was ever issued: nothing to do
        row = _base_row(task, w)
        ov = overrides.get(task_id)
        if items or series or task_id in w.links:
            _existing_row(row, task, w, plan, ov, items, series)
        else:
            _new_work_row(row, task, w, plan, ov)
        rows.append(row)
        tasks[task_id] = task
    unknown = set(overrides) - set(tasks)
    if unknown:
        raise InvalidInput(
            f"no task of plan {plan.key} to issue with id {min(unknown)}", code="issue_bad_task"
        )
    return IssuePreview(plan=plan, plan_year=w.plan_year, rows=rows), w, tasks


def preview_issue(
    *,
    session: Session,
    plan_id: int,
    now: datetime,
    overrides: Mapping[int, RowOverride] | None = None,
) -> IssuePreview:
    """What issuing plan `plan_id` would do now, task by task (writes nothing)."""
    preview, _w, _tasks = _preview(
        session, _plan(session, plan_id), now=now, overrides=overrides or {}
    )
    return preview


def issue_plan(
    *,
    session: Session,
    plan_id: int,
    actor: User,
    now: datetime,
    overrides: Mapping[int, RowOverride] | None = None,
    dry_run: bool = False,
) -> IssueResult:
    """Issue plan `plan_id` as the preview says (see the module docstring); never commits.

    Any refusal (a bad override, an actor who may not issue) raises before anything is
    written, so the caller's transaction holds all of it or none."""
    if not may_issue(actor):
        raise NotAllowed(f"{actor.username} ({actor.role}) may not issue plans", code="not_allowed")
    plan = _plan(session, plan_id)
    preview, w, tasks = _preview(session, plan, now=now, overrides=overrides or {})
    result = IssueResult(preview=preview, dry_run=dry_run)
    if dry_run:
        return result
    # One-off items in one batch (one INSERT per table, not per task: a 500-task plan).
    single = [r for r in preview.rows if r.action == IssueAction.CREATE and r.recurrence is None]
    _create_items(session, single, tasks, w, actor=actor, now=now, result=result)
    for row in preview.rows:
        task = tasks[row.task_id]
        if row.action == IssueAction.CREATE and row.recurrence is not None:
            _create_series(session, row, task, w, plan, actor=actor, now=now, result=result)
        elif row.action == IssueAction.MOVE_DUE:
            _move(session, row, task, w, actor=actor, now=now, result=result)
        elif row.action == IssueAction.CANCEL:
            _cancel(session, row, w, actor=actor, now=now, result=result)
        elif row.action == IssueAction.UNCHANGED and row.reason == Reason.ASSIGNED:
            _adopt(session, row, task, actor=actor, now=now, items=w.items.get(row.task_id, []))
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
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _link(row: IssueRow, task: PlanTask, *, actor: User, now: datetime) -> IssuedTask:
    return IssuedTask(
        plan_task_id=row.task_id,
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
    w: _World,
    *,
    actor: User,
    now: datetime,
    result: IssueResult,
) -> None:
    link = w.links[row.task_id]
    item = next(i for i in w.items[row.task_id] if i.id == link.work_item_id)
    assert row.due_working_on is not None
    before = snapshot(item)
    item.due_at = deadline_at(row.due_working_on)
    # An explicit date now: calendar overrides no longer recompute it from working days.
    item.due_working_days = None
    item.paused_working_days = 0
    reset_ladder(item)
    refresh_next_action(session=session, item=item, calendar=w.calendar)
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


def _cancel(
    session: Session, row: IssueRow, w: _World, *, actor: User, now: datetime, result: IssueResult
) -> None:
    reason = "Nhiệm vụ đã được rút khỏi kế hoạch (kế hoạch sửa đổi)"
    for item in w.items.get(row.task_id, []):
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
    for series in w.series.get(row.task_id, []):
        if series.active:
            series.active = False  # no further occurrences of withdrawn work
            session.add(series)


def _adopt(
    session: Session,
    row: IssueRow,
    task: PlanTask,
    *,
    actor: User,
    now: datetime,
    items: list[WorkItem],
) -> None:
    """A task assigned by hand before the plan was issued: its latest item is the plan's
    from now on (left as it is; a later amendment of the deadline moves it)."""
    item = items[-1] if items else None
    session.add(
        IssuedTask(
            plan_task_id=row.task_id,
            work_item_id=item.id if item else None,
            series_id=item.series_id if item else row.series_id,
            due_text=task.due_text,
            due_on=row.due_on,
            issued_by_id=actor.id or 0,
            issued_at=now,
        )
    )
