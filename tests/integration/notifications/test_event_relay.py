"""The event relay: each action mails exactly the right people, once, never the actor."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from workflow.models import Unit, User, WorkItem, WorkItemEvent
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

    def assign(
        self, by: str, to: str, *, support: tuple[str, ...] = (), inform: tuple[str, ...] = ()
    ) -> WorkItem:
        """`by` assigns an item to `to`; `support`/`inform` are unit codes."""
        units = {u.code: u.id or 0 for u in self.session.exec(select(Unit))}
        spec = ItemSpec(
            title="Báo cáo CCHC quý I",
            lead_unit_id=self.users[to].unit_id,
            assignee_id=self.users[to].id or 0,
            start_on=date(2026, 3, 2),
            due_working_days=10,
            supporting_unit_ids=tuple(units[c] for c in support),
            inform_unit_ids=tuple(units[c] for c in inform),
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
        ("reassigned", "cchc.linh"),
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


# --- supporting (phối hợp) and informed (để biết) units ---------------------------------


def test_assignment_tells_each_supporting_and_informed_head_once(desk: Desk) -> None:
    item = desk.assign("cchc.truong", "cchc.linh", support=("TCBC", "XDCQ"), inform=("VP",))
    assert desk.relay() == [
        ("assigned", "cchc.linh"),
        ("informed", "vp.truong"),
        ("support_assigned", "tcbc.truong"),
        ("support_assigned", "xdcq.truong"),
    ]
    s, u = desk.session, desk.users
    row = s.exec(
        select(Notification).where(Notification.recipient_user_id == u["tcbc.truong"].id)
    ).one()
    event_id = s.exec(select(WorkItemEvent.id).where(WorkItemEvent.work_item_id == item.id)).one()
    # Waiting for the other mails of its action (decision 0021); alone, it goes as itself.
    assert row.kind == "support_assigned" and row.status == "grouping"
    assert row.dedup_key == f"event:{event_id}:{u['tcbc.truong'].id}"
    assert row.context["unit_name"] == "Phòng Tổ chức biên chế"
    assert row.context["assigner_name"] == "Mai Văn Phúc"
    assert row.context["item"]["unit_name"] == "Phòng Cải cách hành chính"  # the lead unit
    assert row.context["item"]["assignee_name"] == "Đinh Thị Linh"
    informed = s.exec(select(Notification).where(Notification.kind == "informed")).one()
    assert informed.context["unit_name"] == "Văn phòng"
    # A second run, and a replay after lost stamps, queue nothing more.
    again = relay_events(session=s, now=desk.now, batch_size=50)
    assert (again.claimed, again.enqueued) == (0, 0)
    for event in s.exec(select(WorkItemEvent)):
        event.notified_at = None
        s.add(event)
    s.flush()
    assert desk.relay() == []


def test_a_head_who_assigned_the_item_is_not_told_again(desk: Desk) -> None:
    # Jobs create items without permission checks (e.g. a recurring series set up by the
    # head of a supporting unit): the actor hears nothing of their own action.
    from workflow.services.work_items import create_item

    s, u = desk.session, desk.users
    units = {x.code: x.id or 0 for x in s.exec(select(Unit))}
    spec = ItemSpec(
        title="Báo cáo biên chế quý I",
        lead_unit_id=units["CCHC"],
        assignee_id=u["cchc.linh"].id or 0,
        start_on=date(2026, 3, 2),
        due_working_days=10,
        supporting_unit_ids=(units["TCBC"],),
        inform_unit_ids=(units["XDCQ"],),
    )
    create_item(session=s, now=desk.now, spec=spec, assigner=u["tcbc.truong"])
    assert desk.relay() == [("assigned", "cchc.linh"), ("informed", "xdcq.truong")]


def test_closing_tells_the_supporting_heads_not_the_informed(desk: Desk) -> None:
    done = desk.assign("cchc.truong", "cchc.linh", support=("TCBC",), inform=("VP",))
    desk.relay()
    for who, action in (("cchc.linh", "accept"), ("cchc.linh", "start"), ("cchc.linh", "submit")):
        desk.act(who, done, action)
    desk.relay()
    desk.act("pgd.dong", done, "approve")
    assert desk.relay() == [("item_update", "cchc.linh"), ("support_closed", "tcbc.truong")]
    cancelled = desk.assign("cchc.truong", "cchc.linh", support=("TCBC", "XDCQ"))
    desk.relay()
    desk.act("gd.minh", cancelled, "cancel", "Không còn phù hợp")
    assert desk.relay() == [
        ("item_update", "cchc.linh"),
        ("support_closed", "tcbc.truong"),
        ("support_closed", "xdcq.truong"),
    ]
    closed = desk.session.exec(
        select(Notification.context)
        .where(Notification.kind == "support_closed")
        .order_by(col(Notification.id))
    ).all()
    assert [(c["outcome"], c["comment"]) for c in closed] == [
        ("done", None),
        ("cancelled", "Không còn phù hợp"),
        ("cancelled", "Không còn phù hợp"),
    ]
    # A withdrawal (thu hồi) ends the supporting unit's work too.
    other = desk.assign("cchc.truong", "cchc.linh", support=("TCBC",))
    desk.relay()
    desk.act("cchc.linh", other, "accept")
    desk.act("cchc.truong", other, "withdraw", "Giao nhầm")
    assert desk.relay() == [
        ("item_update", "cchc.linh"),
        ("item_update", "cchc.truong"),
        ("support_closed", "tcbc.truong"),
    ]
    withdrawn = desk.session.exec(
        select(Notification.context)
        .where(Notification.kind == "support_closed")
        .order_by(col(Notification.id).desc())
    ).first()
    assert withdrawn is not None and withdrawn["outcome"] == "withdrawn"
    # Other changes of a supported item stay between the people on it.
    third = desk.assign("cchc.truong", "cchc.linh", support=("TCBC",))
    desk.relay()
    desk.act("cchc.linh", third, "accept")
    desk.act("cchc.linh", third, "start")
    desk.act("cchc.truong", third, "pause", "Chờ chủ trương")
    assert desk.relay() == [("item_update", "cchc.linh"), ("item_update", "cchc.truong")]


def test_reassign_tells_the_previous_assignee_who_has_it_now(desk: Desk) -> None:
    item = desk.assign("cchc.truong", "cchc.linh", support=("TCBC",))
    desk.act("cchc.linh", item, "accept")
    desk.relay()
    desk.act("cchc.truong", item, "reassign", "Đồng chí Linh đi công tác",
             assignee_id=desk.users["cchc.nam"].id)  # fmt: skip
    # The supporting head already knows the item; only the two officers hear of the change.
    assert desk.relay() == [("assigned", "cchc.nam"), ("reassigned", "cchc.linh")]
    row = desk.session.exec(select(Notification).where(Notification.kind == "reassigned")).one()
    assert row.context["new_assignee_name"] == "Cao Văn Nam"
    assert row.context["actor_name"] == "Mai Văn Phúc"
    assert row.context["comment"] == "Đồng chí Linh đi công tác"
    assert row.context["item"]["assignee_name"] == "Cao Văn Nam"


def test_a_vacant_head_is_logged_and_the_others_still_hear(
    desk: Desk, caplog: pytest.LogCaptureFixture
) -> None:
    s, u = desk.session, desk.users
    u["tcbc.truong"].is_active = False  # the head left; nobody acts for the unit yet
    s.add(u["tcbc.truong"])
    s.flush()
    item = desk.assign("cchc.truong", "cchc.linh", support=("TCBC", "XDCQ"))
    result = relay_events(session=s, now=desk.now, batch_size=50)
    assert (result.claimed, result.enqueued, result.failed_ids) == (1, 2, [])
    assert "vacant_head" in caplog.text and "role=support" in caplog.text
    sent = s.exec(select(Notification.recipient_user_id).order_by(col(Notification.id))).all()
    assert sent == [u["cchc.linh"].id, u["xdcq.truong"].id]
    desk.seen = len(sent)
    desk.act("cchc.truong", item, "cancel", "Không còn phù hợp")
    assert desk.relay() == [("item_update", "cchc.linh"), ("support_closed", "xdcq.truong")]


def test_supporting_heads_preferences_apply(desk: Desk) -> None:
    from notifications.preferences import set_preferences

    s, u = desk.session, desk.users
    set_preferences(session=s, user_id=u["vp.truong"].id or 0, opted_out_kinds=["informed"])
    set_preferences(session=s, user_id=u["tcbc.truong"].id or 0, mode="digest")
    desk.assign("cchc.truong", "cchc.linh", support=("TCBC",), inform=("VP",))
    desk.relay()
    status = {desk.names[r.recipient_user_id]: r.status for r in s.exec(select(Notification))}
    assert status == {"cchc.linh": "grouping", "vp.truong": "skipped", "tcbc.truong": "held"}


def test_comments_mail_the_people_on_the_item_and_earlier_commenters(desk: Desk) -> None:
    from workflow.services.comments import add_comment

    item = desk.assign("cchc.truong", "cchc.linh", support=("TCBC",))
    desk.relay()
    add_comment(
        session=desk.session, now=desk.now, actor=desk.users["cchc.linh"],
        item_id=item.id or 0, body="Đã có số liệu của 3 phòng.",
    )  # fmt: skip
    # The assigner is the lead unit's head here: one mail each, never to the author.
    assert desk.relay() == [("comment", "cchc.truong")]
    add_comment(
        session=desk.session, now=desk.now, actor=desk.users["gd.minh"],
        item_id=item.id or 0, body="Gửi trước thứ Sáu.",
    )  # fmt: skip
    assert desk.relay() == [("comment", "cchc.linh"), ("comment", "cchc.truong")]
    add_comment(
        session=desk.session, now=desk.now, actor=desk.users["cchc.truong"],
        item_id=item.id or 0, body="Rõ.",
    )  # fmt: skip
    # The Director commented earlier, so he hears of the thread's next comment too.
    assert desk.relay() == [("comment", "cchc.linh"), ("comment", "gd.minh")]
    version = desk.session.get(WorkItem, item.id).version  # type: ignore[union-attr]
    assert version == 1  # comments change nothing an open form holds


def test_progress_reports_mail_the_assigner_and_start_the_work(desk: Desk) -> None:
    from workflow.errors import InvalidInput, InvalidTransition, NotAllowed
    from workflow.services.work_items import report_progress

    item = desk.assign("gd.minh", "cchc.linh")
    desk.relay()
    linh = desk.users["cchc.linh"]
    with pytest.raises(InvalidTransition):  # not accepted yet
        report_progress(
            session=desk.session, now=desk.now, actor=linh, item_id=item.id or 0, percent=10
        )
    desk.act("cchc.linh", item, "accept")
    desk.relay()
    with pytest.raises(NotAllowed):  # only the assignee reports
        report_progress(
            session=desk.session, now=desk.now, actor=desk.users["cchc.truong"],
            item_id=item.id or 0, percent=10,
        )  # fmt: skip
    with pytest.raises(InvalidInput):
        report_progress(
            session=desk.session, now=desk.now, actor=linh, item_id=item.id or 0, percent=101
        )
    report_progress(
        session=desk.session, now=desk.now, actor=linh, item_id=item.id or 0, percent=40,
        note="Đã tổng hợp 4/10 đơn vị",
    )  # fmt: skip
    assert (item.state, item.progress_pct) == ("in_progress", 40)
    # The assigner (the Director) and the lead unit's head follow it.
    assert desk.relay() == [("item_update", "cchc.truong"), ("item_update", "gd.minh")]
    row = desk.session.exec(
        select(Notification)
        .where(Notification.kind == "item_update")
        .order_by(col(Notification.id).desc())
    ).first()
    assert row is not None and row.context["progress"] == 40
    assert row.context["comment"] == "Đã tổng hợp 4/10 đơn vị"
