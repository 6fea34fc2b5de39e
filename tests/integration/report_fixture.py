"""A plan, work items and indicators with hand-counted numbers for the Q1 2026 report.

Q1 2026 runs 15/12/2025-14/03/2026; its cutoff is 15/03/2026 00:00 Hanoi. Expected:

| item | area | unit | state at cutoff                | working days overdue |
|------|------|------|--------------------------------|----------------------|
| a    | 1    | CCHC | done on time                   |                      |
| b    | 1    | CCHC | done late                      |                      |
| c    | 1    | CCHC | in progress on time            |                      |
| d    | 1    | CCHC | overdue (due Fri 06/03)        | 5                    |
| e    | 1    | TCBC | overdue (due Wed 11/03)        | 2                    |
| f    | 1    | TCBC | done on time                   |                      |
| g    | 1    | TCBC | in progress (done 16/03, later)|                      |
| h    | 2    | CCHC | done on time (closed 20/12/25) |                      |
| i    | 2    | CCHC | out: closed before the period  |                      |
| j    | 2    | CCHC | out: cancelled                 |                      |
| k    | 2    | CCHC | overdue (due Fri 27/02)        | 10                   |
| l    | 2    | CCHC | out: created after the cutoff  |                      |
| m    | 6    | VP   | done late                      |                      |
| n    | 6    | VP   | in progress on time            |                      |
| o    | none | TTRA | overdue (due Thu 12/03)        | 1                    |

Extension requests in the period: on d and on k (one on c is after the cutoff).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from workflow.models import (
    Area,
    ExtensionRequest,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Plan,
    PlanTask,
    Unit,
    User,
    WorkItem,
)

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
BUILD_NOW = datetime(2026, 3, 17, 2, 0, tzinfo=UTC)  # Tuesday 17/03 09:00 Hanoi


def eod(day: date) -> datetime:
    """17:00 Hanoi on `day`, the deadline convention."""
    return datetime.combine(day, time(17), tzinfo=HANOI).astimezone(UTC)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=HANOI).astimezone(UTC)


@dataclass
class Seeded:
    plan_id: int
    area_ids: dict[int, int]
    unit_ids: dict[str, int]
    items: dict[str, int] = field(default_factory=dict)
    indicators: dict[str, int] = field(default_factory=dict)


D = date
CREATED = D(2025, 12, 1)
# name: (area, unit, assignee, state, due, closed, closed_on_time, created)
ITEMS: dict[str, tuple[int | None, str, str, str, date, date | None, bool | None, date]] = {
    "a": (1, "CCHC", "cchc.linh", "done", D(2026, 2, 20), D(2026, 2, 10), True, CREATED),
    "b": (1, "CCHC", "cchc.linh", "done", D(2026, 2, 27), D(2026, 3, 5), False, CREATED),
    "c": (1, "CCHC", "cchc.nam", "in_progress", D(2026, 3, 31), None, None, CREATED),
    "d": (1, "CCHC", "cchc.nam", "in_progress", D(2026, 3, 6), None, None, CREATED),
    "e": (1, "TCBC", "tcbc.hoa", "accepted", D(2026, 3, 11), None, None, CREATED),
    "f": (1, "TCBC", "tcbc.hoa", "done", D(2026, 1, 20), D(2026, 1, 15), True, CREATED),
    "g": (1, "TCBC", "tcbc.khoa", "done", D(2026, 3, 20), D(2026, 3, 16), True, CREATED),
    "h": (2, "CCHC", "cchc.linh", "done", D(2025, 12, 31), D(2025, 12, 20), True, CREATED),
    "i": (2, "CCHC", "cchc.linh", "done", D(2025, 12, 12), D(2025, 12, 10), True, D(2025, 11, 1)),
    "j": (2, "CCHC", "cchc.linh", "cancelled", D(2026, 3, 1), D(2026, 2, 1), None, CREATED),
    "k": (2, "CCHC", "cchc.nam", "awaiting_review", D(2026, 2, 27), None, None, CREATED),
    "l": (2, "CCHC", "cchc.nam", "assigned", D(2026, 4, 30), None, None, D(2026, 3, 20)),
    "m": (6, "VP", "vp.an", "done", D(2026, 3, 2), D(2026, 3, 10), False, CREATED),
    "n": (6, "VP", "vp.an", "rework", D(2026, 4, 30), None, None, CREATED),
    "o": (None, "TTRA", "tt.binh", "in_progress", D(2026, 3, 12), None, None, D(2026, 1, 5)),
}
AREAS = {1: "Cải cách thể chế", 2: "Cải cách thủ tục hành chính", 6: "Xây dựng chính quyền số"}


def seed(session: Session) -> Seeded:
    """Insert the plan, items, extension requests and indicators (org must be loaded)."""
    users = {u.username: u for u in session.exec(select(User)).all()}
    units = {u.code: u for u in session.exec(select(Unit)).all()}
    plan = Plan(key="cchc-2021-2030", title="Kế hoạch CCHC", imported_at=at(D(2025, 11, 1)))
    session.add(plan)
    session.flush()
    assert plan.id is not None
    areas = {n: Area(plan_id=plan.id, number=n, title=t) for n, t in AREAS.items()}
    session.add_all(areas.values())
    session.flush()
    tasks = {
        n: PlanTask(plan_id=plan.id, area_id=a.id or 0, key=f"t{n}", position=n, text=f"NV {n}")
        for n, a in areas.items()
    }
    session.add_all(tasks.values())
    session.flush()
    out = Seeded(
        plan_id=plan.id,
        area_ids={n: a.id or 0 for n, a in areas.items()},
        unit_ids={c: u.id or 0 for c, u in units.items()},
    )
    for name, (area, unit, who, state, due, closed, on_time, created) in ITEMS.items():
        item = WorkItem(
            plan_task_id=tasks[area].id if area else None,
            title=f"Nhiệm vụ {name}",
            state=state,
            lead_unit_id=units[unit].id or 0,
            assignee_id=users[who].id or 0,
            assigner_id=users[f"{unit.lower()}.truong"].id or 0
            if unit != "TTRA"
            else users["tt.chanh"].id or 0,
            start_on=created,
            due_at=eod(due),
            original_due_at=eod(due),
            closed_at=at(closed) if closed else None,
            closed_on_time=on_time,
            escalation_level=1 if name == "k" else 0,
            created_at=at(created),
            updated_at=at(created),
        )
        session.add(item)
        session.flush()
        out.items[name] = item.id or 0
    for name, created in (("d", D(2026, 3, 1)), ("k", D(2026, 2, 20)), ("c", D(2026, 3, 20))):
        session.add(
            ExtensionRequest(
                work_item_id=out.items[name],
                requested_by_id=users["cchc.nam"].id or 0,
                requested_due_at=at(D(2026, 4, 10)),
                previous_due_at=at(D(2026, 3, 6)),
                reason="Chờ ý kiến các sở",
                created_at=at(created),
            )
        )
    _indicators(session, areas, out, recorder=users["vp.cchc"].id)
    session.flush()
    return out


def _indicators(
    session: Session, areas: dict[int, Area], out: Seeded, *, recorder: int | None
) -> None:
    # name: (area, title, unit, targets [(year, comparator, value)], readings [(as_of, value)])
    specs = {
        "online": (
            6,
            "Tỷ lệ hồ sơ TTHC được xử lý trực tuyến",
            "%",
            [(2025, ">=", 80.0), (2030, ">=", 100.0)],
            [(D(2026, 1, 10), 70.0), (D(2026, 3, 10), 92.0), (D(2026, 3, 20), 99.0)],
        ),
        "par": (
            2,
            "Xếp hạng Chỉ số CCHC của tỉnh",
            "hạng",
            [(2030, "rank<=", 10.0)],
            [(D(2026, 2, 1), 8.0)],
        ),
        "satisfaction": (
            1,
            "Mức độ hài lòng của người dân",
            "%",
            [(2026, ">=", 90.0)],
            [(D(2025, 12, 20), 50.0)],
        ),
        "digitised": (6, "Tỷ lệ hồ sơ được số hóa", "%", [(2030, ">=", 100.0)], []),
    }
    for key, (area, title, unit, targets, readings) in specs.items():
        ind = Indicator(area_id=areas[area].id or 0, key=key, name=title, measure_unit=unit)
        session.add(ind)
        session.flush()
        out.indicators[key] = ind.id or 0
        for year, comp, value in targets:
            text = f"{'top' if comp == 'rank<=' else comp} {value:g} đến năm {year}"
            session.add(
                IndicatorTarget(
                    indicator_id=ind.id or 0, year=year, comparator=comp, value=value, text=text
                )
            )
        for as_of, value in readings:
            session.add(
                IndicatorReading(
                    indicator_id=ind.id or 0,
                    value=value,
                    as_of=as_of,
                    recorded_by_id=recorder,
                    recorded_at=at(as_of),
                )
            )
