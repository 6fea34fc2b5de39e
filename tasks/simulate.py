"""Virtual-time simulation: the scheduler's jobs over a year of a demo agency, in seconds.

A department head previews a reminder/escalation policy before switching it on, on a
demo agency or on a copy of the real data (`tasks.sim_data`). Officers accept, start and
submit with seeded random delays (most on time, some late, a few never), the assigner
approves, and the jobs run with `now` = virtual time. Mail is queued in the outbox
(counted), never sent.

Ticks where no job can have anything to do are skipped: a tick runs when an item's next
action, an assignment or an officer's step has come, and at least once per local day
around the reports' send time and at midnight (recurrences are by date). The jobs would
find nothing on the skipped ticks, so the figures are those of every tick.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import event, func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tasks import jobs, rungs
from tasks.sim_data import at_hour, seed_demo
from workflow.calendar import WorkCalendar, load_calendar, local_date
from workflow.db import mark_single_writer
from workflow.models.org import Unit, User
from workflow.models.plan import Plan, PlanTask
from workflow.models.work import WorkItem
from workflow.services import work_items
from workflow.settings import get_settings
from workflow.states import Action, State


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


def fast_sqlite(engine: Engine) -> None:
    """A throw-away simulation database needs no durability: skip the fsync per commit.

    Real transactions (a SAVEPOINT's RELEASE must not commit) come with every SQLite
    engine: `workflow.db.make_engine` switches the driver's own transaction handling off
    and begins each transaction itself.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _no_sync(dbapi_conn: object, _record: object) -> None:
        cur = dbapi_conn.cursor()  # type: ignore[attr-defined]
        cur.execute("PRAGMA synchronous=OFF")
        cur.execute("PRAGMA cache_size=-131072")  # 128 MiB: the whole year stays in memory
        cur.close()

    # Connections pooled before (e.g. by the migration) would miss the settings above.
    engine.dispose()


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
    steps = [_Step(at_hour(accept, 9, tz), seq(), index, Action.ACCEPT.value)]
    if fate > 0.97:
        return steps  # accepted, then forgotten: escalates all the way
    begin = accept + timedelta(days=rng.randint(0, 3))
    steps.append(_Step(at_hour(begin, 10, tz), seq(), index, Action.START.value))
    if fate < 0.70:
        submit = begin + timedelta(days=rng.randint(0, max(0, (due - begin).days)))
    elif fate < 0.90:
        submit = due + timedelta(days=rng.randint(1, 10))
    else:
        submit = due + timedelta(days=rng.randint(12, 30))
    submit = max(submit, begin)
    steps.append(_Step(at_hour(submit, 14, tz), seq(), index, Action.SUBMIT.value))
    steps.append(_Step(at_hour(submit + timedelta(days=1), 9, tz), seq(), index, "approve"))
    return steps


# The officer's steps still ahead of an item in each open state (in the order they come).
_REMAINING = {
    State.ASSIGNED: (Action.ACCEPT.value, Action.START.value, Action.SUBMIT.value, "approve"),
    State.ACCEPTED: (Action.START.value, Action.SUBMIT.value, "approve"),
    State.IN_PROGRESS: (Action.SUBMIT.value, "approve"),
    State.REWORK: (Action.SUBMIT.value, "approve"),
    State.AWAITING_REVIEW: ("approve",),
}


def _steps_from(
    rng: random.Random,
    *,
    state: State,
    index: int,
    start: date,
    due: date,
    seq: Callable[[], int],
    tz: str,
) -> list[_Step]:
    """The behaviour of `_plan_steps` for an item already in `state`: only the steps ahead
    (a paused item waits for its resume, which the simulation does not invent)."""
    ahead = _REMAINING.get(state, ())
    steps = _plan_steps(rng, index=index, start=start, due=max(due, start), seq=seq, tz=tz)
    return [step for step in steps if step.action in ahead]


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


def _existing_items(
    session: Session,
    *,
    rng: random.Random,
    start: date,
    tz: str,
    targets: dict[int, _Target],
    queue: list[_Step],
    counter: Iterator[int],
) -> list[WorkItem]:
    """The open items of a copied database, each with its officer's steps still ahead."""
    items = list(
        session.exec(select(WorkItem).where(jobs.OPEN_PREDICATE).order_by(col(WorkItem.id))).all()
    )
    for index, item in enumerate(items):
        targets[index] = _Target(item.id or 0, item.assignee_id, item.assigner_id)
        for step in _steps_from(
            rng,
            state=State(item.state),
            index=index,
            start=max(start, item.start_on),
            due=local_date(item.due_at, tz=tz),
            seq=lambda: next(counter),
            tz=tz,
        ):
            heapq.heappush(queue, step)
    return items


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
    demo: bool = True,
) -> SimulationResult:
    """Simulate from `start` to `end` (inclusive, agency time).

    `demo`: on a migrated empty database, load the demo agency and assign `items` items to
    `officers` officers over the period. Otherwise the database is a copy of real data
    (`copy_database`): nothing is added, and the officers of its open items act on them
    with the same behaviour from `start` on.
    """
    tz = get_settings().timezone
    zone = ZoneInfo(tz)
    now = datetime.combine(start, time(0), tzinfo=zone).astimezone(UTC)
    stop = datetime.combine(end + timedelta(days=1), time(0), tzinfo=zone).astimezone(UTC)
    assignments = (
        seed_demo(
            engine=engine, start=start, end=end, officers=officers, items=items, seed=seed, now=now
        )
        if demo
        else []
    )
    rng = random.Random(seed + 1)
    counter = iter(range(10**9))
    queue: list[_Step] = []
    targets: dict[int, _Target] = {}
    result = SimulationResult(items=len(assignments), ticks=-((now - stop) // tick))
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
    if not demo:
        held = _existing_items(
            session, rng=rng, start=start, tz=tz, targets=targets, queue=queue, counter=counter
        )
        pinned.append(held)
        result.items = len(held)
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
