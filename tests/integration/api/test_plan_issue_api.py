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
