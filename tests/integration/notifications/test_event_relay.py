"""The event relay: each action mails exactly the right people, once, never the actor."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from workflow.models import User, WorkItem, WorkItemEvent
from workflow.services.extensions import decide_extension, request_extension
from workflow.services.work_items import ItemSpec, act, add_evidence, assign

Sent = list[tuple[str, str]]  # (kind, recipient username)


class Desk:
    """Acts as the people of the sample organisation and relays after each step."""

    def __init__(self, session: Session, now: datetime) -> None:
        self.session, self.now = session, now
        self.users = {u.username: u for u in session.exec(select(User))}
        self.names = {u.id: u.username for u in self.users.values()}
        self.seen = 0

    def assign(self, by: str, to: str) -> WorkItem:
        spec = ItemSpec(
            title="Báo cáo CCHC quý I",
            lead_unit_id=self.users[to].unit_id,
            assignee_id=self.users[to].id or 0,
            start_on=date(2026, 3, 2),
            due_working_days=10,
        )
        return assign(session=self.session, now=self.now, actor=self.users[by], spec=spec)

    def act(self, who: str, item: WorkItem, action: str, comment: str = "", **kw: Any) -> None:
        if action == "submit":
            add_evidence(
                session=self.session, now=self.now, actor=self.users[who], item_id=item.id or 0,
                note="Báo cáo số 12",
            )  # fmt: skip
        act(
            session=self.session, now=self.now, actor=self.users[who], item_id=item.id or 0,
            action=action, comment=comment or None, **kw,
        )  # fmt: skip

    def relay(self, batch_size: int = 50) -> Sent:
        """The mails the relay queued since the last call, sorted."""
        relay_events(session=self.session, now=self.now, batch_size=batch_size)
        rows = list(self.session.exec(select(Notification).order_by(col(Notification.id))))
        new, self.seen = rows[self.seen :], len(rows)
        return sorted((r.kind, self.names[r.recipient_user_id]) for r in new)


@pytest.fixture
def desk(org: Session, now: datetime) -> Desk:
    return Desk(org, now)


def test_life_cycle_mails_assignee_assigner_and_reviewer(desk: Desk) -> None:
    item = desk.assign("cchc.truong", "cchc.linh")
    assert desk.relay() == [("assigned", "cchc.linh")]
    desk.act("cchc.linh", item, "accept")
    assert desk.relay() == [("item_update", "cchc.truong")]
    desk.act("gd.minh", item, "chase", "Đề nghị khẩn trương")
    assert desk.relay() == [("chase", "cchc.linh")]
    desk.act("cchc.linh", item, "start")
    assert desk.relay() == []
    desk.act("cchc.linh", item, "submit")
    assert desk.relay() == [("awaiting_review", "cchc.truong")]
    desk.act("cchc.truong", item, "request_rework", "Bổ sung số liệu quý")
    assert desk.relay() == [("rework", "cchc.linh")]
    desk.act("cchc.linh", item, "start")
    desk.act("cchc.linh", item, "submit")
    desk.act("pgd.dong", item, "approve")
    assert desk.relay() == [("awaiting_review", "cchc.truong"), ("item_update", "cchc.linh")]
    rows = desk.session.exec(select(Notification).where(Notification.kind == "rework")).one()
    assert rows.context["reason"] == "Bổ sung số liệu quý"
    assert rows.context["item"]["title"] == "Báo cáo CCHC quý I"
    assert rows.dedup_key.startswith("event:") and rows.work_item_id == item.id


def test_return_reassign_pause_resume_cancel_withdraw(desk: Desk) -> None:
    item = desk.assign("cchc.truong", "cchc.linh")
    desk.act("cchc.linh", item, "return", "Không đúng chức năng")
    desk.act("cchc.truong", item, "reassign", assignee_id=desk.users["cchc.nam"].id)
    assert desk.relay() == [
        ("assigned", "cchc.linh"),
        ("assigned", "cchc.nam"),
        ("returned", "cchc.truong"),
    ]
    desk.act("cchc.nam", item, "accept")
    desk.act("pgd.dong", item, "pause", "Chờ văn bản của Bộ")
    desk.act("pgd.dong", item, "resume")
    desk.act("gd.minh", item, "cancel", "Không còn phù hợp")
    assert desk.relay() == [
        ("item_update", "cchc.nam"),
        ("item_update", "cchc.nam"),
        ("item_update", "cchc.nam"),
        ("item_update", "cchc.truong"),
    ]
    changes = desk.session.exec(
        select(Notification.context)
        .where(Notification.recipient_user_id == item.assignee_id)
        .order_by(col(Notification.id))
    ).all()
    assert [c.get("change") for c in changes] == [None, "paused", "resumed", "cancelled"]
    other = desk.assign("cchc.truong", "cchc.linh")
    desk.act("cchc.truong", other, "withdraw", "Giao nhầm")
    assert desk.relay() == [("assigned", "cchc.linh"), ("item_update", "cchc.linh")]


def test_extension_requests_go_to_the_approver_and_decisions_back(desk: Desk) -> None:
    item = desk.assign("cchc.truong", "cchc.linh")
    desk.relay()
    s, now, u = desk.session, desk.now, desk.users
    first = request_extension(
        session=s, now=now, actor=u["cchc.linh"], item_id=item.id or 0,
        requested_due_on=date(2026, 4, 10), reason="Chờ số liệu",
    )  # fmt: skip
    assert desk.relay() == [("extension_requested", "cchc.truong")]
    decide_extension(session=s, now=now, actor=u["cchc.truong"], request_id=first.id or 0,
                     approve=False, note="Không có căn cứ")  # fmt: skip
    second = request_extension(
        session=s, now=now, actor=u["cchc.linh"], item_id=item.id or 0,
        requested_due_on=date(2026, 4, 3), reason="Chờ số liệu",
    )  # fmt: skip
    decide_extension(session=s, now=now, actor=u["pgd.dong"], request_id=second.id or 0,
                     approve=True)  # fmt: skip
    assert desk.relay() == [
        ("extension_decided", "cchc.linh"),
        ("extension_decided", "cchc.linh"),
        ("extension_requested", "cchc.truong"),
    ]
    decided = s.exec(
        select(Notification.context)
        .where(Notification.kind == "extension_decided")
        .order_by(col(Notification.id))
    ).all()
    assert [c["approved"] for c in decided] == [False, True]
    assert decided[0]["note"] == "Không có căn cứ"
    # The head asking for their own item is decided by the deputy in charge.
    own = desk.assign("pgd.dong", "cchc.truong")
    request_extension(
        session=s, now=now, actor=u["cchc.truong"], item_id=own.id or 0,
        requested_due_on=date(2026, 4, 10), reason="Hội nghị",
    )  # fmt: skip
    assert desk.relay() == [("assigned", "cchc.truong"), ("extension_requested", "pgd.dong")]


def test_the_actor_is_never_mailed_and_a_head_submitting_goes_to_the_assigner(desk: Desk) -> None:
    desk.assign("cchc.truong", "cchc.truong")
    assert desk.relay() == []
    item = desk.assign("pgd.dong", "cchc.truong")
    desk.act("cchc.truong", item, "accept")
    desk.act("cchc.truong", item, "start")
    desk.act("cchc.truong", item, "submit")
    assert desk.relay() == [
        ("assigned", "cchc.truong"),
        ("awaiting_review", "pgd.dong"),
        ("item_update", "pgd.dong"),
    ]


def test_exactly_once_a_second_run_and_a_replay_enqueue_nothing(desk: Desk) -> None:
    item = desk.assign("cchc.truong", "cchc.linh")
    desk.act("cchc.linh", item, "accept")
    assert len(desk.relay()) == 2
    again = relay_events(session=desk.session, now=desk.now, batch_size=50)
    assert (again.claimed, again.enqueued) == (0, 0)
    # Even if the stamps were lost (a crash before commit), the dedup keys hold.
    for event in desk.session.exec(select(WorkItemEvent)):
        event.notified_at = None
        desk.session.add(event)
    desk.session.flush()
    assert desk.relay() == []


def test_unmapped_stale_and_failing_events(desk: Desk, caplog: pytest.LogCaptureFixture) -> None:
    item = desk.assign("cchc.truong", "cchc.linh")
    s, now = desk.session, desk.now

    def event(action: str, at: datetime = now, **changes: Any) -> WorkItemEvent:
        row = WorkItemEvent(work_item_id=item.id or 0, action=action, at=at, changes=changes)
        s.add(row)
        return row

    escalate = event("escalate")  # the sweep queued its own mail
    old = event("chase", at=now - timedelta(days=3))
    bad = event("extension_approved")  # names no request: cannot be mailed
    desk.act("gd.minh", item, "chase", "Báo cáo ngay")
    s.flush()
    result = relay_events(session=s, now=now, batch_size=2)
    assert (result.claimed, result.stale, result.failed_ids) == (5, 1, [bad.id])
    assert "event_failed" in caplog.text
    sent = s.exec(select(Notification.kind).order_by(col(Notification.id))).all()
    assert sent == ["assigned", "chase"]
    assert escalate.notified_at == now and old.notified_at == now and bad.notified_at is None
    # The bad event is retried next run until it is too old to mail, then stamped.
    later = relay_events(session=s, now=now + timedelta(days=3), batch_size=2)
    assert (later.claimed, later.stale, bad.notified_at) == (1, 1, now + timedelta(days=3))
