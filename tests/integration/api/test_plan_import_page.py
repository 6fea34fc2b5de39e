"""The "Nhập kế hoạch" page (`/ui/plan-import`): the coordinator uploads the signed 2027
plan (Word or PDF), sees its tasks, units (groups with their members) and deadlines read,
then imports it and lands on its issue page; unknown unit names and unreadable files are
explained and nothing is written."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.conftest import ROOT
from tests.integration.api.test_item_page_forms import CSRF, browse_as
from tests.plan_docs import TABLE_ROWS, table_markdown
from workflow.models import Plan, PlanTask

ANNUAL = ROOT / "deploy" / "sample" / "ke-hoach-cchc-2027"
GROUP_TASK = "Tự kiểm tra văn bản do phòng tham mưu ban hành năm 2026"


def upload(client: TestClient, name: str, data: bytes) -> tuple[int, str]:
    r = client.post(
        "/ui/plan-import",
        data={"csrf_token": CSRF},
        files={"file": (name, data, "application/octet-stream")},
    )
    return r.status_code, r.text


def row(page: str, number: str) -> str:
    found = re.search(rf'<tr class="[^"]*" data-number="{re.escape(number)}">.*?</tr>', page, re.S)
    assert found, f"no row {number}"
    return found.group(0)


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_the_coordinator_previews_imports_and_lands_on_the_issue_page(
    client: TestClient, org: Session, now: datetime, suffix: str, var_dir: Path
) -> None:
    browse_as(client, org, now, "vp.cchc")
    assert 'href="/ui/plan-import"' in client.get("/ui/plans").text
    assert client.get("/ui/plan-import").status_code == 200
    path = Path(f"{ANNUAL}{suffix}")
    status, page = upload(client, path.name, path.read_bytes())
    assert status == 200, page[:800]
    assert "Cải cách hành chính năm 2027 của Sở Nội vụ" in page
    assert "năm 2027–2027" in page and "trước ngày 10 của tháng cuối quý" in page
    assert "thêm mới 35" in page  # the plan, 6 areas, 28 tasks and sub-tasks
    group = row(page, "1.2")
    assert GROUP_TASK in group and "Các phòng chuyên môn" in group
    assert "Phòng Tổ chức biên chế, Phòng Xây dựng chính quyền" in group
    assert "Quý 2 năm 2027" in group and "30/06/2027" in group
    # A day off: the working day it becomes; a recurrence in words; a phrase not read.
    assert "31/10/2027 (Chủ nhật) → 01/11/2027" in row(page, "3.2")
    assert "day 10 of months 3, 6, 9, 12" in row(page, "2.2")
    assert "không đọc được" in row(page, "3.5")
    supported = row(page, "1.3")
    assert "Văn phòng" in supported and "Chi cục Văn thư - Lưu trữ" in supported
    assert org.exec(select(Plan)).all() == []  # a preview writes nothing
    # The previewed file waits for the confirmation, one per person.
    stashed = var_dir / "plan-uploads"
    assert len(list(stashed.iterdir())) == 1
    rows = [list(r) for r in TABLE_ROWS[:2]]
    rows.append(["1", "Rà soát văn bản", "Thanh tra", "", "Quý IV/2027", ""])
    assert upload(client, "khac.md", table_markdown(rows).encode())[0] == 200
    assert len(list(stashed.iterdir())) == 1
    status, page = upload(client, path.name, path.read_bytes())

    digest = re.search(r'name="digest" value="([0-9a-f]{64})"', page)
    assert digest
    r = client.post(
        "/ui/plan-import",
        data={"csrf_token": CSRF, "digest": digest.group(1), "filename": path.name, "confirm": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert list(stashed.iterdir()) == []
    plan = org.exec(select(Plan)).one()
    assert r.headers["location"] == f"/ui/plans/{plan.id}/issue?imported=1"
    assert len(org.exec(select(PlanTask).where(PlanTask.plan_id == plan.id)).all()) == 28
    issue = client.get(r.headers["location"]).text
    assert 'id="issue-imported"' in issue and issue.count(GROUP_TASK) >= 1
    # The stashed upload is gone once imported: confirming again asks for the file.
    again = client.post(
        "/ui/plan-import",
        data={"csrf_token": CSRF, "digest": digest.group(1), "filename": path.name, "confirm": "1"},
    )
    assert again.status_code == 422 and "chọn lại tệp" in again.text


def test_unknown_units_are_listed_and_bad_files_explained_nothing_written(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    rows = [list(r) for r in TABLE_ROWS[:2]]
    rows.append(["1", "Rà soát văn bản", "Phòng Tư pháp", "Các đơn vị liên quan", "Quý IV", ""])
    status, page = upload(client, "ke-hoach.md", table_markdown(rows).encode())
    assert status == 422
    listed = re.search(r'id="import-unresolved".*?</div>', page, re.S)
    assert (
        listed and "Phòng Tư pháp" in listed.group(0) and "Các đơn vị liên quan" in listed.group(0)
    )
    assert 'href="/ui/units"' in listed.group(0) and 'id="import-confirm"' not in page
    status, page = upload(client, "scan.pdf", b"%PDF-1.4 not really a pdf")
    assert status == 422 and "Không đọc được tệp kế hoạch" in page
    status, page = upload(client, "bang.xlsx", b"PK")
    assert status == 422 and "Chỉ nhận tệp" in page
    r = client.post("/ui/plan-import", data={"csrf_token": CSRF})
    assert r.status_code == 422 and "Hãy chọn tệp" in r.text
    assert org.exec(select(Plan)).all() == []


def test_others_may_not_import(client: TestClient, org: Session, now: datetime) -> None:
    browse_as(client, org, now, "cchc.truong")
    assert 'href="/ui/plan-import"' not in client.get("/ui/plans").text
    assert client.get("/ui/plan-import").status_code == 403
    path = Path(f"{ANNUAL}.docx")
    status, _page = upload(client, path.name, path.read_bytes())
    assert status == 403 and org.exec(select(Plan)).all() == []
