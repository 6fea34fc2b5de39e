"""Pause/resume shifting, extensions keeping both dates, on-time at close, overrides, bulk."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from tests.integration.engine.conftest import MakeItem, People
from workflow.errors import InvalidInput, NotAllowed, StaleVersion
from workflow.models import Area, Plan, PlanTask, WorkItem
from workflow.services.calendar import add_override, list_overrides, remove_override
from workflow.services.extensions import decide_extension, request_extension
from workflow.services.work_items import act, add_evidence, bulk_assign_area, history


def hanoi(y: int, m: int, d: int, h: int = 0) -> datetime:
    return datetime(y, m, d, h, tzinfo=UTC) - timedelta(hours=7)


def _start(org: Session, people: People, item: WorkItem, now: datetime) -> None:
    linh = people["cchc.linh"]
    act(session=org, now=now, actor=linh, item_id=item.id or 0, action="accept")
    act(session=org, now=now, actor=linh, item_id=item.id or 0, action="start")


def test_due_in_working_days_and_explicit_due_on_a_day_off(make_item: MakeItem) -> None:
    # Start Mon 2/3/2026 + 10 working days = Mon 16/3, 17:00 Hanoi.
    assert make_item().due_at == hanoi(2026, 3, 16, 17)
    # Due "Sun 26/4/2026" (Giỗ Tổ) rolls over Mon 27/4 (in lieu) to Tue 28/4.
    assert make_item(due_on=date(2026, 4, 26)).due_at == hanoi(2026, 4, 28, 17)


def test_pause_stops_the_clock_and_resume_shifts_by_paused_working_days(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item()
    _start(org, people, item, now)
    head = people["cchc.truong"]
    act(
        session=org,
        now=hanoi(2026, 3, 4, 10),
        actor=head,
        item_id=item.id or 0,
        action="pause",
        comment="chờ ý kiến Sở Tài chính",
    )
    assert item.state == "paused" and item.next_action_at is None
    # Paused Wed 4/3 to Wed 11/3: five working days.
    act(session=org, now=hanoi(2026, 3, 11, 9), actor=head, item_id=item.id or 0, action="resume")
    assert item.state == "in_progress" and item.paused_at is None
    assert item.due_at == hanoi(2026, 3, 23, 17)
    assert item.original_due_at == hanoi(2026, 3, 16, 17)
    assert item.paused_working_days == 5
    assert item.next_action_at is not None
    last = history(session=org, item_id=item.id or 0)[-1]
    assert last.action == "resume" and last.changes["due_at"]["to"].startswith("2026-03-23")


def test_extension_keeps_original_and_current_due_dates(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item()
    linh, head = people["cchc.linh"], people["cchc.truong"]
    req = request_extension(
        session=org,
        now=now,
        actor=linh,
        item_id=item.id or 0,
        requested_due_on=date(2026, 3, 28),
        reason="chờ số liệu",
    )
    # Saturday 28/3 rolls to Monday 30/3.
    assert req.requested_due_at == hanoi(2026, 3, 30, 17)
    with pytest.raises(InvalidInput):
        request_extension(
            session=org,
            now=now,
            actor=linh,
            item_id=item.id or 0,
            requested_due_on=date(2026, 4, 10),
            reason="lần hai",
        )
    with pytest.raises(NotAllowed):
        decide_extension(
            session=org, now=now, actor=people["cchc.nam"], request_id=req.id or 0, approve=True
        )
    decide_extension(session=org, now=now, actor=head, request_id=req.id or 0, approve=True)
    assert item.due_at == hanoi(2026, 3, 30, 17)
    assert item.original_due_at == hanoi(2026, 3, 16, 17)
    assert item.due_working_days is None
    actions = [e.action for e in history(session=org, item_id=item.id or 0)]
    assert actions[-2:] == ["extension_requested", "extension_approved"]


def test_unit_head_extension_goes_to_the_deputy_and_refusal_keeps_the_date(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    head = people["cchc.truong"]
    item = make_item(assignee_id=head.id)
    req = request_extension(
        session=org,
        now=now,
        actor=head,
        item_id=item.id or 0,
        requested_due_on=date(2026, 4, 1),
        reason="khối lượng lớn",
    )
    with pytest.raises(NotAllowed):
        decide_extension(session=org, now=now, actor=head, request_id=req.id or 0, approve=True)
    decide_extension(
        session=org,
        now=now,
        actor=people["pgd.dong"],
        request_id=req.id or 0,
        approve=False,
        note="không đồng ý",
    )
    assert req.status == "refused" and item.due_at == item.original_due_at


@pytest.mark.parametrize(
    ("submitted", "on_time", "late"),
    [(hanoi(2026, 3, 16, 16), True, 0), (hanoi(2026, 3, 18, 10), False, 2)],
)
def test_on_time_is_judged_on_submission(
    org: Session,
    people: People,
    make_item: MakeItem,
    now: datetime,
    submitted: datetime,
    on_time: bool,
    late: int,
) -> None:
    item = make_item()
    _start(org, people, item, now)
    linh = people["cchc.linh"]
    with pytest.raises(InvalidInput):
        act(session=org, now=submitted, actor=linh, item_id=item.id or 0, action="submit")
    add_evidence(session=org, now=submitted, actor=linh, item_id=item.id or 0, note="BC 12")
    act(session=org, now=submitted, actor=linh, item_id=item.id or 0, action="submit")
    # The head approves a week later: the officer is not late for the reviewer's delay.
    act(
        session=org,
        now=submitted + timedelta(days=7),
        actor=people["cchc.truong"],
        item_id=item.id or 0,
        action="approve",
    )
    assert (item.closed_on_time, item.late_working_days) == (on_time, late)
    assert item.closed_at == submitted + timedelta(days=7)


def test_stale_version_is_refused(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item()
    act(
        session=org,
        now=now,
        actor=people["cchc.linh"],
        item_id=item.id or 0,
        action="accept",
        expected_version=1,
    )
    with pytest.raises(StaleVersion):
        act(
            session=org,
            now=now,
            actor=people["cchc.linh"],
            item_id=item.id or 0,
            action="start",
            expected_version=1,
        )


def test_override_recomputes_working_day_deadlines_and_is_audited(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    counted = make_item()  # due Mon 16/3
    explicit = make_item(due_on=date(2026, 3, 16))
    coordinator = people["vp.cchc"]
    with pytest.raises(NotAllowed):
        add_override(
            session=org,
            now=now,
            actor=people["cchc.truong"],
            day=date(2026, 3, 10),
            is_working=False,
            reason="x",
        )
    result = add_override(
        session=org,
        now=now,
        actor=coordinator,
        day=date(2026, 3, 10),
        is_working=False,
        reason="QĐ 12/QĐ-UBND",
    )
    assert result.moved_item_ids == [counted.id]
    assert counted.due_at == hanoi(2026, 3, 17, 17)
    assert explicit.due_at == hanoi(2026, 3, 16, 17)
    assert counted.original_due_at == hanoi(2026, 3, 16, 17)
    event = history(session=org, item_id=counted.id or 0)[-1]
    assert event.action == "calendar_recomputed" and "QĐ 12" in (event.comment or "")
    # Declaring the explicit due day off rolls it forward (Civil Code Art. 148).
    add_override(
        session=org,
        now=now,
        actor=coordinator,
        day=date(2026, 3, 16),
        is_working=False,
        reason="QĐ 13",
    )
    assert explicit.due_at == hanoi(2026, 3, 17, 17)
    assert counted.due_at == hanoi(2026, 3, 18, 17)
    assert [o.day for o in list_overrides(session=org, year=2026)] == [
        date(2026, 3, 10),
        date(2026, 3, 16),
    ]
    remove_override(session=org, now=now, actor=coordinator, day=date(2026, 3, 10))
    assert counted.due_at == hanoi(2026, 3, 17, 17)


def test_bulk_assign_an_area_once(org: Session, people: People, now: datetime) -> None:
    plan = Plan(key="kh-test", title="KH", imported_at=now)
    org.add(plan)
    org.flush()
    area = Area(plan_id=plan.id or 0, number=1, title="Cải cách thể chế")
    org.add(area)
    org.flush()
    cchc, tcbc = people.unit("CCHC"), people.unit("TCBC")
    head_task = PlanTask(
        plan_id=plan.id or 0,
        area_id=area.id or 0,
        key="1",
        position=1,
        text="Rà soát văn bản",
        lead_unit_id=cchc.id,
    )
    org.add(head_task)
    org.flush()
    tasks = [
        PlanTask(
            plan_id=plan.id or 0,
            area_id=area.id or 0,
            key="1.1",
            position=2,
            parent_id=head_task.id,
            text="Rà soát QPPL",
            lead_unit_id=cchc.id,
            supporting_unit_codes=["TCBC", "NOPE"],
        ),
        PlanTask(
            plan_id=plan.id or 0,
            area_id=area.id or 0,
            key="2",
            position=3,
            text="Kiện toàn tổ chức",
            lead_unit_id=tcbc.id,
        ),
        PlanTask(
            plan_id=plan.id or 0, area_id=area.id or 0, key="3", position=4, text="Không có đơn vị"
        ),
    ]
    org.add_all(tasks)
    org.flush()
    with pytest.raises(NotAllowed):
        bulk_assign_area(
            session=org,
            now=now,
            actor=people["cchc.truong"],
            area_id=area.id or 0,
            start_on=date(2026, 3, 2),
            due_working_days=20,
        )
    result = bulk_assign_area(
        session=org,
        now=now,
        actor=people["vp.cchc"],
        area_id=area.id or 0,
        start_on=date(2026, 3, 2),
        due_working_days=20,
    )
    assert [i.plan_task_id for i in result.created] == [tasks[0].id, tasks[1].id]
    assert result.created[0].assignee_id == people["cchc.truong"].id
    assert result.skipped == ["3: no lead unit"]
    again = bulk_assign_area(
        session=org,
        now=now,
        actor=people["vp.cchc"],
        area_id=area.id or 0,
        start_on=date(2026, 3, 2),
        due_working_days=20,
    )
    assert again.created == [] and len(again.skipped) == 3
    assert len(org.exec(select(WorkItem).where(WorkItem.plan_task_id == tasks[0].id)).all()) == 1
