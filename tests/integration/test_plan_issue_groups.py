"""Issuing a task led by a unit group (workflow.services.plan_issue, decision 0015): one
work item per member unit, keyed by (task, unit), and the amendments: a unit added to or
removed from the group, a moved deadline, a withdrawn task, done work left alone."""

from __future__ import annotations

import io
from datetime import date, datetime

import docx
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from tests.plan_docs import TABLE_ROWS, table_markdown
from workflow.calendar import load_calendar, local_date
from workflow.importer import parse_document, upsert_plan
from workflow.models import IssuedTask, Plan, PlanTask, Unit, User, WorkItem, WorkItemEvent
from workflow.reporting.build import compute_snapshot
from workflow.reporting.charts import render_all
from workflow.reporting.docx_report import render_docx
from workflow.reporting.mail import render_mail
from workflow.reporting.periods import quarter
from workflow.services.plan_issue import (
    IssueAction,
    IssueRow,
    Reason,
    RowOverride,
    issue_plan,
    preview_issue,
)
from workflow.services.plan_units import set_task_units
from workflow.services.work_items import ItemSpec, create_item
from workflow.settings import get_settings

TZ = "Asia/Ho_Chi_Minh"
HEADER = TABLE_ROWS[0]
AREA = ["1. Cải cách thể chế"] * 6
GROUP_TASK = "Tự kiểm tra công vụ tại đơn vị"
SUPPORTED_TASK = "Thanh tra công vụ định kỳ"
DIVISIONS = ["TCBC", "XDCQ", "CCVC", "CCHC"]


def rows(lead: str = "Các phòng chuyên môn", due: str = "30/06/2026") -> list[list[str]]:
    return [
        ["1", GROUP_TASK, lead, "VP Sở", due, "Báo cáo tự kiểm tra"],
        ["2", SUPPORTED_TASK, "Thanh tra", "Các phòng chuyên môn", "30/09/2026", "Kết luận"],
    ]


def load(session: Session, task_rows: list[list[str]], now: datetime) -> Plan:
    text = table_markdown([HEADER, AREA, *task_rows]).replace("2024", "2026")
    tree = parse_document(text.encode(), source="plan.md")
    result = upsert_plan(session=session, tree=tree, now=now, source="plan.md")
    return session.exec(select(Plan).where(Plan.key == result.plan_key)).one()


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def unit_ids(session: Session) -> dict[str, int]:
    return {u.code: u.id or 0 for u in session.exec(select(Unit))}


def group_rows(result_rows: list[IssueRow], session: Session) -> dict[str, IssueRow]:
    """The group task's rows by their unit's code."""
    code = {v: k for k, v in unit_ids(session).items()}
    return {code[r.lead_unit_id or 0]: r for r in result_rows if r.title == GROUP_TASK}


def items_by_unit(session: Session) -> dict[str, WorkItem]:
    code = {v: k for k, v in unit_ids(session).items()}
    task = session.exec(select(PlanTask).where(PlanTask.text == GROUP_TASK)).one()
    found = session.exec(
        select(WorkItem).where(WorkItem.plan_task_id == task.id).order_by(col(WorkItem.id))
    ).all()
    return {code[i.lead_unit_id]: i for i in found}


def test_a_group_led_task_is_one_row_and_one_item_per_member_unit(
    org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    preview = preview_issue(session=org, plan_id=plan.id or 0, now=now)
    shares = group_rows(preview.rows, org)
    assert list(shares) == DIVISIONS  # the organisation's order
    heads = {c: user(org, f"{c.lower()}.truong").full_name for c in DIVISIONS}
    for code, row in shares.items():
        assert (row.action, row.assignee, row.lead_group) == (
            IssueAction.CREATE,
            heads[code],
            "Các phòng chuyên môn",
        )
        assert row.supporting_units == ("Văn phòng",) and row.due_on == date(2026, 6, 30)
        assert row.split and row.key == f"{row.task_id}-{row.lead_unit_id}"
    supported = next(r for r in preview.rows if r.title == SUPPORTED_TASK)
    assert not supported.split and supported.key == str(supported.task_id)
    assert supported.supporting_units == (
        "Phòng Tổ chức biên chế",
        "Phòng Xây dựng chính quyền",
        "Phòng Công chức viên chức",
        "Phòng Cải cách hành chính",
    )
    # Rows count items, tasks count once.
    assert preview.counts()["create"] == 5 and preview.task_counts()["create"] == 2
    assert org.exec(select(WorkItem)).all() == []

    coordinator = user(org, "vp.cchc")
    result = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert len(result.created_item_ids) == 5
    items = items_by_unit(org)
    ids = unit_ids(org)
    assert list(items) == DIVISIONS
    for code, item in items.items():
        assert item.assignee_id == user(org, f"{code.lower()}.truong").id
        assert item.title == GROUP_TASK and item.evidence_required == "Báo cáo tự kiểm tra"
        assert local_date(item.due_at, tz=TZ) == date(2026, 6, 30)
    links = org.exec(select(IssuedTask).order_by(col(IssuedTask.id))).all()
    group_links = [lk for lk in links if lk.plan_task_id == shares["TCBC"].task_id]
    assert [lk.unit_id for lk in group_links] == [ids[c] for c in DIVISIONS]
    assert {lk.work_item_id for lk in group_links} == {i.id for i in items.values()}
    # Each head is mailed their own share.
    relay_events(session=org, now=now, batch_size=100)
    mailed = {
        n.recipient_user_id
        for n in org.exec(select(Notification).where(Notification.kind == "assigned")).all()
    }
    assert {user(org, f"{c.lower()}.truong").id for c in DIVISIONS} <= mailed

    again = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert again.created_item_ids == [] and again.counts()["create"] == 0
    assert {r.reason for r in group_rows(again.rows, org).values()} == {Reason.ISSUED}
    assert len(org.exec(select(WorkItem)).all()) == 5


def test_a_units_row_takes_its_own_edits(org: Session, now: datetime) -> None:
    plan = load(org, rows(), now)
    shares = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    task_id = shares["CCHC"].task_id
    ids = unit_ids(org)
    overrides = {
        (task_id, ids["XDCQ"]): RowOverride(skip=True),
        (task_id, ids["CCHC"]): RowOverride(
            assignee_id=user(org, "cchc.linh").id, due_on=date(2026, 7, 31)
        ),
    }
    result = issue_plan(
        session=org, plan_id=plan.id or 0, actor=user(org, "vp.cchc"), now=now, overrides=overrides
    )
    assert len(result.created_item_ids) == 4  # three shares + the supported task
    items = items_by_unit(org)
    assert "XDCQ" not in items
    assert items["CCHC"].assignee_id == user(org, "cchc.linh").id
    assert local_date(items["CCHC"].due_at, tz=TZ) == date(2026, 7, 31)
    assert local_date(items["TCBC"].due_at, tz=TZ) == date(2026, 6, 30)
    # The skipped share is issued next time.
    later = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    assert later["XDCQ"].action == IssueAction.CREATE
    assert later["CCHC"].reason == Reason.ISSUED


def test_amendments_add_move_propose_cancelling_and_leave_done_work_per_unit(
    org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    coordinator = user(org, "vp.cchc")
    issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    items = items_by_unit(org)
    done = items["CCVC"]
    done.state, done.closed_at = "done", now
    org.add(done)
    org.flush()
    relay_events(session=org, now=now, batch_size=100)

    # The organisation gains a division with a head; the amended plan moves the deadline.
    legal = Unit(code="PC", name="Phòng Pháp chế", kind="division")
    org.add(legal)
    org.flush()
    org.add(
        User(
            username="pc.truong",
            full_name="Lê Văn Pháp",
            email="pc.truong@sonoivu.example.vn",
            unit_id=legal.id,
            role="unit_head",
        )
    )
    org.flush()
    load(org, rows(due="30/09/2026"), now)
    preview = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    assert list(preview) == [*DIVISIONS, "PC"]
    for code in ("TCBC", "XDCQ", "CCHC"):
        assert preview[code].action == IssueAction.MOVE_DUE
        assert preview[code].current_due_on == date(2026, 6, 30)
    assert (preview["CCVC"].action, preview["CCVC"].reason) == (
        IssueAction.UNCHANGED,
        Reason.CLOSED,
    )
    assert (preview["PC"].action, preview["PC"].assignee) == (IssueAction.CREATE, "Lê Văn Pháp")

    result = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    assert len(result.created_item_ids) == 1 and len(result.moved_item_ids) == 3
    items = items_by_unit(org)
    for code in ("TCBC", "XDCQ", "CCHC", "PC"):
        assert local_date(items[code].due_at, tz=TZ) == date(2026, 9, 30)
    assert local_date(items["CCVC"].due_at, tz=TZ) == date(2026, 6, 30)
    assert items["CCVC"].state == "done"
    moved = org.exec(select(WorkItemEvent).where(WorkItemEvent.action == "plan_due_moved")).all()
    assert {e.work_item_id for e in moved} == {items[c].id for c in ("TCBC", "XDCQ", "CCHC")}
    relay_events(session=org, now=now, batch_size=100)
    mailed = org.exec(
        select(Notification).where(
            Notification.kind == "item_update", Notification.work_item_id == items["TCBC"].id
        )
    ).one()
    assert mailed.recipient_user_id == user(org, "tcbc.truong").id

    # The plan now has the inspection team lead it (VP, TTRA, CCHC, CCVC): TCBC, XDCQ and
    # PC leave the group (their open items proposed cancelled), VP and TTRA join.
    load(org, rows(lead="Tổ kiểm tra CCHC", due="30/09/2026"), now)
    preview = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    for code in ("TCBC", "XDCQ", "PC"):
        assert (preview[code].action, preview[code].reason, preview[code].former) == (
            IssueAction.PROPOSE_CANCEL,
            Reason.NOT_LEAD,
            True,
        )
    assert preview["VP"].action == preview["TTRA"].action == IssueAction.CREATE
    assert preview["CCHC"].reason == Reason.ISSUED and preview["CCVC"].reason == Reason.CLOSED
    # Confirming one unit's cancellation cancels that unit's item only.
    ids = unit_ids(org)
    task_id = preview["TCBC"].task_id
    result = issue_plan(
        session=org,
        plan_id=plan.id or 0,
        actor=coordinator,
        now=now,
        overrides={(task_id, ids["TCBC"]): RowOverride(cancel=True)},
    )
    assert result.cancelled_item_ids == [items["TCBC"].id]
    assert len(result.created_item_ids) == 2
    states = {c: i.state for c, i in items_by_unit(org).items()}
    assert states["TCBC"] == "cancelled" and states["XDCQ"] == states["PC"] == "assigned"
    assert states["CCVC"] == "done"
    reason = org.exec(
        select(WorkItemEvent).where(
            WorkItemEvent.work_item_id == items["TCBC"].id, WorkItemEvent.action == "cancel"
        )
    ).one()
    assert reason.comment and "không còn chủ trì" in reason.comment
    last = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    assert (last["TCBC"].action, last["TCBC"].reason) == (IssueAction.UNCHANGED, Reason.CLOSED)
    assert last["XDCQ"].action == IssueAction.PROPOSE_CANCEL
    assert last["VP"].reason == last["TTRA"].reason == Reason.ISSUED


def test_a_withdrawn_group_task_proposes_cancelling_each_open_share(
    org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    coordinator = user(org, "vp.cchc")
    issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    items = items_by_unit(org)
    items["TCBC"].state, items["TCBC"].closed_at = "done", now
    org.add(items["TCBC"])
    org.flush()
    load(org, rows()[1:], now)  # the group task is withdrawn
    preview = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    assert preview["TCBC"].reason == Reason.CLOSED
    for code in ("XDCQ", "CCVC", "CCHC"):
        assert (preview[code].action, preview[code].reason) == (
            IssueAction.PROPOSE_CANCEL,
            Reason.TASK_WITHDRAWN,
        )
    task_id = preview["CCHC"].task_id
    result = issue_plan(
        session=org,
        plan_id=plan.id or 0,
        actor=coordinator,
        now=now,
        overrides={task_id: RowOverride(cancel=True)},  # the whole task's rows
    )
    assert sorted(result.cancelled_item_ids) == sorted(
        items[c].id or 0 for c in ("XDCQ", "CCVC", "CCHC")
    )
    assert items_by_unit(org)["TCBC"].state == "done"


def test_hand_assigned_share_is_adopted_and_a_single_lead_after_a_group_keeps_its_share(
    org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    task = org.exec(select(PlanTask).where(PlanTask.text == GROUP_TASK)).one()
    officer = user(org, "ccvc.thu")
    create_item(
        session=org,
        now=now,
        spec=ItemSpec(
            title="Tự kiểm tra (giao tay)",
            lead_unit_id=officer.unit_id or 0,
            assignee_id=officer.id or 0,
            start_on=date(2026, 3, 2),
            due_on=date(2026, 5, 29),
            plan_task_id=task.id,
        ),
        assigner=user(org, "ccvc.truong"),
    )
    coordinator = user(org, "vp.cchc")
    result = issue_plan(session=org, plan_id=plan.id or 0, actor=coordinator, now=now)
    shares = group_rows(result.rows, org)
    assert (shares["CCVC"].action, shares["CCVC"].reason, shares["CCVC"].assignee) == (
        IssueAction.UNCHANGED,
        Reason.ASSIGNED,
        officer.full_name,
    )
    assert len(result.created_item_ids) == 4  # the three other divisions and task 2
    ids = unit_ids(org)
    assert org.exec(
        select(IssuedTask).where(
            IssuedTask.plan_task_id == task.id, IssuedTask.unit_id == ids["CCVC"]
        )
    ).one()
    # The coordinator distributes the task to CCHC alone ("Phân công"): CCHC keeps its
    # item, the other units' issued items are proposed cancelled, nothing is created.
    set_task_units(session=org, actor=None, task_id=task.id or 0, lead=ids["CCHC"])
    after = group_rows(preview_issue(session=org, plan_id=plan.id or 0, now=now).rows, org)
    assert after["CCHC"].reason == Reason.ISSUED and not after["CCHC"].former
    for code in ("TCBC", "XDCQ", "CCVC"):
        assert (after[code].action, after[code].reason) == (
            IssueAction.PROPOSE_CANCEL,
            Reason.NOT_LEAD,
        )
    assert all(r.action != IssueAction.CREATE for r in after.values())


def test_the_report_counts_each_units_share_and_says_how_many_plan_tasks_they_are(
    org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    issue_plan(session=org, plan_id=plan.id or 0, actor=user(org, "vp.cchc"), now=now)
    items = items_by_unit(org)
    items["TCBC"].state, items["TCBC"].closed_at = "done", now
    org.add(items["TCBC"])
    org.flush()
    snap = compute_snapshot(
        session=org,
        now=datetime(2026, 4, 1, 2, 0, tzinfo=now.tzinfo),
        period=quarter(2026, 1),
        calendar=load_calendar(session=org),
        settings=get_settings(),
    )
    # Five items: the group task's four shares (one per division) and the supported task.
    assert snap.totals.total == 5 and snap.totals.done == 1
    assert (snap.shared_items, snap.shared_tasks) == (4, 1)
    by_unit = {r.code: r.counts.total for r in snap.by_unit}
    assert by_unit == {"TTRA": 1, "TCBC": 1, "XDCQ": 1, "CCVC": 1, "CCHC": 1}
    assert [r.counts.total for r in snap.by_area] == [5]
    note = "4 nhiệm vụ là phần việc của từng đơn vị thuộc 1 nhiệm vụ kế hoạch giao chung"
    mail = render_mail(snap, charts={})
    assert note in mail.text and note in mail.html
    assert (
        "4 tasks are each unit's share of 1 plan task"
        in render_mail(snap, charts={}, lang="en").text
    )
    document = docx.Document(io.BytesIO(render_docx(snap, charts=render_all(snap))))
    assert any(note in p.text for p in document.paragraphs)
    # A deputy's mail (units only) leaves the agency-wide note out.
    assert note not in render_mail(snap, charts={}, unit_codes={"TCBC"}).text
