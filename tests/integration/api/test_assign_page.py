"""The "Giao việc" form: a plan task becomes a work item (or a series) from the plan page."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from notifications.events import relay_events
from notifications.models import Notification
from tests.integration.api.conftest import signed_in, unit_coded, user_named
from workflow.calendar import deadline_at
from workflow.models import (
    Area,
    Plan,
    PlanTask,
    RecurringSeries,
    WorkItem,
    WorkItemEvent,
    WorkItemUnit,
)
from workflow.services.recurrence import materialize_recurrences


@dataclass
class Tasks:
    plan: int
    cchc: int  # a leaf led by CCHC, TCBC supports, with a product
    tcbc: int  # a leaf led by TCBC
    heading: int  # led by CCHC, has an active sub-task
    sub: int  # the heading's sub-task, led by CCHC
    unled: int  # a leaf without a lead unit
    withdrawn: int  # led by CCHC, withdrawn from the plan


@pytest.fixture
def tasks(org: Session, now: datetime) -> Tasks:
    plan = Plan(key="giao-viec", title="Kế hoạch giao việc thử", imported_at=now)
    org.add(plan)
    org.flush()
    area = Area(plan_id=plan.id or 0, number=1, title="Cải cách thủ tục hành chính")
    org.add(area)
    org.flush()
    cchc, tcbc = unit_coded(org, "CCHC").id, unit_coded(org, "TCBC").id
    made: list[PlanTask] = []

    def task(key: str, text: str, lead: int | None, **kw: object) -> PlanTask:
        row = PlanTask(
            plan_id=plan.id or 0,
            area_id=area.id or 0,
            key=key,
            position=len(made) + 1,
            text=text,
            lead_unit_id=lead,
            **kw,  # type: ignore[arg-type]
        )
        org.add(row)
        org.flush()
        made.append(row)
        return row

    leaf = task(
        "ra-soat",
        "Rà soát thủ tục hành chính",
        cchc,
        supporting_unit_codes=["TCBC", "CCHC", "KHONG-CO"],
        product="Báo cáo kết quả rà soát",
    )
    other = task("bien-che", "Thẩm định đề án vị trí việc làm", tcbc)
    heading = task("so-hoa", "Số hóa hồ sơ", cchc)
    sub = task("so-hoa-1", "Số hóa hồ sơ năm 2026", cchc, parent_id=heading.id)
    unled = task("tuyen-truyen", "Tuyên truyền cải cách hành chính", None)
    gone = task("cu", "Nhiệm vụ đã rút", cchc, status="withdrawn")
    return Tasks(
        plan=plan.id or 0,
        cchc=leaf.id or 0,
        tcbc=other.id or 0,
        heading=heading.id or 0,
        sub=sub.id or 0,
        unled=unled.id or 0,
        withdrawn=gone.id or 0,
    )


def assign_links(client: TestClient, plan_id: int) -> set[int]:
    page = client.get(f"/ui/plans/{plan_id}")
    assert page.status_code == 200
    return {
        int(i)
        for i in re.findall(r'class="assign-link" href="[^"]+" data-task-id="(\d+)"', page.text)
    }


def items(org: Session) -> list[WorkItem]:
    return list(org.exec(select(WorkItem).order_by(col(WorkItem.id))).all())


def form_data(org: Session, csrf: str, **changes: object) -> dict[str, object]:
    """A valid form for the CCHC task, as cchc.truong sends it to cchc.linh."""
    data: dict[str, object] = {
        "csrf_token": csrf,
        "title": "Rà soát thủ tục hành chính quý I",
        "lead_unit_id": str(unit_coded(org, "CCHC").id),
        "assignee_id": str(user_named(org, "cchc.linh").id),
        "supporting_unit_ids": [str(unit_coded(org, "TCBC").id)],
        "informed_unit_ids": [str(unit_coded(org, "VP").id)],
        "start_on": "2026-03-02",
        "due_on": "2026-03-31",
        "due_working_days": "",
        "priority": "high",
        "description": "Rà soát 45 thủ tục",
        "evidence_required": "Báo cáo kết quả rà soát",
    }
    data.update(changes)
    return data


def errors_of(text: str) -> list[str]:
    block = re.search(r'id="assign-errors"[^>]*>(.*?)</div>', text, re.S)
    assert block, text[:800]
    return re.findall(r"<li>([^<]+)</li>", block.group(1))


def test_the_link_shows_to_who_may_assign_the_task(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    signed_in(client, org, "cchc.truong")
    # CCHC's leaves only: not TCBC's task, the heading, the task without a lead or withdrawn.
    assert assign_links(client, tasks.plan) == {tasks.cchc, tasks.sub}
    client.cookies.clear()
    signed_in(client, org, "cchc.linh")
    assert assign_links(client, tasks.plan) == set()
    client.cookies.clear()
    signed_in(client, org, "pgd.dong")  # oversees CCHC, not TCBC
    assert assign_links(client, tasks.plan) == {tasks.cchc, tasks.sub}
    client.cookies.clear()
    signed_in(client, org, "gd.minh")
    assert assign_links(client, tasks.plan) == {tasks.cchc, tasks.tcbc, tasks.sub, tasks.unled}


def test_the_form_is_filled_from_the_task(client: TestClient, org: Session, tasks: Tasks) -> None:
    signed_in(client, org, "cchc.truong")
    page = client.get(f"/ui/tasks/{tasks.cchc}/assign")
    assert page.status_code == 200
    text = page.text
    assert re.search(r'<textarea id="title"[^>]*>Rà soát thủ tục hành chính</textarea>', text)
    assert re.search(r'id="evidence_required"[^>]*>Báo cáo kết quả rà soát</textarea>', text)
    cchc, tcbc = unit_coded(org, "CCHC").id, unit_coded(org, "TCBC").id
    # The lead unit can only be the head's own unit; the supporting unit comes from the plan.
    assert 'id="unit"' not in text and 'id="lead-unit">Phòng Cải cách hành chính<' in text
    assert f'name="lead_unit_id" value="{cchc}"' in text
    assert f'name="supporting_unit_ids" value="{tcbc}" checked' in text
    assert f'name="supporting_unit_ids" value="{cchc}"' not in text  # the lead unit
    assert 'id="start_on" name="start_on" value="02/03/2026"' in text  # today in Hanoi
    people = re.search(r'<select id="assignee_id".*?</select>', text, re.S)
    assert people and "Đinh Thị Linh" in people.group(0) and "Phan Thị Hoa" not in people.group(0)
    # Another unit in ?unit= is not the head's to choose: the form stays on CCHC.
    again = client.get(f"/ui/tasks/{tasks.cchc}/assign?unit={tcbc}")
    assert "Phan Thị Hoa" not in again.text
    client.cookies.clear()
    signed_in(client, org, "gd.minh")
    other = client.get(f"/ui/tasks/{tasks.cchc}/assign?unit={tcbc}")
    unit_select = re.search(r'<select id="unit".*?</select>', other.text, re.S)
    assert unit_select and len(re.findall(r"<option ", unit_select.group(0))) == 10  # all units
    assert f'<option value="{tcbc}" selected>' in unit_select.group(0)
    people = re.search(r'<select id="assignee_id".*?</select>', other.text, re.S)
    assert people and "Phan Thị Hoa" in people.group(0) and "Đinh Thị Linh" not in people.group(0)
    # TCBC leads now, so it is no longer offered as a supporting unit.
    assert f'name="supporting_unit_ids" value="{tcbc}"' not in other.text


def test_a_unit_head_assigns_a_task_and_the_assignee_is_mailed(
    client: TestClient, org: Session, now: datetime, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    r = client.post(
        f"/ui/tasks/{tasks.cchc}/assign", data=form_data(org, csrf), follow_redirects=False
    )
    assert r.status_code == 303, r.text[:500]
    [item] = items(org)
    assert r.headers["location"] == f"/ui/items/{item.id}"
    assert (item.title, item.plan_task_id, item.priority) == (
        "Rà soát thủ tục hành chính quý I",
        tasks.cchc,
        "high",
    )
    assert item.lead_unit_id == unit_coded(org, "CCHC").id
    assert item.assignee_id == user_named(org, "cchc.linh").id
    assert item.assigner_id == user_named(org, "cchc.truong").id
    assert item.start_on == date(2026, 3, 2) and item.due_at == deadline_at(date(2026, 3, 31))
    assert item.description == "Rà soát 45 thủ tục" and item.series_id is None
    assert item.evidence_required == "Báo cáo kết quả rà soát" and item.state == "assigned"
    units = org.exec(select(WorkItemUnit).where(WorkItemUnit.work_item_id == item.id)).all()
    assert {(u.unit_id, u.role) for u in units} == {
        (unit_coded(org, "TCBC").id, "support"),
        (unit_coded(org, "VP").id, "inform"),
    }
    events = org.exec(select(WorkItemEvent).where(WorkItemEvent.work_item_id == item.id)).all()
    assert [(e.action, e.actor_id) for e in events] == [
        ("assign", user_named(org, "cchc.truong").id)
    ]
    # The event relay turns the history row into the assignee's "assigned" mail.
    relay_events(session=org, now=now, batch_size=50)
    mails = org.exec(select(Notification).where(Notification.work_item_id == item.id)).all()
    by_kind = {(m.kind, m.recipient_user_id) for m in mails}
    assert ("assigned", user_named(org, "cchc.linh").id) in by_kind
    assert ("support_assigned", user_named(org, "tcbc.truong").id) in by_kind
    assert client.get(r.headers["location"]).status_code == 200


def test_working_days_instead_of_a_due_date(client: TestClient, org: Session, tasks: Tasks) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    data = form_data(org, csrf, due_on="", due_working_days="10")
    r = client.post(f"/ui/tasks/{tasks.cchc}/assign", data=data, follow_redirects=False)
    assert r.status_code == 303
    [item] = items(org)
    # Ten working days after Monday 2 March 2026: Monday 16 March.
    assert item.due_working_days == 10 and item.due_at == deadline_at(date(2026, 3, 16))


def test_dates_typed_day_first_and_a_past_due_date_confirmed(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    url = f"/ui/tasks/{tasks.cchc}/assign"
    # Sunday 5 April 2026: the deadline is the next working day, Monday 6 April.
    data = form_data(org, csrf, start_on="02/03/2026", due_on="05/04/2026")
    assert client.post(url, data=data, follow_redirects=False).status_code == 303
    [item] = items(org)
    assert item.start_on == date(2026, 3, 2) and item.due_at == deadline_at(date(2026, 4, 6))
    # Today is 2 March 2026: 27 February needs the box ticked, which the refusal offers.
    data = form_data(org, csrf, start_on="02/02/2026", due_on="27/02/2026")
    r = client.post(url, data=data, follow_redirects=False)
    assert r.status_code == 422 and 'id="confirm_past"' in r.text
    assert len(items(org)) == 1
    r = client.post(url, data=data | {"confirm_past": "1"}, follow_redirects=False)
    assert r.status_code == 303
    assert max(i.due_at for i in items(org)) == deadline_at(date(2026, 4, 6))
    assert min(i.due_at for i in items(org)) == deadline_at(date(2026, 2, 27))


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"assignee_id": ""}, "Chưa chọn người xử lý."),
        ({"due_on": "2026-02-27"}, "Hạn xử lý không được trước ngày bắt đầu."),
        (
            {"start_on": "02/02/2026", "due_on": "27/02/2026"},
            "Hạn xử lý là một ngày đã qua: chọn ngày khác hoặc đánh dấu ô xác nhận.",
        ),
        ({"due_on": "31/02/2026"}, "Hạn xử lý không phải ngày hợp lệ."),
        (
            {"due_working_days": "5"},
            "Chỉ nhập một trong hai: hạn xử lý hoặc số ngày làm việc.",
        ),
        ({"due_on": ""}, "Chưa nhập thời hạn: hạn xử lý hoặc số ngày làm việc."),
        (
            {"due_on": "", "due_working_days": "0"},
            "Số ngày làm việc phải là số nguyên từ 1 đến 3650.",
        ),
        ({"title": "  "}, "Chưa nhập nội dung công việc."),
        (
            {"informed_unit_ids": ["{TCBC}"]},
            "Một đơn vị chỉ có thể là đơn vị phối hợp hoặc nhận để biết, không thể cả hai.",
        ),
        (
            {"assignee_id": "{tcbc.hoa}"},
            "Người xử lý phải là cán bộ đang hoạt động của đơn vị chủ trì.",
        ),
        ({"repeat": "weekly"}, "Kiểu lặp lại không hợp lệ."),
    ],
)
def test_bad_input_shows_the_form_again_and_creates_nothing(
    client: TestClient, org: Session, tasks: Tasks, changes: dict[str, object], message: str
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    resolved = {
        key: (
            [str(unit_coded(org, "TCBC").id)]
            if value == ["{TCBC}"]
            else str(user_named(org, "tcbc.hoa").id)
            if value == "{tcbc.hoa}"
            else value
        )
        for key, value in changes.items()
    }
    data = form_data(org, csrf, **resolved)
    r = client.post(f"/ui/tasks/{tasks.cchc}/assign", data=data, follow_redirects=False)
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert errors_of(r.text) == [message]
    # What was typed is still there.
    assert "Rà soát 45 thủ tục</textarea>" in r.text
    if changes.get("due_on") != "":
        shown = "/".join(reversed(str(data["due_on"]).split("-")))  # ISO typed, shown d/m/y
        assert f'value="{shown}"' in r.text
    assert items(org) == [] and org.exec(select(RecurringSeries)).all() == []


def test_errors_in_english_and_several_at_once(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    client.get("/lang/en?next=/my")
    data = form_data(org, csrf, assignee_id="", due_on="2026-03-31", due_working_days="3")
    r = client.post(f"/ui/tasks/{tasks.cchc}/assign", data=data, follow_redirects=False)
    assert r.status_code == 422
    assert errors_of(r.text) == [
        "Choose the assignee.",
        "Give either a due date or a number of working days, not both.",
    ]
    assert items(org) == []


def test_an_officer_may_not_assign(client: TestClient, org: Session, tasks: Tasks) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    assert client.get(f"/ui/tasks/{tasks.cchc}/assign").status_code == 403
    r = client.post(
        f"/ui/tasks/{tasks.cchc}/assign", data=form_data(org, csrf), follow_redirects=False
    )
    assert r.status_code == 403 and r.headers["content-type"].startswith("text/html")
    assert "Bạn không có quyền thực hiện thao tác này." in r.text
    assert items(org) == []


def test_a_unit_head_cannot_assign_to_another_unit(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    tcbc = unit_coded(org, "TCBC").id
    to_tcbc = form_data(
        org,
        csrf,
        lead_unit_id=str(tcbc),
        assignee_id=str(user_named(org, "tcbc.hoa").id),
        supporting_unit_ids=[],
    )
    # Their own unit's task, given to another unit; another unit's task, either way.
    r = client.post(f"/ui/tasks/{tasks.cchc}/assign", data=to_tcbc, follow_redirects=False)
    assert r.status_code == 403
    for data in (to_tcbc, form_data(org, csrf, supporting_unit_ids=[])):
        r = client.post(f"/ui/tasks/{tasks.tcbc}/assign", data=data, follow_redirects=False)
        assert r.status_code == 403
    assert client.get(f"/ui/tasks/{tasks.tcbc}/assign").status_code == 403
    assert items(org) == []


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    signed_in(client, org, "cchc.truong")
    data = form_data(org, "forged")
    r = client.post(f"/ui/tasks/{tasks.cchc}/assign", data=data, follow_redirects=False)
    assert r.status_code == 403 and "Phiên làm việc của biểu mẫu đã hết hạn" in r.text
    assert items(org) == []


def test_headings_withdrawn_and_missing_tasks(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "gd.minh")
    for task_id in (tasks.heading, tasks.withdrawn):
        page = client.get(f"/ui/tasks/{task_id}/assign")
        assert page.status_code == 409 and "nhiệm vụ con" in page.text
        r = client.post(f"/ui/tasks/{task_id}/assign", data=form_data(org, csrf))
        assert r.status_code == 409
    assert client.get("/ui/tasks/999999/assign").status_code == 404
    assert items(org) == []


def test_a_task_without_a_lead_unit_asks_for_one(
    client: TestClient, org: Session, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "gd.minh")
    page = client.get(f"/ui/tasks/{tasks.unled}/assign")
    assert page.status_code == 200 and 'id="assign-no-people"' in page.text
    r = client.post(
        f"/ui/tasks/{tasks.unled}/assign",
        data=form_data(org, csrf, lead_unit_id="", assignee_id=""),
    )
    assert r.status_code == 422
    assert errors_of(r.text)[:2] == ["Chưa chọn đơn vị chủ trì.", "Chưa chọn người xử lý."]
    assert items(org) == []


def test_a_quarterly_series_starts_with_the_assigned_item(
    client: TestClient, org: Session, now: datetime, tasks: Tasks
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    data = form_data(org, csrf, repeat="quarterly", until="2026-12-31")
    r = client.post(f"/ui/tasks/{tasks.cchc}/assign", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text[:500]
    [first] = items(org)
    series = org.get(RecurringSeries, first.series_id)
    assert series is not None
    assert (series.rrule, series.dtstart, series.until) == (
        "FREQ=MONTHLY;INTERVAL=3",
        date(2026, 3, 31),
        date(2026, 12, 31),
    )
    assert series.plan_task_id == tasks.cchc
    assert series.supporting_unit_ids == [unit_coded(org, "TCBC").id]
    assert first.title == "Rà soát thủ tục hành chính quý I (31/03/2026)"
    assert first.occurrence_on == date(2026, 3, 31) and first.priority == "high"
    # 2 March → 31 March: 21 working days, so the June occurrence (Tuesday 30 June) starts
    # Monday 1 June and is created 7 days before; March is never created a second time.
    assert materialize_recurrences(session=org, now=now).created == 0
    early = materialize_recurrences(session=org, now=datetime(2026, 5, 24, 3, tzinfo=UTC))
    assert early.created == 0
    june = materialize_recurrences(session=org, now=datetime(2026, 5, 25, 3, tzinfo=UTC))
    assert june.created == 1 and june.existing == 1
    second = org.get(WorkItem, june.created_item_ids[0])
    assert second is not None and second.occurrence_on == date(2026, 6, 30)
    assert (second.start_on, second.due_at) == (date(2026, 6, 1), deadline_at(date(2026, 6, 30)))
    assert second.plan_task_id == tasks.cchc and second.assignee_id == first.assignee_id
    supporting = org.exec(select(WorkItemUnit).where(WorkItemUnit.work_item_id == second.id))
    assert [(u.unit_id, u.role) for u in supporting] == [(unit_coded(org, "TCBC").id, "support")]
