"""Virtual-time simulation: the same jobs over a year of a demo agency, in seconds.

A department head previews a reminder/escalation policy before switching it on: officers
accept, start and submit their items with seeded random delays (some late, a few never),
the unit heads approve, and every tick runs the scheduler's jobs with `now` = virtual time.
Mail is queued in the outbox (counted by kind), never sent.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from tasks import jobs
from tasks.scheduler import JOB_NAMES, run_job
from workflow.calendar import load_calendar
from workflow.models.org import Role, Unit, User
from workflow.models.work import WorkItem
from workflow.services import work_items
from workflow.services.org import load_org
from workflow.states import Action

SAMPLE_ORG = Path(__file__).resolve().parent.parent / "deploy" / "sample" / "org.yaml"


@dataclass
class MonthStats:
    """What one month of the simulation produced."""

    reminders: int = 0
    escalations: int = 0
    reports: int = 0
    closed_on_time: int = 0
    closed_late: int = 0


@dataclass
class SimulationResult:
    """Per-month figures (key 'YYYY-MM') and totals."""

    months: dict[str, MonthStats] = field(default_factory=dict)
    items: int = 0
    ticks: int = 0
    open_at_end: int = 0

    def total(self) -> MonthStats:
        out = MonthStats()
        for m in self.months.values():
            out.reminders += m.reminders
            out.escalations += m.escalations
            out.reports += m.reports
            out.closed_on_time += m.closed_on_time
            out.closed_late += m.closed_late
        return out


@dataclass(order=True)
class _Step:
    at: datetime
    seq: int
    item_index: int = field(compare=False)
    action: str = field(compare=False)


def _add_officers(session: Session, count: int) -> list[User]:
    units = [u for u in session.exec(select(Unit)).all() if not u.is_board]
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
    return list(session.exec(select(User).where(User.role == Role.OFFICER.value)).all())


def _at(day: date, hour: int) -> datetime:
    # 08:00-17:00 in Hanoi is 01:00-10:00 UTC.
    return datetime.combine(day, time(hour - 7), tzinfo=UTC)


def _plan_steps(
    rng: random.Random, *, index: int, start: date, due: date, seq: Callable[[], int]
) -> list[_Step]:
    """An officer's behaviour for one item: mostly on time, some late, a few never."""
    fate = rng.random()
    accept = start + timedelta(days=rng.randint(0, 2))
    steps = [_Step(_at(accept, 9), seq(), index, Action.ACCEPT.value)]
    if fate > 0.97:
        return steps  # accepted, then forgotten: escalates all the way
    begin = accept + timedelta(days=rng.randint(0, 3))
    steps.append(_Step(_at(begin, 10), seq(), index, Action.START.value))
    if fate < 0.70:
        submit = begin + timedelta(days=rng.randint(0, max(0, (due - begin).days)))
    elif fate < 0.90:
        submit = due + timedelta(days=rng.randint(1, 10))
    else:
        submit = due + timedelta(days=rng.randint(12, 30))
    submit = max(submit, begin)
    steps.append(_Step(_at(submit, 14), seq(), index, Action.SUBMIT.value))
    steps.append(_Step(_at(submit + timedelta(days=1), 9), seq(), index, Action.APPROVE.value))
    return steps


def seed_demo(
    *, engine: Engine, start: date, end: date, officers: int, items: int, seed: int
) -> list[tuple[datetime, work_items.ItemSpec, int]]:
    """Load the sample organisation plus officers; return when each item gets assigned."""
    rng = random.Random(seed)
    with Session(engine) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        people = _add_officers(session, officers)
        heads = {
            u.unit_id: u.id or 0
            for u in session.exec(select(User).where(User.role == Role.UNIT_HEAD.value)).all()
        }
        session.commit()
        people = [p for p in people if p.unit_id in heads]
    span = max(1, (end - start).days - 20)
    plan: list[tuple[datetime, work_items.ItemSpec, int]] = []
    for n in range(items):
        officer = rng.choice(people)
        begin = start + timedelta(days=rng.randint(0, span))
        spec = work_items.ItemSpec(
            title=f"Nhiệm vụ mô phỏng số {n + 1}",
            lead_unit_id=officer.unit_id,
            assignee_id=officer.id or 0,
            start_on=begin,
            due_working_days=rng.randint(5, 40),
        )
        plan.append((_at(begin, 8), spec, heads[officer.unit_id]))
    plan.sort(key=lambda p: p[0])
    return plan


def _apply(session: Session, *, now: datetime, item_id: int, action: str) -> None:
    item = session.get(WorkItem, item_id)
    assert item is not None
    actor_id = item.assigner_id if action == Action.APPROVE.value else item.assignee_id
    actor = session.get(User, actor_id)
    assert actor is not None
    if action == Action.SUBMIT.value:
        work_items.add_evidence(
            session=session, now=now, actor=actor, item_id=item_id, note="Báo cáo kết quả"
        )
    work_items.act(session=session, now=now, actor=actor, item_id=item_id, action=action)


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
    """Simulate from `start` to `end` (inclusive) on a migrated, empty database."""
    rng = random.Random(seed + 1)
    assignments = seed_demo(
        engine=engine, start=start, end=end, officers=officers, items=items, seed=seed
    )
    counter = iter(range(10**9))
    queue: list[_Step] = []
    ids: dict[int, int] = {}
    result = SimulationResult(items=items)
    months: dict[str, MonthStats] = defaultdict(MonthStats)
    now = datetime.combine(start, time(0), tzinfo=UTC)
    stop = datetime.combine(end + timedelta(days=1), time(0), tzinfo=UTC)
    total_ticks = int((stop - now) / tick)
    next_assign = 0
    calendar = None
    while now < stop:
        month = months[now.strftime("%Y-%m")]
        with Session(engine) as session:
            calendar = calendar or load_calendar(session=session)
            while next_assign < len(assignments) and assignments[next_assign][0] <= now:
                at, spec, head_id = assignments[next_assign]
                head = session.get(User, head_id)
                assert head is not None
                item = work_items.create_item(
                    session=session, now=at, spec=spec, assigner=head, calendar=calendar
                )
                ids[next_assign] = item.id or 0
                due = item.due_at.date()
                for step in _plan_steps(
                    rng, index=next_assign, start=spec.start_on, due=due, seq=lambda: next(counter)
                ):
                    heapq.heappush(queue, step)
                next_assign += 1
            while queue and queue[0].at <= now:
                step = heapq.heappop(queue)
                try:
                    with session.begin_nested():
                        _apply(session, now=now, item_id=ids[step.item_index], action=step.action)
                except Exception:  # noqa: S112 - an officer's impossible step is skipped
                    continue
                if step.action == Action.APPROVE.value:
                    done = session.get(WorkItem, ids[step.item_index])
                    if done is not None and done.closed_on_time is not None:
                        if done.closed_on_time:
                            month.closed_on_time += 1
                        else:
                            month.closed_late += 1
            session.commit()
        for name in JOB_NAMES:
            if name == "deliver_outbox":
                continue  # the simulation counts queued mail and sends none
            outcome = run_job(name, now=now, engine=engine)
            if isinstance(outcome, jobs.SweepResult):
                month.reminders += outcome.reminders
                month.escalations += outcome.escalations
            elif isinstance(outcome, jobs.ReportsResult):
                month.reports += len(outcome.built)
        result.ticks += 1
        if progress is not None:
            progress(result.ticks, total_ticks)
        now += tick
    with Session(engine) as session:
        result.open_at_end = int(
            session.exec(
                select(func.count()).select_from(WorkItem).where(col(WorkItem.closed_at).is_(None))
            ).one()
        )
    result.months = dict(sorted(months.items()))
    return result
