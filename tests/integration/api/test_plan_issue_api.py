"""`POST /plans/{id}/issue`: the preview and the issue over the API, problem+json refusals."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.integration.api.conftest import user_named
from tests.integration.test_plan_issue import ROWS, load
from workflow.models import WorkItem


def test_the_coordinator_previews_then_issues_and_issuing_again_creates_none(
    client: TestClient,
    org: Session,
    now: datetime,
    auth_for: Callable[[str], dict[str, str]],
) -> None:
    plan = load(org, ROWS, now)
    headers = auth_for("vp.cchc")
    url = f"/plans/{plan.id}/issue"
    preview = client.post(url, json={"dry_run": True}, headers=headers)
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["dry_run"] and body["counts"]["create"] == 3
    row = next(r for r in body["rows"] if r["title"] == "Tổ chức thi hành pháp luật")
    assert row["due"] == "2026-08-15" and row["due_working_day"] == "2026-08-17"
    assert row["assignee"] == "Mai Văn Phúc" and row["action"] == "create"
    assert org.exec(select(WorkItem)).all() == []

    skip_id = next(r["task_id"] for r in body["rows"] if r["task_key"] == row["task_key"])
    issued = client.post(
        url,
        json={"overrides": [{"task_id": skip_id, "skip": True}]},
        headers=headers,
    )
    assert issued.status_code == 200, issued.text
    assert len(issued.json()["created_item_ids"]) == 2
    skipped = next(r for r in issued.json()["rows"] if r["task_id"] == skip_id)
    assert (skipped["action"], skipped["reason"]) == ("skipped", "skipped_by_user")
    # A skip holds for that issue only: the next one creates the row's item, then nothing.
    later = client.post(url, json={}, headers=headers).json()
    assert len(later["created_item_ids"]) == 1 and later["counts"]["unchanged"] == 2
    again = client.post(url, json={}, headers=headers).json()
    assert again["created_item_ids"] == [] and again["counts"]["unchanged"] == 3


def test_refusals_are_problem_json_and_write_nothing(
    client: TestClient,
    org: Session,
    now: datetime,
    auth_for: Callable[[str], dict[str, str]],
) -> None:
    plan = load(org, ROWS, now)
    url = f"/plans/{plan.id}/issue"
    officer = client.post(url, json={}, headers=auth_for("cchc.linh"))
    assert officer.status_code == 403
    assert officer.headers["content-type"].startswith("application/problem+json")
    missing = client.post("/plans/999999/issue", json={}, headers=auth_for("vp.cchc"))
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    task_id = client.post(url, json={"dry_run": True}, headers=auth_for("gd.minh")).json()["rows"][
        0
    ]["task_id"]
    outsider = user_named(org, "cchc.linh").id  # not of the Inspectorate, the row's lead
    bad = client.post(
        url,
        json={"overrides": [{"task_id": task_id, "assignee_id": outsider}]},
        headers=auth_for("vp.cchc"),
    )
    assert bad.status_code == 422
    assert bad.headers["content-type"].startswith("application/problem+json")
    assert "lead unit" in bad.json()["detail"]
    past = client.post(
        url,
        json={"overrides": [{"task_id": task_id, "due_on": "2025-01-01"}]},
        headers=auth_for("vp.cchc"),
    )
    assert past.status_code == 422
    assert org.exec(select(WorkItem)).all() == []


def test_a_group_led_task_is_a_row_per_unit_and_a_unit_id_edits_one_of_them(
    client: TestClient,
    org: Session,
    now: datetime,
    auth_for: Callable[[str], dict[str, str]],
) -> None:
    from tests.integration.test_plan_issue_groups import GROUP_TASK, rows
    from tests.integration.test_plan_issue_groups import load as load_groups

    plan = load_groups(org, rows(), now)
    headers = auth_for("vp.cchc")
    url = f"/plans/{plan.id}/issue"
    body = client.post(url, json={"dry_run": True}, headers=headers).json()
    shares = [r for r in body["rows"] if r["title"] == GROUP_TASK]
    assert [r["lead_unit"] for r in shares] == [
        "Phòng Tổ chức biên chế",
        "Phòng Xây dựng chính quyền",
        "Phòng Công chức viên chức",
        "Phòng Cải cách hành chính",
    ]
    assert {r["lead_group"] for r in shares} == {"Các phòng chuyên môn"}
    assert [r["key"] for r in shares] == [f"{r['task_id']}-{r['lead_unit_id']}" for r in shares]
    assert body["counts"]["create"] == 5 and body["task_counts"]["create"] == 2
    cchc = shares[3]
    officer = user_named(org, "cchc.linh").id
    # A unit's row takes a person of that unit; the same person for the whole task does not
    # fit the other units' rows: refused, nothing written.
    whole = client.post(
        url,
        json={"overrides": [{"task_id": cchc["task_id"], "assignee_id": officer}]},
        headers=headers,
    )
    assert whole.status_code == 422 and org.exec(select(WorkItem)).all() == []
    one = {"task_id": cchc["task_id"], "unit_id": cchc["lead_unit_id"], "assignee_id": officer}
    skip = {"task_id": cchc["task_id"], "unit_id": shares[0]["lead_unit_id"], "skip": True}
    issued = client.post(url, json={"overrides": [one, skip]}, headers=headers)
    assert issued.status_code == 200, issued.text
    assert len(issued.json()["created_item_ids"]) == 4
    items = org.exec(select(WorkItem).where(WorkItem.plan_task_id == cchc["task_id"])).all()
    assert {i.lead_unit_id: i.assignee_id for i in items}[cchc["lead_unit_id"]] == officer
    assert shares[0]["lead_unit_id"] not in {i.lead_unit_id for i in items}
    other_plan = client.post(
        url,
        json={"overrides": [{"task_id": cchc["task_id"], "unit_id": 999999, "skip": True}]},
        headers=headers,
    )
    assert other_plan.status_code == 422
