"""Where a simulation's data comes from: the demo agency, or a copy of real data.

The demo is the sample organisation (plus officers) and the sample plan, imported through
`workflow.importer` and its tasks distributed to units as deploy/sample/task-units.yaml
says, with one assignment per item cycling over the plan's leaf tasks. A
copy is every planflow table of a live database, so a policy (`apply_policy`) can be
previewed on real open items without touching them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, col, select

from workflow import search_index
from workflow.deadlines import ladder_for
from workflow.importer import parse_document, upsert_plan
from workflow.importer.text import short
from workflow.models.org import Role, Unit, User
from workflow.models.plan import Plan, PlanTask
from workflow.models.search import SearchEntry
from workflow.services import work_items
from workflow.services.org import load_org
from workflow.services.plan_units import apply_unit_mapping
from workflow.settings import get_settings
from workflow.yamlio import load_yaml_with_lines

SAMPLES = Path(__file__).resolve().parent.parent / "deploy" / "sample"
SAMPLE_ORG = SAMPLES / "org.yaml"
SAMPLE_PLAN = SAMPLES / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"
SAMPLE_UNITS = SAMPLES / "task-units.yaml"


@dataclass(frozen=True)
class Assignment:
    """One work item to assign at `at` by `assigner_id`."""

    at: datetime
    spec: work_items.ItemSpec
    assigner_id: int


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


def at_hour(day: date, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def copy_database(*, source: Engine, target: Engine) -> int:
    """Copy every planflow table from `source` into the migrated, empty `target`; rows copied.

    Tables go in dependency order with their ids, so the copy is the same data. References
    the order cannot satisfy (a unit's overseer is a user of a unit; a unit's parent) are
    written NULL first and set once every row is in. A PostgreSQL target's id sequences
    are moved past the copied ids.
    """
    import notifications.models  # noqa: F401 - the outbox tables belong to the copy too

    copied = 0
    later: list[tuple[Table, list[str], list[dict[str, Any]]]] = []
    done: set[str] = set()
    with source.connect() as src, target.begin() as dst:
        for table in SQLModel.metadata.sorted_tables:
            if table.name == SearchEntry.__tablename__:
                continue  # engine-specific: indexed again below from the copied rows
            rows = [dict(row) for row in src.execute(table.select()).mappings()]
            late = sorted(
                {
                    fk.parent.name
                    for fk in table.foreign_keys
                    if fk.column.table.name not in done or fk.column.table is table
                }
            )
            done.add(table.name)
            if not rows:
                continue
            dst.execute(table.insert(), [{**row, **dict.fromkeys(late)} for row in rows])
            copied += len(rows)
            if late:
                later.append((table, late, rows))
            if target.dialect.name == "postgresql" and "id" in table.c:
                dst.execute(
                    text("SELECT setval(pg_get_serial_sequence(:t, 'id'), :top)"),
                    {"t": table.name, "top": max(row["id"] for row in rows)},
                )
        for table, late, rows in later:
            stmt = (
                table.update()
                .where(table.c.id == bindparam("row_id"))
                .values({name: bindparam(f"new_{name}") for name in late})
            )
            dst.execute(
                stmt, [{"row_id": r["id"], **{f"new_{n}": r[n] for n in late}} for r in rows]
            )
        with Session(bind=dst) as session:
            copied += search_index.rebuild(session=session)
            session.flush()
    return copied


def apply_policy(*, engine: Engine, policy: dict[str, Any]) -> int:
    """Give every plan of the (simulated) database the reminder/escalation `policy`;
    InvalidInput if it is not a valid ladder. Returns the number of plans changed."""
    ladder_for(policy)  # validates
    with Session(engine) as session:
        plans = list(session.exec(select(Plan)).all())
        for plan in plans:
            plan.policy = dict(policy)
            session.add(plan)
        session.commit()
    return len(plans)


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
        imported = upsert_plan(session=session, tree=tree, now=now, source=SAMPLE_PLAN.name)
        # The coordinator's distribution of the tasks, as `make run` loads it.
        apply_unit_mapping(
            session=session,
            actor=None,
            plan_id=imported.plan_id or 0,
            mapping=load_yaml_with_lines(
                SAMPLE_UNITS.read_text(encoding="utf-8"), source=SAMPLE_UNITS.name
            ),
            source=SAMPLE_UNITS.name,
        )
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
        title = short(task.text, 440)
        spec = work_items.ItemSpec(
            title=f"{title} (đợt {n // len(leaves) + 1})",
            lead_unit_id=unit_id,
            assignee_id=officer.id or 0,
            start_on=begin,
            due_working_days=rng.randint(5, 40),
            plan_task_id=task.id,
            evidence_required=task.product,
        )
        plan.append(Assignment(at_hour(begin, 8, tz), spec, heads[unit_id]))
    plan.sort(key=lambda a: a.at)
    return plan
