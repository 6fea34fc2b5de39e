"""Virtual-time simulation: the scheduler's jobs over a year of a demo agency, in seconds.

A department head previews a reminder/escalation policy before switching it on. The demo
dataset is the sample organisation (plus officers) and the sample plan, imported through
`workflow.importer`; work items are assigned from the plan's tasks. Officers accept,
start and submit with seeded random delays (most on time, some late, a few never), the
assigner approves, and the jobs run with `now` = virtual time. Mail is queued in the
outbox (counted), never sent.

Ticks where no job can have anything to do are skipped: a tick runs when an item's next
action, an assignment or an officer's step has come, and at least once per local day
around the reports' send time and at midnight (recurrences are by date). The jobs would
find nothing on the skipped ticks, so the figures are those of every tick.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import event, func
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, col, select

from tasks import jobs, rungs
from workflow.calendar import WorkCalendar, load_calendar, local_date
from workflow.db import mark_single_writer
from workflow.importer import parse_document, upsert_plan
from workflow.models.org import Role, Unit, User
from workflow.models.plan import Plan, PlanTask
from workflow.models.work import WorkItem
from workflow.services import work_items
from workflow.services.org import load_org
from workflow.settings import get_settings
from workflow.states import Action

SAMPLES = Path(__file__).resolve().parent.parent / "deploy" / "sample"
SAMPLE_ORG = SAMPLES / "org.yaml"
SAMPLE_PLAN = SAMPLES / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"


@dataclass
class MonthStats:
    """What one month of the simulation produced."""

    reminders: int = 0
    escalations: int = 0
    reports: int = 0
    closed_on_time: int = 0
    closed_late: int = 0

    def add(self, other: MonthStats) -> None:
        self.reminders += other.reminders
        self.escalations += other.escalations
        self.reports += other.reports
        self.closed_on_time += other.closed_on_time
        self.closed_late += other.closed_late


@dataclass
class SimulationResult:
    """Per-month figures (key 'YYYY-MM', agency time) and totals."""

    months: dict[str, MonthStats] = field(default_factory=dict)
    items: int = 0
    ticks: int = 0
    ticks_run: int = 0
    open_at_end: int = 0

    def total(self) -> MonthStats:
        out = MonthStats()
        for m in self.months.values():
            out.add(m)
        return out


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    item_index: int = field(compare=False)
    action: str = field(compare=False)


@dataclass(frozen=True)
class Assignment:
    """One work item to assign at `at` by `assigner_id`."""

    at: datetime
    spec: work_items.ItemSpec
    assigner_id: int


def fast_sqlite(engine: Engine) -> None:
    """A throw-away simulation database needs no durability: skip the fsync per commit.

    Also real transactions: pysqlite opens one only before a write, so a SAVEPOINT after a
    read started one and its RELEASE committed it (one commit per officer step). The
    driver's own transaction handling is switched off and SQLAlchemy's begin emits BEGIN
    (the SQLAlchemy pysqlite recipe); the simulation is the database's only writer.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_sync(dbapi_conn: object, _record: object) -> None:
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-131072")  # 128 MiB: the whole year stays in memory
        cur.close()
        dbapi_conn.isolation_level = None  # type: ignore[attr-defined]

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN")

    # Connections pooled before (e.g. by the migration) would miss the settings above.
    engine.dispose()


def _add_officers(session: Session, count: int) -> list[User]:
    units = [u for u in session.exec(select(Unit).order_by(col(Unit.id))).all() if not u.is_board]
    existing = list(session.exec(select(User).where(User.role == Role.OFFICER.value)).all())
    for n in range(max(0, count - len(existing))):
        unit = units[n % len(units)]
        session.add(
            User(
                username=f"sim.officer{n:04d}",
                email=f"sim.officer{n:04d}@sonoivu.example.vn",
                full_name=f"Chuyên viên mô phỏng {n:04d}",
                unit_id=unit.id or 0,
                role=Role.OFFICER.value,
            )
        )
    session.flush()
    return list(
        session.exec(
            select(User).where(User.role == Role.OFFICER.value).order_by(col(User.id))
        ).all()
    )


def _at(day: date, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def _plan_steps(
    rng: random.Random,
    *,
    index: int,
    start: date,
    due: date,
    seq: Callable[[], int],
    tz: str,
) -> list[_Step]:
    """An officer's behaviour for one item: mostly on time, some late, a few never."""
    fate = rng.random()
    accept = start + timedelta(days=rng.randint(0, 2))
    steps = [_Step(_at(accept, 9, tz), seq(), index, Action.ACCEPT.value)]
    if fate > 0.97:
        return steps  # accepted, then forgotten: escalates all the way
    begin = accept + timedelta(days=rng.randint(0, 3))
    steps.append(_Step(_at(begin, 10, tz), seq(), index, Action.START.value))
    if fate < 0.70:
        submit = begin + timedelta(days=rng.randint(0, max(0, (due - begin).days)))
    elif fate < 0.90:
        submit = due + timedelta(days=rng.randint(1, 10))
    else:
        submit = due + timedelta(days=rng.randint(12, 30))
    submit = max(submit, begin)
    steps.append(_Step(_at(submit, 14, tz), seq(), index, Action.SUBMIT.value))
    steps.append(_Step(_at(submit + timedelta(days=1), 9, tz), seq(), index, "approve"))
    return steps


def seed_demo(
    *, engine: Engine, start: date, end: date, officers: int, items: int, seed: int, now: datetime
) -> list[Assignment]:
    """Load the sample organisation and plan, add officers; return the assignments to make,
    one per item, cycling over the plan's leaf tasks (a task's lead unit does the work)."""
    rng = random.Random(seed)
    tz = get_settings().timezone
    with Session(engine, expire_on_commit=False) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
        upsert_plan(session=session, tree=tree, now=now, source=SAMPLE_PLAN.name)
        people = _add_officers(session, officers)
        heads = {
            u.unit_id: u.id or 0
            for u in session.exec(select(User).where(User.role == Role.UNIT_HEAD.value)).all()
        }
        tasks = list(
            session.exec(
                select(PlanTask)
                .where(PlanTask.status == "active")
                .order_by(col(PlanTask.area_id), col(PlanTask.position))
            ).all()
        )
        session.commit()
    parents = {t.parent_id for t in tasks if t.parent_id is not None}
    leaves = [t for t in tasks if t.id not in parents]
    by_unit: dict[int, list[User]] = defaultdict(list)
    for person in people:
        if person.unit_id in heads:
            by_unit[person.unit_id].append(person)
    span = max(1, (end - start).days - 20)
    plan: list[Assignment] = []
    for n in range(items):
        task = leaves[n % len(leaves)]
        unit_id = task.lead_unit_id if task.lead_unit_id in by_unit else rng.choice(list(by_unit))
        officer = rng.choice(by_unit[unit_id])
        begin = start + timedelta(days=rng.randint(0, span))
        title = task.text if len(task.text) <= 440 else task.text[:439] + "…"
        spec = work_items.ItemSpec(
            title=f"{title} (đợt {n // len(leaves) + 1})",
            lead_unit_id=unit_id,
            assignee_id=officer.id or 0,
            start_on=begin,
            due_working_days=rng.randint(5, 40),
            plan_task_id=task.id,
            evidence_required=task.product,
        )
        plan.append(Assignment(_at(begin, 8, tz), spec, heads[unit_id]))
    plan.sort(key=lambda a: a.at)
    return plan


@dataclass(frozen=True)
class _Target:
    """An assigned item and who acts on it: the officer, and the head who approves."""

    item_id: int
    assignee_id: int
    assigner_id: int


def _apply(
    session: Session, *, now: datetime, target: _Target, action: str, calendar: WorkCalendar
) -> WorkItem:
    approve = action == Action.APPROVE.value
    actor = session.get(User, target.assigner_id if approve else target.assignee_id)
    assert actor is not None
    if action == Action.SUBMIT.value:
        work_items.add_evidence(
            session=session, now=now, actor=actor, item_id=target.item_id, note="Báo cáo kết quả"
        )
    return work_items.act(
        session=session,
        now=now,
        actor=actor,
        item_id=target.item_id,
        action=action,
        calendar=calendar,
    )


def _take_steps(
    session: Session,
    *,
    now: datetime,
    steps: list[_Step],
    targets: dict[int, _Target],
    calendar: WorkCalendar,
    month: MonthStats,
) -> None:
    """The officers' steps of one tick under one savepoint; if any fails, redo them one by
    one under a savepoint each, skipping the impossible ones (as a person would)."""

    def apply(step: _Step) -> tuple[str, WorkItem]:
        item = _apply(
            session, now=now, target=targets[step.item_index], action=step.action, calendar=calendar
        )
        return step.action, item

    try:
        with session.begin_nested():
            done = [apply(step) for step in steps]
    except Exception:
        done = []
        for step in steps:
            try:
                with session.begin_nested():
                    done.append(apply(step))
            except Exception:  # noqa: S112 - an officer's impossible step is skipped
                continue
    for action, item in done:
        if action == Action.APPROVE.value and item.closed_on_time is not None:
            if item.closed_on_time:
                month.closed_on_time += 1
            else:
                month.closed_late += 1


class _Clock:
    """Tick arithmetic: the tick at or after a moment, daily marks in the agency's zone."""

    def __init__(self, origin: datetime, tick: timedelta, tz: str) -> None:
        self.origin, self.tick, self.zone = origin, tick, ZoneInfo(tz)
        s = get_settings()
        self.report_time = time(s.report_send_hour, s.report_send_minute)

    def at_or_after(self, moment: datetime) -> datetime:
        steps = -((self.origin - moment) // self.tick)  # ceil division
        return self.origin + max(0, steps) * self.tick

    def daily_marks_after(self, now: datetime) -> datetime:
        """The next local midnight or report send time after `now`."""
        local = now.astimezone(self.zone)
        today = local.date()
        marks = [
            datetime.combine(today, self.report_time, tzinfo=self.zone),
            datetime.combine(today + timedelta(days=1), time(0), tzinfo=self.zone),
        ]
        return min(m for m in marks if m > local).astimezone(UTC)


def _next_action(session: Session) -> datetime | None:
    value = session.exec(
        select(func.min(WorkItem.next_action_at)).where(
            col(WorkItem.next_action_at).is_not(None), jobs.OPEN_PREDICATE
        )
    ).one()
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _run_jobs(session: Session, now: datetime, month: MonthStats, ctx: rungs.Context) -> None:
    """The scheduler's jobs for one tick (delivery aside: the simulation sends nothing).

    The sweep's context (calendar, ladders, escalation recipients, mail preferences) lives
    for the whole run: the simulation is the only writer and changes none of them.
    """
    jobs.materialize_recurrences(session=session, now=now)
    sweep = jobs.sweep_due(
        session=session, now=now, handler=rungs.process_item, make_context=lambda _s: ctx
    )
    month.reminders += sweep.reminders
    month.escalations += sweep.escalations
    month.reports += len(jobs.build_reports(session=session, now=now).built)


def run_simulation(
    *,
    engine: Engine,
    start: date,
    end: date,
    tick: timedelta = timedelta(hours=1),
    officers: int = 60,
    items: int = 400,
    seed: int = 2026,
    progress: Callable[[int, int], None] | None = None,
) -> SimulationResult:
    """Simulate from `start` to `end` (inclusive, agency time) on a migrated empty database."""
    tz = get_settings().timezone
    zone = ZoneInfo(tz)
    now = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    stop = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    assignments = seed_demo(
        engine=engine, start=start, end=end, officers=officers, items=items, seed=seed, now=now
    )
    rng = random.Random(seed + 1)
    counter = iter(range(10**9))
    queue: list[_Step] = []
    targets: dict[int, _Target] = {}
    result = SimulationResult(items=items, ticks=-((now - stop) // tick))
    months: dict[str, MonthStats] = defaultdict(MonthStats)
    clock = _Clock(now, tick, tz)
    next_assign = 0
    # One session for the run: people, units and plans stay in its identity map; the
    # simulation is the only writer, so what it holds is never stale.
    session = Session(engine, expire_on_commit=False)
    mark_single_writer(session)
    # The identity map holds objects weakly: pinning the small tables keeps every
    # `session.get` of a person, unit, task or plan out of the database.
    pinned = [session.exec(select(model)).all() for model in (User, Unit, PlanTask, Plan)]
    calendar = load_calendar(session=session)
    ctx = rungs.Context(calendar=calendar, tz=tz)
    while now < stop:
        month = months[local_date(now, tz=tz).strftime("%Y-%m")]
        while next_assign < len(assignments) and assignments[next_assign].at <= now:
            job = assignments[next_assign]
            head = session.get(User, job.assigner_id)
            assert head is not None
            item = work_items.create_item(
                session=session, now=job.at, spec=job.spec, assigner=head, calendar=calendar
            )
            targets[next_assign] = _Target(item.id or 0, item.assignee_id, item.assigner_id)
            pinned.append([item])  # acting on it later needs no SELECT
            for step in _plan_steps(
                rng,
                index=next_assign,
                start=job.spec.start_on,
                due=local_date(item.due_at, tz=tz),
                seq=lambda: next(counter),
                tz=tz,
            ):
                heapq.heappush(queue, step)
            next_assign += 1
        steps: list[_Step] = []
        while queue and queue[0].at <= now:
            steps.append(heapq.heappop(queue))
        if steps:
            _take_steps(
                session, now=now, steps=steps, targets=targets, calendar=calendar, month=month
            )
        _run_jobs(session, now, month, ctx)
        session.commit()
        due_next = _next_action(session)
        result.ticks_run += 1
        upcoming = [clock.daily_marks_after(now)]
        if next_assign < len(assignments):
            upcoming.append(assignments[next_assign].at)
        if queue:
            upcoming.append(queue[0].at)
        if due_next is not None:
            upcoming.append(due_next)
        now = max(now + tick, clock.at_or_after(min(upcoming)))
        if progress is not None:
            progress(min(result.ticks, -((clock.origin - now) // tick)), result.ticks)
    del pinned
    with session:
        result.open_at_end = int(
            session.exec(
                select(func.count()).select_from(WorkItem).where(col(WorkItem.closed_at).is_(None))
            ).one()
        )
    result.months = dict(sorted(months.items()))
    return result
