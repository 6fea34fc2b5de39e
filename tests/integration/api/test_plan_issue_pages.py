"""The "Ban hành" page (`/ui/plans/{id}/issue`): preview, filters, per-row edits, the one
confirm; and the plan page as the tracking view (items' states, progress, overdue, filters,
counts per area)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.integration.api.conftest import unit_coded, user_named
from tests.integration.api.test_item_page_forms import CSRF, browse_as
from tests.integration.test_plan_issue import ROWS, load
from workflow.models import Plan, PlanTask, WorkItem


def task_id(org: Session, text: str) -> int:
    return org.exec(select(PlanTask.id).where(PlanTask.text == text)).one() or 0


def row_html(page: str, tid: int) -> str:
    found = re.search(rf'<tr id="row-{tid}".*?</tr>', page, re.S)
    assert found, f"no row for task {tid}"
    return found.group(0)


def test_the_coordinator_sees_the_preview_with_filters_and_edits(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    browse_as(client, org, now, "vp.cchc")
    assert 'id="issue-link"' in client.get(f"/ui/plans/{plan.id}").text
    page = client.get(f"/ui/plans/{plan.id}/issue")
    assert page.status_code == 200
    assert "Ban hành kế hoạch thành công việc" in page.text
    saturday = row_html(page.text, task_id(org, "Tổ chức thi hành pháp luật"))
    assert "15/08/2026" in saturday and "ngày nghỉ, hạn là 17/08/2026" in saturday
    assert 'value="2026-08-15"' in saturday and "Tạo việc" in saturday
    first = row_html(page.text, task_id(org, "Rà soát văn bản quy phạm pháp luật"))
    # The head is chosen; the unit's officer may be picked instead.
    head, officer = user_named(org, "tt.chanh"), user_named(org, "tt.binh")
    assert f'<option value="{head.id}" selected>' in first and f'value="{officer.id}"' in first
    assert "Văn phòng" in first and "Báo cáo" in first
    unread = row_html(page.text, task_id(org, "Tuyên truyền pháp luật"))
    assert "không đọc được thời hạn" in unread and 'type="date"' in unread
    assert "chưa có đơn vị chủ trì" in row_html(page.text, task_id(org, "Việc chưa phân công"))
    ttra = unit_coded(org, "TTRA").id
    narrowed = client.get(f"/ui/plans/{plan.id}/issue?unit={ttra}").text
    assert narrowed.count('<tr id="row-') == 1 and "1/5" in narrowed
    skipped = client.get(f"/ui/plans/{plan.id}/issue?action=skipped").text
    assert skipped.count('<tr id="row-') == 2
    client.cookies.set("pf_lang", "en")
    english = client.get(f"/ui/plans/{plan.id}/issue").text
    assert "Issue the plan as work" in english and "a day off: due 17/08/2026" in english


def test_others_are_refused_and_see_no_link(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    browse_as(client, org, now, "cchc.truong")
    assert client.get(f"/ui/plans/{plan.id}/issue").status_code == 403
    r = client.post(f"/ui/plans/{plan.id}/issue", data={"csrf_token": CSRF})
    assert r.status_code == 403
    assert 'id="issue-link"' not in client.get(f"/ui/plans/{plan.id}").text
    assert org.exec(select(WorkItem)).all() == []
    browse_as(client, org, now, "vp.cchc")
    assert client.get("/ui/plans/999999/issue").status_code == 404


def test_confirm_issues_the_rows_with_their_edits_then_the_plan_page_tracks_them(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    browse_as(client, org, now, "vp.cchc")
    first = task_id(org, "Rà soát văn bản quy phạm pháp luật")
    saturday = task_id(org, "Tổ chức thi hành pháp luật")
    unread = task_id(org, "Tuyên truyền pháp luật")
    officer = user_named(org, "tt.binh")
    r = client.post(
        f"/ui/plans/{plan.id}/issue",
        data={
            "csrf_token": CSRF,
            f"assignee_{first}": str(officer.id),
            f"skip_{saturday}": "1",
            f"due_{unread}": "2026-10-30",
        },
    )
    assert r.status_code == 200, r.text[:800]
    summary = re.search(r'id="issue-summary".*?</div>', r.text, re.S)
    assert summary and "tạo 3 việc" in summary.group(0)
    assert f'href="/ui/plans/{plan.id}"' in summary.group(0)
    items = {i.plan_task_id: i for i in org.exec(select(WorkItem)).all()}
    assert set(items) == {first, unread, task_id(org, "Kiểm tra việc thi hành pháp luật")}
    assert items[first].assignee_id == officer.id

    # The plan page: states, progress, the not-issued task, counts per area.
    items[first].due_at = now - timedelta(days=2)  # overdue now
    org.add(items[first])
    org.flush()
    page = client.get(f"/ui/plans/{plan.id}").text
    work = re.search(
        rf'<span class="task-work" data-task-id="{first}".*?</span>\s*</span>', page, re.S
    )
    assert work and "Đã giao" in work.group(0) and "Quá hạn" in work.group(0)
    assert f'href="/ui/items/{items[first].id}"' in work.group(0)
    assert f'data-task-id="{saturday}" data-status="not_issued"' in page
    counts = re.search(r'<table id="area-counts">.*?</table>', page, re.S)
    assert counts
    assert '<td class="num overdue" data-status="overdue">1</td>' in counts.group(0)
    assert '<td class="num" data-status="not_issued">2</td>' in counts.group(0)
    overdue = client.get(f"/ui/plans/{plan.id}?state=overdue").text
    assert f'id="task-{first}"' in overdue and f'id="task-{saturday}"' not in overdue
    tcbc = unit_coded(org, "TCBC").id
    assert 'id="track-none"' in client.get(f"/ui/plans/{plan.id}?unit={tcbc}").text
    # An officer of another unit sees the states and flags, not the item's link.
    browse_as(client, org, now, "ccvc.thu")
    other = client.get(f"/ui/plans/{plan.id}").text
    assert 'data-status="overdue"' in other and f'href="/ui/items/{items[first].id}"' not in other


def test_confirm_issues_only_the_rows_shown(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    browse_as(client, org, now, "vp.cchc")
    cchc = unit_coded(org, "CCHC").id
    r = client.post(f"/ui/plans/{plan.id}/issue", data={"csrf_token": CSRF, "unit": str(cchc)})
    assert r.status_code == 200
    created = org.exec(select(WorkItem)).all()
    assert {i.lead_unit_id for i in created} == {cchc} and len(created) == 2


def test_a_bad_edit_comes_back_with_the_reason_and_writes_nothing(
    client: TestClient, org: Session, now: datetime
) -> None:
    plan = load(org, ROWS, now)
    browse_as(client, org, now, "vp.cchc")
    first = task_id(org, "Rà soát văn bản quy phạm pháp luật")
    bad_date = client.post(
        f"/ui/plans/{plan.id}/issue", data={"csrf_token": CSRF, f"due_{first}": "31/02/2026"}
    )
    assert bad_date.status_code == 422 and "không đúng định dạng" in bad_date.text
    past = client.post(
        f"/ui/plans/{plan.id}/issue", data={"csrf_token": CSRF, f"due_{first}": "2025-12-31"}
    )
    assert past.status_code == 422 and "Thời hạn đã qua." in past.text
    outsider = user_named(org, "cchc.linh")
    wrong = client.post(
        f"/ui/plans/{plan.id}/issue",
        data={"csrf_token": CSRF, f"assignee_{first}": str(outsider.id)},
    )
    assert wrong.status_code == 422 and "cán bộ của đơn vị chủ trì" in wrong.text
    assert org.exec(select(WorkItem)).all() == []
    assert org.exec(select(Plan)).one().id == plan.id
