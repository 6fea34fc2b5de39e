"""Demo work items (dữ liệu mẫu) for `make run`: a few plan tasks assigned around today.

Each item sits at a different point of the reminder ladder on the day it is seeded (due in
five working days, tomorrow, today, and two, four and six working days late), so the
embedded scheduler's first tick queues real reminders and escalations and the dev mailbox
shows them. Idempotent: a plan task that already has a work item is left alone.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from workflow.calendar import load_calendar, local_date
from workflow.importer.text import short
from workflow.models.org import Role, Unit, User
from workflow.models.plan import PlanTask
from workflow.models.work import WorkItem
from workflow.reporting.build import build_report, find_run
from workflow.reporting.periods import ReportKind, last_closed
from workflow.services.work_items import ItemSpec, act, add_evidence, create_item
from workflow.settings import get_settings
from workflow.states import Action

# Working days from today to the due date: positive ahead, negative already late.
OFFSETS = (5, 1, 0, -2, -4, -6)


@dataclass
class DemoSeedResult:
    """Items created by this run and plan tasks that already had one."""

    created: list[WorkItem] = field(default_factory=list)
    existing: int = 0


def _people(session: Session, unit_id: int) -> tuple[User, User] | None:
    """(an officer, the head) of a unit, or None when either post is empty."""
    users = session.exec(
        select(User).where(User.unit_id == unit_id, col(User.is_active)).order_by(col(User.id))
    ).all()
    officer = next((u for u in users if u.role == Role.OFFICER.value), None)
    head = next((u for u in users if u.role == Role.UNIT_HEAD.value), None)
    return (officer, head) if officer and head else None


def seed_demo_items(*, session: Session, now: datetime) -> DemoSeedResult:
    """Assign one plan task per ladder position to an officer of its lead unit, spread over
    the lead units."""
    tz = get_settings().timezone
    calendar = load_calendar(session=session)
    today = calendar.roll_to_working_day(local_date(now, tz=tz))
    tasks = session.exec(
        select(PlanTask)
        .where(PlanTask.status == "active")
        .order_by(col(PlanTask.plan_id), col(PlanTask.area_id), col(PlanTask.position))
    ).all()
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    taken = set(session.exec(select(WorkItem.plan_task_id)).all())
    staffed = _staffed_units(session)
    if not staffed:
        return DemoSeedResult()
    # A task without a resolved lead unit (chủ trì) goes to the staffed units in turn.
    rotation = list(staffed)
    result = DemoSeedResult()
    candidates = []
    for n, task in enumerate(t for t in tasks if t.id not in parents):
        unit_id = task.lead_unit_id if task.lead_unit_id in staffed else rotation[n % len(rotation)]
        candidates.append((task, unit_id, staffed[unit_id]))
    # One task per lead unit before a unit gets a second one (stable, so reruns pick the same
    # tasks): after the plan's tasks are distributed (deploy/sample/task-units.yaml) several
    # units' heads and officers have demo work, not only those of the plan's first tasks.
    turns: Counter[int | None] = Counter()
    ranked = []
    for candidate in candidates:
        ranked.append((turns[candidate[1]], candidate))
        turns[candidate[1]] += 1
    candidates = [c for _, c in sorted(ranked, key=lambda r: r[0])]
    for offset, (task, unit_id, (officer, head)) in zip(OFFSETS, candidates, strict=False):
        if task.id in taken:
            result.existing += 1
            continue
        due = (
            calendar.add_working_days(today, offset)
            if offset >= 0
            else calendar.subtract_working_days(today, -offset)
        )
        spec = ItemSpec(
            title=short(task.text, 500),
            lead_unit_id=unit_id or 0,
            assignee_id=officer.id or 0,
            start_on=due - timedelta(days=30),
            due_on=due,
            evidence_required=task.product,
            plan_task_id=task.id,
        )
        item = create_item(session=session, now=now, spec=spec, assigner=head)
        if offset <= 1:  # the officer took the urgent ones in hand
            for action in (Action.ACCEPT, Action.START):
                act(session=session, now=now, actor=officer, item_id=item.id or 0, action=action)
        result.created.append(item)
    return result


@dataclass
class DemoHistoryResult:
    """The last reported quarter's demo items and the report frozen from them."""

    period_label: str = ""
    created: list[WorkItem] = field(default_factory=list)
    report_id: int | None = None


# (working days from the period's first day to the due date, outcome) of the history items:
# "on_time" submitted two working days early, "late" three working days after the due date,
# "open" still in progress (overdue by the report's cut-off).
HISTORY = (
    (25, "on_time"),
    (30, "late"),
    (35, "open"),
    (40, "on_time"),
    (45, "on_time"),
    (50, "late"),
    (55, "open"),
    (60, "on_time"),
)


def seed_demo_history(*, session: Session, now: datetime) -> DemoHistoryResult:
    """Work from the last reported quarter (quý), closed on time, late or still open, and that
    quarter's report frozen from it, so the Director's report list is not empty on a new install.

    Every step is dated in the past (`act` takes `now`), so the history reads as it happened;
    its events are older than the mail give-up window, so none of them is mailed. Idempotent:
    nothing happens once the quarter's report exists."""
    cfg = get_settings()
    calendar = load_calendar(session=session)
    period = last_closed(ReportKind.QUARTERLY, today=local_date(now, tz=cfg.timezone))
    result = DemoHistoryResult(period_label=period.label)
    if find_run(session, period) is not None:
        return result
    zone = ZoneInfo(cfg.timezone)

    def at(day: date, hour: int = 9) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC)

    taken = set(session.exec(select(WorkItem.plan_task_id)).all())
    staffed = _staffed_units(session)
    tasks = [
        t
        for t in session.exec(
            select(PlanTask)
            .where(PlanTask.status == "active", col(PlanTask.lead_unit_id).is_not(None))
            .order_by(col(PlanTask.plan_id), col(PlanTask.area_id), col(PlanTask.position))
        ).all()
        if t.id not in taken and t.lead_unit_id in staffed
    ]
    start = calendar.roll_to_working_day(period.start)
    for (days, outcome), task in zip(HISTORY, tasks, strict=False):
        officer, head = staffed[task.lead_unit_id or 0]
        due = calendar.add_working_days(start, days)
        if due > period.end:
            break
        spec = ItemSpec(
            title=short(task.text, 500),
            lead_unit_id=task.lead_unit_id or 0,
            assignee_id=officer.id or 0,
            start_on=start,
            due_on=due,
            evidence_required=task.product,
            plan_task_id=task.id,
        )
        item = create_item(session=session, now=at(start), spec=spec, assigner=head)
        item_id = item.id or 0
        for action in (Action.ACCEPT, Action.START):
            act(session=session, now=at(start, 10), actor=officer, item_id=item_id, action=action)
        if outcome != "open":
            sent = (
                calendar.subtract_working_days(due, 2)
                if outcome == "on_time"
                else calendar.add_working_days(due, 3)
            )
            add_evidence(
                session=session, now=at(sent), actor=officer, item_id=item_id,
                note="Báo cáo kết quả thực hiện (dữ liệu mẫu)",
            )  # fmt: skip
            act(session=session, now=at(sent, 10), actor=officer, item_id=item_id,
                action=Action.SUBMIT)  # fmt: skip
            approved = calendar.add_working_days(sent, 1)
            act(session=session, now=at(approved), actor=head, item_id=item_id,
                action=Action.APPROVE)  # fmt: skip
        result.created.append(item)
    session.flush()
    run = build_report(
        session=session, now=now, kind=ReportKind.QUARTERLY, period=period, calendar=calendar
    )
    result.report_id = run.id
    return result


def _staffed_units(session: Session) -> dict[int, tuple[User, User]]:
    """(an officer, the head) of every unit that has both, by unit id."""
    return {
        unit.id or 0: people
        for unit in session.exec(select(Unit).order_by(col(Unit.id))).all()
        if not unit.is_board and (people := _people(session, unit.id or 0)) is not None
    }
