"""Issuing a plan as work (workflow.services.plan_issue): the preview's rows, idempotence,
and what issuing again does after an amended plan is re-imported."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from tests.plan_docs import TABLE_ROWS, table_markdown
from workflow.calendar import local_date
from workflow.errors import InvalidInput, NotAllowed
from workflow.importer import parse_document, upsert_plan
from workflow.models import (
    IssuedTask,
    Plan,
    PlanTask,
    RecurringSeries,
    User,
    WorkItem,
    WorkItemEvent,
)
from workflow.services.plan_issue import (
    IssueAction,
    Reason,
    RowOverride,
    issue_plan,
    preview_issue,
)

HEADER = TABLE_ROWS[0]
AREA = ["1. Cải cách thể chế"] * 6
ROWS = [
    ["1", "Rà soát văn bản quy phạm pháp luật", "Thanh tra", "Văn phòng", "30/06/2026", "Báo cáo"],
    # 15/08/2026 is a Saturday: due the Monday after, shown as such.
    ["2", "Tổ chức thi hành pháp luật", "Phòng CCHC", "", "15/08/2026", "Kế hoạch"],
    ["3", "Kiểm tra việc thi hành pháp luật", "CCHC", "", "", ""],
    ["4", "Tuyên truyền pháp luật", "Văn phòng", "", "Chưa xác định", ""],
    ["5", "Việc chưa phân công", "", "", "30/06/2026", ""],
]


def plan_text(rows: list[list[str]]) -> str:
    return table_markdown([HEADER, AREA, *rows]).replace("2024", "2026")


def load(session: Session, rows: list[list[str]], now: datetime) -> Plan:
    tree = parse_document(plan_text(rows).encode(), source="plan.md")
    result = upsert_plan(session=session, tree=tree, now=now, source="plan.md")
    return session.exec(select(Plan).where(Plan.key == result.plan_key)).one()


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def by_title(rows: list) -> dict:  # type: ignore[type-arg]
    return {r.title: r for r in rows}


def test_the_preview_names_head_units_due_and_why_a_row_is_skipped(
    org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    preview = preview_issue(session=org, plan_id=plan.id or 0, now=now)
    rows = by_title(preview.rows)
    assert preview.plan_year == 2026
    first = rows["Rà soát văn bản quy phạm pháp luật"]
    assert (first.action, first.lead_unit, first.assignee) == (
        IssueAction.CREATE,
        "Thanh tra",
        "Bùi Văn Chánh",
    )
    assert first.supporting_units == ("Văn phòng",) and first.deliverable == "Báo cáo"
    assert first.due_on == date(2026, 6, 30) and not first.day_off
    saturday = rows["Tổ chức thi hành pháp luật"]
    assert saturday.due_on == date(2026, 8, 15) and saturday.day_off
    assert saturday.due_working_on == date(2026, 8, 17)
    year_end = rows["Kiểm tra việc thi hành pháp luật"]
    assert (year_end.action, year_end.due_kind, year_end.due_on) == (
        IssueAction.CREATE,
        "year_end",
        date(2026, 12, 31),
    )
    unread = rows["Tuyên truyền pháp luật"]
    assert (unread.action, unread.reason) == (IssueAction.SKIPPED, Reason.NEEDS_DUE)
    assert unread.warning
    nobody = rows["Việc chưa phân công"]
    assert (nobody.action, nobody.reason) == (IssueAction.SKIPPED, Reason.NO_LEAD_UNIT)
    assert preview.counts()["create"] == 3
    # A preview writes nothing.
    assert org.exec(select(WorkItem)).all() == []


def test_issuing_creates_items_for_heads_and_a_second_run_creates_none(
    org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    coordinator = user(org, "vp.cchc")
    unread_id = by_title(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows)[
        "Tuyên truyền pháp luật"
    ].task_id
    an = user(org, "vp.an")
    overrides = {unread_id: RowOverride(due_on=date(2026, 9, 30), assignee_id=an.id)}
    result = issue_plan(
        session=org, plan_id=plan.id or 0, actor=coordinator, now=now, overrides=overrides
    )
    assert len(result.created_item_ids) == 4
    items = {i.title: i for i in org.exec(select(WorkItem)).all()}
    first = items["Rà soát văn bản quy phạm pháp luật"]
    assert first.assignee_id == user(org, "tt.chanh").id
    assert first.assigner_id == coordinator.id and first.evidence_required == "Báo cáo"
    assert local_date(items["Tổ chức thi hành pháp luật"].due_at, tz="Asia/Ho_Chi_Minh") == date(
        2026, 8, 17
    )
    assert items["Tuyên truyền pháp luật"].assignee_id == an.id
    assert len(org.exec(select(IssuedTask)).all()) == 4
    # The heads (and the officer chosen for one row) are mailed through the outbox.
    relay_events(session=org, now=now, batch_size=100)
    mailed = {
        n.recipient_user_id
        for n in org.exec(select(Notification).where(Notification.kind == "assigned")).all()
    }
    assert {user(org, "tt.chanh").id, user(org, "cchc.truong").id, an.id} <= mailed
    again = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert again.created_item_ids == [] and again.counts()["create"] == 0
    assert len(org.exec(select(WorkItem)).all()) == 4


def test_dry_run_writes_nothing_and_officers_may_not_issue(org: Session, now: datetime) -> None:
    plan = load(org, ROWS, now)
    dry = issue_plan(
        session=org, plan_id=plan.id or 0, actor=user(org, "gd.minh"), now=now, dry_run=True
    )
    assert dry.counts()["create"] == 3 and dry.created_item_ids == []
    assert org.exec(select(WorkItem)).all() == []
    with pytest.raises(NotAllowed):
        issue_plan(session=org, plan_id=plan.id or 0, actor=user(org, "cchc.truong"), now=now)
    task_id = dry.rows[0].task_id
    with pytest.raises(InvalidInput) as bad:
        issue_plan(
            session=org,
            plan_id=plan.id or 0,
            actor=user(org, "vp.cchc"),
            now=now,
            overrides={task_id: RowOverride(assignee_id=user(org, "cchc.linh").id)},
        )
    assert bad.value.code == "issue_bad_assignee"
    assert org.exec(select(WorkItem)).all() == []


def test_an_amended_plan_creates_moves_proposes_cancelling_and_leaves_done_work(
    org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    coordinator = user(org, "vp.cchc")
    issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    items = {i.title: i for i in org.exec(select(WorkItem)).all()}
    done = items["Kiểm tra việc thi hành pháp luật"]
    done.state, done.closed_at = "done", now
    org.add(done)
    org.flush()
    relay_events(session=org, now=now, batch_size=100)  # the assignment mails, out of the way

    amended = [list(r) for r in ROWS]
    amended[0][4] = "30/09/2026"  # a later deadline
    amended[2][4] = "30/06/2026"  # the done item's deadline changes too: left alone
    del amended[1]  # withdrawn
    amended.append(["6", "Nhiệm vụ mới bổ sung", "Phòng Tổ chức biên chế", "", "31/10/2026", ""])
    load(org, amended, now)

    preview = by_title(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows)
    assert preview["Nhiệm vụ mới bổ sung"].action == IssueAction.CREATE
    moved = preview["Rà soát văn bản quy phạm pháp luật"]
    assert (moved.action, moved.current_due_on, moved.due_on) == (
        IssueAction.MOVE_DUE,
        date(2026, 6, 30),
        date(2026, 9, 30),
    )
    withdrawn = preview["Tổ chức thi hành pháp luật"]
    assert (withdrawn.action, withdrawn.reason) == (
        IssueAction.PROPOSE_CANCEL,
        Reason.TASK_WITHDRAWN,
    )
    assert preview["Kiểm tra việc thi hành pháp luật"].reason == Reason.CLOSED

    result = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert len(result.created_item_ids) == 1 and len(result.moved_item_ids) == 1
    assert result.cancelled_item_ids == [] and result.counts()["propose_cancel"] == 1
    first = items["Rà soát văn bản quy phạm pháp luật"]
    org.refresh(first)
    assert local_date(first.due_at, tz="Asia/Ho_Chi_Minh") == date(2026, 9, 30)
    event = org.exec(
        select(WorkItemEvent).where(
            WorkItemEvent.work_item_id == first.id, WorkItemEvent.action == "plan_due_moved"
        )
    ).one()
    assert event.changes["due_text"] == {"from": "30/06/2026", "to": "30/09/2026"}
    assert event.actor_id == coordinator.id
    relay_events(session=org, now=now, batch_size=100)
    mail = org.exec(
        select(Notification).where(
            Notification.kind == "item_update", Notification.work_item_id == first.id
        )
    ).one()
    assert mail.recipient_user_id == user(org, "tt.chanh").id
    assert mail.context["change"] == "due_moved"
    org.refresh(done)
    assert done.state == "done" and local_date(done.due_at, tz="Asia/Ho_Chi_Minh") == date(
        2026, 12, 31
    )
    withdrawn_item = items["Tổ chức thi hành pháp luật"]
    org.refresh(withdrawn_item)
    assert withdrawn_item.state == "assigned"

    # Confirmed: the withdrawn task's open item is cancelled with the reason; nothing else.
    confirm = {withdrawn.task_id: RowOverride(cancel=True)}
    last = issue_plan(
        session=org, plan_id=plan.id or 0, actor=coordinator, now=now, overrides=confirm
    )
    assert last.cancelled_item_ids == [withdrawn_item.id]
    assert last.created_item_ids == [] and last.moved_item_ids == []
    org.refresh(withdrawn_item)
    assert withdrawn_item.state == "cancelled"
    cancel = org.exec(
        select(WorkItemEvent).where(
            WorkItemEvent.work_item_id == withdrawn_item.id, WorkItemEvent.action == "cancel"
        )
    ).one()
    assert cancel.comment and "rút khỏi kế hoạch" in cancel.comment
    final = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert final.counts()["create"] == final.counts()["move_due"] == 0
    assert final.counts()["propose_cancel"] == 0


def test_hand_assigned_work_is_adopted_not_duplicated(org: Session, now: datetime) -> None:
    plan = load(org, ROWS, now)
    task = org.exec(
        select(PlanTask).where(PlanTask.text == "Rà soát văn bản quy phạm pháp luật")
    ).one()
    from workflow.services.work_items import ItemSpec, create_item

    head = user(org, "tt.chanh")
    officer = user(org, "tt.binh")
    create_item(
        session=org,
        now=now,
        spec=ItemSpec(
            title="Rà soát (giao tay)",
            lead_unit_id=head.unit_id or 0,
            assignee_id=officer.id or 0,
            start_on=date(2026, 3, 2),
            due_on=date(2026, 5, 29),
            plan_task_id=task.id,
        ),
        assigner=head,
    )
    coordinator = user(org, "vp.cchc")
    result = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    row = next(r for r in result.rows if r.task_id == task.id)
    assert (row.action, row.reason, row.assignee) == (
        IssueAction.UNCHANGED,
        Reason.ASSIGNED,
        officer.full_name,
    )
    assert len(org.exec(select(WorkItem).where(WorkItem.plan_task_id == task.id)).all()) == 1
    link = org.exec(select(IssuedTask).where(IssuedTask.plan_task_id == task.id)).one()
    assert link.due_text == "30/06/2026"
    again = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert next(r for r in again.rows if r.task_id == task.id).reason == Reason.ISSUED


def test_recurring_and_ongoing_phrases_become_series_with_a_first_occurrence(
    org: Session, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deadline reader's recurring and ongoing answers (its contract) become series."""
    import workflow.services.plan_issue as plan_issue
    from workflow.due_phrases import DueReading

    def reader(text: str | None, *, plan_year: int, duty: object = None) -> DueReading:
        if text == "Hằng quý":
            rule = "FREQ=MONTHLY;BYMONTH=3,6,9,12;BYMONTHDAY=20"
            return DueReading(text=text, kind="recurring", recurrence=rule)
        if text == "Thường xuyên":
            return DueReading(text=text, kind="ongoing")
        return DueReading(text=text or "", kind="unread", warning="?")

    monkeypatch.setattr(plan_issue, "read_due_phrase", reader)
    rows = [
        ["1", "Báo cáo công tác cải cách hành chính", "CCHC", "", "Hằng quý", "Báo cáo quý"],
        ["2", "Công khai thủ tục hành chính", "Văn phòng", "", "Thường xuyên", ""],
    ]
    plan = load(org, rows, now)
    coordinator = user(org, "vp.cchc")
    result = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    rows_by = by_title(result.rows)
    quarterly = rows_by["Báo cáo công tác cải cách hành chính"]
    assert quarterly.due_on == date(2026, 3, 20) and quarterly.recurrence
    ongoing = rows_by["Công khai thủ tục hành chính"]
    assert ongoing.due_on == date(2026, 3, 31) and ongoing.due_kind == "ongoing"
    assert len(result.created_series_ids) == 2 and len(result.created_item_ids) == 2
    series = org.exec(select(RecurringSeries).order_by(col(RecurringSeries.id))).all()
    assert series[1].title.startswith("Báo cáo tiến độ: ")
    assert series[0].until == date(2026, 12, 31)
    firsts = org.exec(select(WorkItem).order_by(col(WorkItem.id))).all()
    assert [i.occurrence_on for i in firsts] == [date(2026, 3, 20), date(2026, 3, 31)]
    again = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert again.created_item_ids == [] and again.created_series_ids == []
