"""A task led by a unit group on the pages (decision 0015): the "Ban hành" page shows a row
per member unit, each edited on its own; the plan page names each unit's work, finds the
task under each unit and counts it per unit."""

from __future__ import annotations

import re
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.integration.api.conftest import unit_coded, user_named
from tests.integration.api.test_item_page_forms import CSRF, browse_as
from tests.integration.test_plan_issue_groups import GROUP_TASK, SUPPORTED_TASK, load, rows
from workflow.models import PlanTask, WorkItem


def task_id(org: Session, text: str) -> int:
    return org.exec(select(PlanTask.id).where(PlanTask.text == text)).one() or 0


def row_html(page: str, key: str) -> str:
    found = re.search(rf'<tr id="row-{key}".*?</tr>', page, re.S)
    assert found, f"no row {key}"
    return found.group(0)


def table(page: str, table_id: str) -> str:
    found = re.search(rf'<table id="{table_id}">.*?</table>', page, re.S)
    assert found, f"no table {table_id}"
    return found.group(0)


def unit_row(page: str, unit_id: int) -> str:
    found = re.search(rf'<tr data-unit-id="{unit_id}">.*?</tr>', table(page, "unit-counts"), re.S)
    assert found, f"no unit row {unit_id}"
    return found.group(0)


def test_the_issue_page_shows_a_row_per_unit_and_issues_each_with_its_edits(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    browse_as(client, org, now, "vp.cchc")
    group = task_id(org, GROUP_TASK)
    tcbc, xdcq, cchc = (unit_coded(org, c).id for c in ("TCBC", "XDCQ", "CCHC"))
    page = client.get(f"/ui/plans/{plan.id}/issue").text
    assert page.count(f'data-task-id="{group}"') == 4
    first = row_html(page, f"{group}-{tcbc}")
    assert GROUP_TASK in first and "Các phòng chuyên môn →" in first
    assert "Phòng Tổ chức biên chế" in first and "đơn vị 1/4" in first
    head = user_named(org, "tcbc.truong")
    assert f'name="assignee_{group}-{tcbc}"' in first
    assert f'<option value="{head.id}" selected>' in first
    fourth = row_html(page, f"{group}-{cchc}")
    # The rows after the first say they are the same task, which unit's share they are.
    assert GROUP_TASK not in fourth.split("</td>")[0].split('title="')[0]
    assert "cùng nhiệm vụ trên" in fourth and "đơn vị 4/4" in fourth
    assert f'name="due_{group}-{cchc}"' in fourth and "Văn phòng" in fourth
    assert "5/5 dòng đang hiển thị (2 nhiệm vụ" in page
    # The unit filter finds the unit's share of the group task.
    narrowed = client.get(f"/ui/plans/{plan.id}/issue?unit={xdcq}").text
    assert narrowed.count('<tr id="row-') == 1 and f'id="row-{group}-{xdcq}"' in narrowed

    officer = user_named(org, "cchc.linh")
    r = client.post(
        f"/ui/plans/{plan.id}/issue",
        data={
            "csrf_token": CSRF,
            f"skip_{group}-{xdcq}": "1",
            f"assignee_{group}-{cchc}": str(officer.id),
            f"due_{group}-{cchc}": "31/07/2026",
        },
    )
    assert r.status_code == 200, r.text[:800]
    summary = re.search(r'id="issue-summary".*?</div>', r.text, re.S)
    assert summary and "tạo 4 việc" in summary.group(0)
    items = {
        i.lead_unit_id: i
        for i in org.exec(select(WorkItem).where(WorkItem.plan_task_id == group)).all()
    }
    assert xdcq not in items and len(items) == 3
    assert items[cchc].assignee_id == officer.id
    assert items[tcbc].assignee_id == head.id
    # The page after the issue: the issued shares unchanged, the skipped one to create.
    assert "đã ban hành" in row_html(r.text, f"{group}-{tcbc}")
    assert 'data-action="create"' in row_html(r.text, f"{group}-{xdcq}")


def test_the_plan_page_names_each_units_work_and_counts_the_task_per_unit(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, rows(), now)
    browse_as(client, org, now, "vp.cchc")
    group = task_id(org, GROUP_TASK)
    tcbc, xdcq, ttra = (unit_coded(org, c).id for c in ("TCBC", "XDCQ", "TTRA"))
    client.post(
        f"/ui/plans/{plan.id}/issue", data={"csrf_token": CSRF, f"skip_{group}-{xdcq}": "1"}
    )
    item = org.exec(
        select(WorkItem).where(WorkItem.plan_task_id == group, WorkItem.lead_unit_id == tcbc)
    ).one()
    item.state, item.closed_at = "done", now
    org.add(item)
    org.flush()
    page = client.get(f"/ui/plans/{plan.id}").text
    work = re.search(
        rf'<span class="task-work" data-task-id="{group}".*?</span>\s*</span>', page, re.S
    )
    assert work and "Phòng Tổ chức biên chế:" in work.group(0)
    assert "hoàn thành 1/3 (33%)" in work.group(0)
    # The area counts the task once; the unit table once per unit, by the unit's share.
    areas = table(page, "area-counts")
    assert re.search(r'<td class="num">2</td>\s*<td class="num" data-status="not_issued">0', areas)
    assert '<td class="num" data-status="done">1</td>' in unit_row(page, tcbc)
    assert '<td class="num" data-status="not_issued">1</td>' in unit_row(page, xdcq)
    # TTRA leads the supported task and supports the group task: one task.
    assert re.search(r'<td class="num">1</td>', unit_row(page, ttra))
    # Filters: the group task under each member unit, by that unit's state.
    not_issued = client.get(f"/ui/plans/{plan.id}?unit={xdcq}&state=not_issued").text
    assert f'id="task-{group}"' in not_issued
    assert (
        f'id="task-{group}"'
        not in client.get(f"/ui/plans/{plan.id}?unit={tcbc}&state=not_issued").text
    )
    done = client.get(f"/ui/plans/{plan.id}?unit={tcbc}&state=done").text
    assert f'id="task-{group}"' in done
    assert f'id="task-{task_id(org, SUPPORTED_TASK)}"' not in done
    client.cookies.set("pf_lang", "en")
    assert "Progress by lead unit" in client.get(f"/ui/plans/{plan.id}").text


def test_the_item_page_shows_the_plans_deadline_phrase_and_the_shared_task(
    client: TestClient, org: Session, now: datetime
) -> None:
    from tests.integration.test_plan_issue_groups import user as user_of
    from workflow.services.plan_issue import issue_plan

    plan = load(org, rows(due="Quý II/2026"), now)
    issue_plan(session=org, plan_id=plan.id or 0, actor=user_of(org, "vp.cchc"), now=now)
    tcbc = unit_coded(org, "TCBC").id
    group = task_id(org, GROUP_TASK)
    item = org.exec(
        select(WorkItem).where(WorkItem.plan_task_id == group, WorkItem.lead_unit_id == tcbc)
    ).one()
    browse_as(client, org, now, "tcbc.truong")
    page = client.get(f"/ui/items/{item.id}").text
    due = re.search(r'<td id="item-plan-due">(.*?)</td>', page)
    assert due and due.group(1) == "Quý II/2026"
    shared = re.search(r'<td id="item-lead-group">(.*?)</td>', page)
    assert shared and shared.group(1).startswith("Các phòng chuyên môn chủ trì")
    assert "30/06/2026" in page
    other = org.exec(select(WorkItem).where(WorkItem.plan_task_id != group)).one()
    browse_as(client, org, now, "tt.chanh")
    single = client.get(f"/ui/items/{other.id}").text
    assert 'id="item-plan-due">30/09/2026<' in single and 'id="item-lead-group"' not in single
