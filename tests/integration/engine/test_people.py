"""People come and go (workflow.services.people, stand_ins): leavers and movers hand their open
items to their former head, absences hand reminders and the assignee's actions to a delegate."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from tasks import jobs
from tests.conftest import SAMPLE_ORG
from tests.integration.engine.conftest import MakeItem, People
from workflow.errors import Conflict, InvalidInput, NotAllowed
from workflow.models import WorkItem, WorkItemEvent
from workflow.services import people as svc
from workflow.services.stand_ins import reminder_recipient
from workflow.services.work_items import act, actions_for, add_evidence, history
from workflow.states import Action

pytestmark = pytest.mark.integration


def _hanoi(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour - 7, tzinfo=UTC)


def _mails(session: Session, kind: str) -> list[Notification]:
    return list(
        session.exec(
            select(Notification).where(Notification.kind == kind).order_by(col(Notification.id))
        ).all()
    )


def _reminders(session: Session, item: WorkItem) -> list[tuple[str, str]]:
    rows = session.exec(
        select(Notification)
        .where(Notification.work_item_id == item.id, Notification.kind == "reminder")
        .order_by(col(Notification.id))
    ).all()
    return [(r.dedup_key.rsplit(":", 1)[1], r.recipient_email) for r in rows]


def test_deactivating_an_officer_hands_their_items_to_the_head_with_one_mail(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    first = make_item(due_on=date(2026, 3, 13))
    second = make_item(title="Kiểm tra CCHC", due_on=date(2026, 3, 20))
    other = make_item(
        title="Việc của Nam", assignee_id=people["cchc.nam"].id, due_on=date(2026, 3, 13)
    )
    head, admin = people["cchc.truong"], people["vp.admin"]
    relay_events(session=org, now=now, batch_size=100)  # the assignment mails
    assert svc.to_reassign(session=org, head=head) == []

    result = svc.deactivate(session=org, now=now, actor=admin, user=people["cchc.linh"])
    assert [i.id for i in result.items] == [first.id, second.id]
    assert [i.id for i in svc.to_reassign(session=org, head=head)] == [first.id, second.id]
    assert svc.to_reassign(session=org, head=people["tcbc.truong"]) == []
    # History keeps who did what: the administrator's hand-over on each item.
    last = history(session=org, item_id=first.id or 0)[-1]
    assert (last.action, last.actor_id) == ("handed_over", admin.id)
    assert last.changes["handover"]["head_id"] == head.id

    relay_events(session=org, now=now, batch_size=100)
    relay_events(session=org, now=now, batch_size=100)
    mails = _mails(org, "to_reassign")
    assert [m.recipient_email for m in mails] == ["cchc.truong@sonoivu.example.vn"]
    assert [i["id"] for i in mails[0].context["items"]] == [first.id, second.id]
    assert mails[0].context["reason"] == "deactivated" and mails[0].status == "pending"
    # Deactivating again changes nothing and mails nobody.
    assert svc.deactivate(session=org, now=now, actor=admin, user=people["cchc.linh"]).items == []

    # Reminders of the left items go to the head (not skipped as "inactive account").
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 6), 9))
    assert _reminders(org, first) == [("remind-5", "cchc.truong@sonoivu.example.vn")]
    assert _reminders(org, other)[-1][1] == "cchc.nam@sonoivu.example.vn"
    # The head reassigns: off the list, and the next reminder goes to the new assignee.
    act(
        session=org,
        now=_hanoi(date(2026, 3, 9), 9),
        actor=head,
        item_id=first.id or 0,
        action=Action.REASSIGN,
        assignee_id=people["cchc.nam"].id,
    )
    assert [i.id for i in svc.to_reassign(session=org, head=head)] == [second.id]
    jobs.sweep_due(session=org, now=_hanoi(date(2026, 3, 12), 9))
    assert _reminders(org, first)[-1] == ("remind-1", "cchc.nam@sonoivu.example.vn")


def test_moving_an_officer_hands_the_old_units_items_to_its_head(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item(due_on=date(2026, 3, 13))
    linh = people["cchc.linh"]
    svc.move(session=org, now=now, actor=None, user=linh, unit_id=people.unit("VP").id or 0)
    assert [i.id for i in svc.to_reassign(session=org, head=people["cchc.truong"])] == [item.id]
    relay_events(session=org, now=now, batch_size=100)
    (mail,) = _mails(org, "to_reassign")
    assert mail.recipient_email == "cchc.truong@sonoivu.example.vn"
    assert (mail.context["reason"], mail.context["new_unit_name"]) == ("moved", "Văn phòng")
    to = reminder_recipient(session=org, item=item, now=now)
    assert to is not None and (to.user.username, to.why) == ("cchc.truong", "to_reassign")
    # The mover no longer acts on the item as its assignee.
    assert Action.ACCEPT not in actions_for(session=org, item=item, actor=linh, now=now)


def test_a_vacant_head_hands_the_list_up_the_line(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item(due_on=date(2026, 3, 13))
    svc.deactivate(session=org, now=now, actor=None, user=people["cchc.truong"])
    svc.deactivate(session=org, now=now, actor=None, user=people["cchc.linh"])
    overseer = org.get(type(people["gd.minh"]), people.unit("CCHC").overseer_id)
    assert overseer is not None
    assert [i.id for i in svc.to_reassign(session=org, head=overseer)] == [item.id]


def test_org_load_moves_and_deactivates_the_missing_through_the_service(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    moved = make_item(due_on=date(2026, 3, 13))
    left = make_item(title="Việc của Nam", assignee_id=people["cchc.nam"].id)
    text = SAMPLE_ORG.read_text(encoding="utf-8")
    edited = "\n".join(
        line.replace("unit: CCHC, role: officer", "unit: VP, role: officer")
        if "cchc.linh" in line
        else line
        for line in text.splitlines()
        if "cchc.nam" not in line
    )
    result = svc.load_org_file(
        session=org, now=now, actor=None, text=edited, deactivate_missing=True
    )
    assert result.deactivated == ["user cchc.nam"] and result.handed_over == 2
    assert "user cchc.linh" in result.updated
    head = people["cchc.truong"]
    assert {i.id for i in svc.to_reassign(session=org, head=head)} == {moved.id, left.id}
    relay_events(session=org, now=now, batch_size=100)
    assert sorted(m.context["person_name"] for m in _mails(org, "to_reassign")) == [
        "Cao Văn Nam",
        "Đinh Thị Linh",
    ]
    # Loading the same file again is idempotent: nothing moves, nobody is mailed again.
    again = svc.load_org_file(
        session=org, now=now, actor=None, text=edited, deactivate_missing=True
    )
    assert (again.changed, again.handed_over) == (False, 0)


def test_the_last_administrator_cannot_be_deactivated(org: Session, people: People) -> None:
    with pytest.raises(Conflict):
        svc.deactivate(session=org, now=datetime.now(UTC), actor=None, user=people["vp.admin"])


def test_during_an_absence_the_delegate_gets_the_reminders_and_submits(
    org: Session, people: People, make_item: MakeItem, now: datetime
) -> None:
    item = make_item(due_on=date(2026, 3, 13))
    linh, nam = people["cchc.linh"], people["cchc.nam"]
    svc.record_absence(
        session=org,
        now=now,
        actor=linh,
        user_id=linh.id or 0,
        delegate_id=nam.id or 0,
        starts_on=date(2026, 3, 5),
        ends_on=date(2026, 3, 11),
        note="Nghỉ phép",
    )
    before = _hanoi(date(2026, 3, 4), 9)
    assert actions_for(session=org, item=item, actor=nam, now=before) == []
    with pytest.raises(NotAllowed):
        act(session=org, now=before, actor=nam, item_id=item.id or 0, action=Action.ACCEPT)

    during = _hanoi(date(2026, 3, 6), 9)
    jobs.sweep_due(session=org, now=during)
    assert _reminders(org, item) == [("remind-5", "cchc.nam@sonoivu.example.vn")]
    assert Action.ACCEPT in actions_for(session=org, item=item, actor=nam, now=during)
    for action in (Action.ACCEPT, Action.START):
        act(session=org, now=during, actor=nam, item_id=item.id or 0, action=action)
    add_evidence(session=org, now=during, actor=nam, item_id=item.id or 0, note="Dự thảo")
    act(session=org, now=during, actor=nam, item_id=item.id or 0, action=Action.SUBMIT)
    assert item.state == "awaiting_review"
    events = org.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.work_item_id == item.id, WorkItemEvent.actor_id == nam.id)
        .order_by(col(WorkItemEvent.id))
    ).all()
    assert [e.action for e in events] == ["accept", "start", "add_evidence", "submit"]
    assert all(e.changes["acting_for"] == {"id": linh.id, "name": linh.full_name} for e in events)

    # Rework after the absence: the reminders go to the officer again, and only she acts.
    after = _hanoi(date(2026, 3, 12), 9)
    act(
        session=org,
        now=after,
        actor=people["cchc.truong"],
        item_id=item.id or 0,
        action=Action.REQUEST_REWORK,
        comment="Bổ sung số liệu",
    )
    jobs.sweep_due(session=org, now=after)
    assert _reminders(org, item)[-1] == ("remind-1", "cchc.linh@sonoivu.example.vn")
    assert actions_for(session=org, item=item, actor=nam, now=after) == []


def test_absence_rules(org: Session, people: People, now: datetime) -> None:
    linh, nam, head = people["cchc.linh"], people["cchc.nam"], people["cchc.truong"]
    args = {"starts_on": date(2026, 3, 5), "ends_on": date(2026, 3, 6)}
    with pytest.raises(NotAllowed):  # an officer records only their own
        svc.record_absence(
            session=org, now=now, actor=nam, user_id=linh.id or 0, delegate_id=nam.id or 0, **args
        )
    with pytest.raises(InvalidInput, match="not in"):  # a delegate of another unit
        svc.record_absence(
            session=org,
            now=now,
            actor=linh,
            user_id=linh.id or 0,
            delegate_id=people["vp.an"].id or 0,
            **args,
        )
    with pytest.raises(InvalidInput, match="over"):
        svc.record_absence(
            session=org,
            now=now,
            actor=linh,
            user_id=linh.id or 0,
            delegate_id=nam.id or 0,
            starts_on=date(2026, 2, 2),
            ends_on=date(2026, 2, 3),
        )
    # The head records it for their officer, and may name themselves.
    absence = svc.record_absence(
        session=org, now=now, actor=head, user_id=linh.id or 0, delegate_id=head.id or 0, **args
    )
    with pytest.raises(Conflict):
        svc.record_absence(
            session=org, now=now, actor=linh, user_id=linh.id or 0, delegate_id=nam.id or 0, **args
        )
    assert svc.absences_for(session=org, actor=linh, now=now) == [absence]
    assert svc.absences_for(session=org, actor=people["tt.binh"], now=now) == []
    svc.cancel_absence(session=org, now=now, actor=linh, absence_id=absence.id or 0)
    assert svc.absences_for(session=org, actor=head, now=now) == []
