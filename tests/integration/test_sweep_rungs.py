"""The sweep's per-item handler on real PostgreSQL: who gets which mail, once, and history."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from notifications.models import Notification
from tasks import jobs
from tests.workers_support import officer
from workflow import deadlines
from workflow.models.org import Unit, User
from workflow.models.work import WorkItem, WorkItemEvent
from workflow.services import work_items

pytestmark = pytest.mark.integration


def _hanoi(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 7, tzinfo=UTC)


def _assign(session: Session, *, start: date, due: date, username: str = "tcbc.hoa") -> WorkItem:
    user = officer(session, username)
    head = session.exec(
        select(User).where(User.unit_id == user.unit_id, User.role == "unit_head")
    ).one()
    spec = work_items.ItemSpec(
        title="Rà soát quy trình nội bộ",
        lead_unit_id=user.unit_id,
        assignee_id=user.id or 0,
        start_on=start,
        due_on=due,
    )
    return work_items.create_item(session=session, now=_hanoi(start, 8), spec=spec, assigner=head)


def _mails(session: Session, item: WorkItem) -> dict[str, str]:
    rows = session.exec(
        select(Notification)
        .where(Notification.work_item_id == item.id)
        .order_by(col(Notification.id))
    ).all()
    return {r.dedup_key: r.recipient_email for r in rows}


def test_each_rung_is_queued_once_to_the_assignee(org: Session) -> None:
    # Due Friday 2026-03-13: reminders 5 and 1 working days before, then the due day.
    item = _assign(org, start=date(2026, 3, 2), due=date(2026, 3, 13))
    me = "tcbc.hoa@sonoivu.example.vn"
    key = f"reminder:{item.id}:20260313"
    r = jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 6), 9))
    assert (r.claimed, r.reminders, r.escalations) == (1, 1, 0)
    assert _mails(org, item) == {f"{key}:remind-5": me}
    # The same tick again (a redelivered task): nothing is due any more.
    assert jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 6), 9)).claimed == 0
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 12), 9))
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 13), 9))
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 13), 18))
    assert list(_mails(org, item)) == [
        f"{key}:remind-5",
        f"{key}:remind-1",
        f"{key}:due-today",
        f"{key}:overdue",
    ]
    row = org.exec(select(Notification).where(Notification.dedup_key == f"{key}:remind-1")).one()
    assert row.kind == "reminder" and row.context["working_days_left"] == 1
    assert item.next_action_at == _hanoi(date(2026, 3, 16), 8)  # escalation 1


def test_catch_up_collapses_reminders_and_escalates_along_the_org_chart(org: Session) -> None:
    item = _assign(org, start=date(2026, 2, 2), due=date(2026, 3, 2))
    # Scheduler down since before the first reminder; now 6 working days past due.
    r = jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 10), 9))
    assert (r.reminders, r.escalations) == (1, 3)
    assert _mails(org, item) == {
        f"reminder:{item.id}:20260302:overdue": "tcbc.hoa@sonoivu.example.vn",
        f"escalation:{item.id}:20260302:1": "tcbc.truong@sonoivu.example.vn",
        f"escalation:{item.id}:20260302:2": "pgd.lan@sonoivu.example.vn",
        f"escalation:{item.id}:20260302:3": "gd.minh@sonoivu.example.vn",
    }
    events = org.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.work_item_id == item.id, WorkItemEvent.action == "escalate")
        .order_by(col(WorkItemEvent.id))
    ).all()
    assert [e.changes["escalation_level"]["to"] for e in events] == [1, 2, 3]
    assert item.escalation_level == 3 and item.next_action_at is None
    esc = org.exec(
        select(Notification).where(Notification.dedup_key == f"escalation:{item.id}:20260302:3")
    ).one()
    assert esc.context["level"] == 3 and esc.context["items"][0]["working_days_late"] == 6
    assert jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 20), 9)).claimed == 0


def test_a_vacant_deputy_hands_the_escalation_to_the_director(org: Session) -> None:
    unit = org.exec(select(Unit).where(Unit.code == "TCBC")).one()
    unit.overseer_id = None
    org.add(unit)
    item = _assign(org, start=date(2026, 2, 2), due=date(2026, 3, 2))
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 5), 9))  # level 2 has come
    mails = _mails(org, item)
    assert mails[f"escalation:{item.id}:20260302:2"] == "gd.minh@sonoivu.example.vn"


def test_an_item_awaiting_review_holds_its_ladder_until_rework(org: Session) -> None:
    item = _assign(org, start=date(2026, 3, 2), due=date(2026, 3, 13))
    hoa = officer(org, "tcbc.hoa")
    head = officer(org, "tcbc.truong")
    t = _hanoi(date(2026, 3, 3), 10)
    for action in ("accept", "start"):
        work_items.act(session=org, now=t, actor=hoa, item_id=item.id or 0, action=action)
    work_items.add_evidence(session=org, now=t, actor=hoa, item_id=item.id or 0, note="xong")
    work_items.act(session=org, now=t, actor=hoa, item_id=item.id or 0, action="submit")
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 20), 9))
    assert _mails(org, item) == {} and item.next_action_at is None
    work_items.act(
        session=org,
        now=_hanoi(date(2026, 3, 20), 10),
        actor=head,
        item_id=item.id or 0,
        action="request_rework",
        comment="Bổ sung số liệu",
    )
    r = jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 20), 11))
    assert (r.reminders, r.escalations) == (1, 3)
    assert f"reminder:{item.id}:20260313:overdue" in _mails(org, item)


def test_a_failing_item_loses_only_its_own_mail(
    org: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Three items due the same day; the second fails after its mail was prepared. The
    # batch's prepared mails are dropped with its savepoint and redone item by item: the
    # other two are queued once, the failing one stays due with nothing queued.
    items = [_assign(org, start=date(2026, 3, 2), due=date(2026, 3, 13)) for _ in range(3)]
    bad = items[1]
    real = deadlines.mark_sent

    def flaky(item: WorkItem, rung: deadlines.RungAt) -> None:
        if item.id == bad.id:
            raise RuntimeError("disk full")
        real(item, rung)

    monkeypatch.setattr(deadlines, "mark_sent", flaky)
    result = jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 6), 9))
    assert (result.claimed, result.reminders, result.failed_ids) == (3, 2, [bad.id])
    assert [len(_mails(org, item)) for item in items] == [1, 0, 1]
    assert bad.next_action_at is not None and bad.last_rung_sent is None
    monkeypatch.setattr(deadlines, "mark_sent", real)
    again = jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 6), 9))
    assert (again.claimed, again.reminders) == (1, 1)
    assert [len(_mails(org, item)) for item in items] == [1, 1, 1]
