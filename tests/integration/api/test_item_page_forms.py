"""The item page's details and forms: evidence, extension requests and decisions, comments.

Each form: its happy path (303 back to the item, shown on the page) and its refusals (the
page again with the reason and the refusal's status, 404 outside the scope, nothing
written). Signed in with a minted session cookie, as the browser would be after /login.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.auth import TokenKind, issue_token
from tests.integration.api.conftest import Sample, make_item, user_named
from tests.integration.api.test_scope_matrix import seed_plan
from workflow.models import Comment, Evidence, ExtensionRequest, PlanTask, WorkItem, WorkItemEvent
from workflow.settings import get_settings

CSRF = "item-forms-csrf"


def browse_as(client: TestClient, org: Session, now: datetime, username: str) -> None:
    """The browser of `username`: a session cookie and the CSRF cookie its forms echo."""
    client.cookies.clear()
    user = user_named(org, username)
    token = issue_token(user, kind=TokenKind.SESSION, now=now, settings=get_settings())
    client.cookies.set("pf_session", token)
    client.cookies.set("pf_csrf", CSRF)


def send(
    client: TestClient,
    url: str,
    *,
    data: dict[str, str] | None = None,
    files: dict[str, tuple[str, bytes, str]] | None = None,
) -> httpx.Response:
    """A form as the page sends it: with the CSRF token (unless `data` brings another)."""
    form = {"csrf_token": CSRF, **(data or {})}
    return client.post(url, data=form, files=files, follow_redirects=False)


def form_error(r: httpx.Response) -> str:
    assert r.headers["content-type"].startswith("text/html")
    found = re.search(r'id="form-error"[^>]*>([^<]+)<', r.text)
    assert found, r.text[:500]
    return found.group(1)


def events_of(org: Session, item_id: int | None) -> list[str]:
    rows = org.exec(select(WorkItemEvent).where(WorkItemEvent.work_item_id == item_id)).all()
    return [e.action for e in rows]


@pytest.fixture
def item(org: Session, now: datetime) -> WorkItem:
    """Led by CCHC for cchc.linh; TCBC and XDCQ support, VP is informed; from a plan task."""
    row = make_item(
        org,
        now=now,
        lead="CCHC",
        assignee="cchc.linh",
        assigner="cchc.truong",
        title="Rà soát thủ tục hành chính",
        support=("TCBC", "XDCQ"),
        inform=("VP",),
    )
    ids = seed_plan(org, unit_id=row.lead_unit_id)
    task = org.exec(select(PlanTask).where(PlanTask.plan_id == ids["plan"])).one()
    row.plan_task_id = task.id
    row.priority = "high"
    org.flush()
    return row


def test_page_shows_units_task_priority_and_the_original_due_after_an_extension(
    client: TestClient, org: Session, now: datetime, item: WorkItem
) -> None:
    page = f"/ui/items/{item.id}"
    browse_as(client, org, now, "cchc.linh")
    r = client.get(page)
    assert r.status_code == 200
    support = re.search(r'id="item-support">([^<]+)<', r.text)
    assert support and support.group(1) == "Phòng Tổ chức biên chế, Phòng Xây dựng chính quyền"
    assert 'id="item-inform">Văn phòng<' in r.text
    assert 'id="item-priority">Cao<' in r.text
    task = re.search(r'id="item-task"><a href="([^"]+)">([^<]+)<', r.text)
    plan = org.get(PlanTask, item.plan_task_id)
    assert plan is not None and task is not None
    assert task.groups() == (f"/ui/plans/{plan.plan_id}", "Rà soát văn bản quy phạm pháp luật")
    assert "Hạn ban đầu" not in r.text and 'id="extension-form"' in r.text
    assert "decision-form" not in r.text

    asked = send(
        client,
        f"/ui/items/{item.id}/extensions",
        data={"requested_due_on": "2026-04-10", "reason": "Chờ ý kiến các sở"},
    )
    assert asked.status_code == 303 and asked.headers["location"] == f"{page}#extensions"
    r = client.get(page)
    assert 'data-status="pending"' in r.text and "Chờ quyết định" in r.text
    # One pending request at a time, and the requester does not decide it.
    assert 'id="extension-form"' not in r.text and "decision-form" not in r.text

    browse_as(client, org, now, "cchc.truong")
    r = client.get(page)
    request_id = org.exec(
        select(ExtensionRequest.id).where(ExtensionRequest.work_item_id == item.id)
    ).one()
    decision = f"/ui/items/{item.id}/extensions/{request_id}/decision"
    assert f'action="{decision}"' in r.text
    approved = send(client, decision, data={"decision": "approve", "note": "Đồng ý đến 10/4"})
    assert approved.status_code == 303
    org.expire_all()
    stored = org.get(WorkItem, item.id)
    assert stored is not None and stored.original_due_at == item.original_due_at
    assert stored.due_at > stored.original_due_at and stored.due_working_days is None
    r = client.get(page)
    assert 'data-status="approved"' in r.text and "Đồng ý đến 10/4" in r.text
    assert 'id="item-original-due">22/03/2026 09:00<' in r.text
    assert "Hạn ban đầu" in r.text and "10/04/2026 17:00" in r.text
    assert "decision-form" not in r.text

    client.cookies.set("pf_lang", "en")
    r = client.get(page)
    assert "Original due date" in r.text and "Supporting units" in r.text
    assert "Organisation and Staffing Division" in r.text and "Approved" in r.text


def test_evidence_form_attaches_notes_and_files_with_download_links(
    client: TestClient, org: Session, now: datetime, item: WorkItem, var_dir: Path
) -> None:
    page = f"/ui/items/{item.id}"
    browse_as(client, org, now, "pgd.dong")  # sees the item (deputy in charge), no owner
    assert 'id="evidence-form"' not in client.get(page).text
    browse_as(client, org, now, "cchc.truong")  # the lead unit's head may attach
    assert 'id="evidence-form"' in client.get(page).text
    browse_as(client, org, now, "cchc.linh")
    assert 'enctype="multipart/form-data"' in client.get(page).text

    noted = send(client, f"{page}/evidence", data={"note": "Đã gửi dự thảo"})
    assert noted.status_code == 303 and noted.headers["location"] == f"{page}#evidence"
    pdf = b"%PDF-1.4 bao cao"
    filed = send(
        client,
        f"{page}/evidence",
        data={"note": "Báo cáo kết quả"},
        files={"file": ("bao-cao quý 1.pdf", pdf, "application/pdf")},
    )
    assert filed.status_code == 303
    rows = org.exec(
        select(Evidence).where(Evidence.work_item_id == item.id).order_by(col(Evidence.id))
    ).all()
    assert [(r.note, r.filename) for r in rows] == [
        ("Đã gửi dự thảo", None),
        ("Báo cáo kết quả", "bao-cao quý 1.pdf"),
    ]
    assert events_of(org, item.id).count("add_evidence") == 2
    r = client.get(page)
    link = f"{page}/evidence/{rows[1].id}/file"
    assert f'href="{link}"' in r.text and "Đã gửi dự thảo" in r.text
    assert f"{page}/evidence/{rows[0].id}/file" not in r.text  # a note has no file

    download = client.get(link)
    assert download.status_code == 200 and download.content == pdf
    assert download.headers["content-disposition"].startswith("attachment")
    assert download.headers["x-content-type-options"] == "nosniff"
    # The API's download takes the session cookie too (a safe method needs no CSRF token).
    api = client.get(f"/items/{item.id}/evidence/{rows[1].id}/file")
    assert api.status_code == 200 and api.content == pdf
    # A note's "file", and another item's path, are not found (a page, not JSON).
    for missing in (
        f"{page}/evidence/{rows[0].id}/file",
        f"/ui/items/{item.id + 1}/evidence/1/file",
    ):
        r = client.get(missing)
        assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    browse_as(client, org, now, "xdcq.mai")  # XDCQ supports: sees the item and its files
    assert client.get(link).status_code == 200
    browse_as(client, org, now, "tt.binh")  # outside the scope
    assert client.get(link).status_code == 404
    client.cookies.clear()
    r = client.get(link, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_evidence_refusals_show_the_page_and_write_nothing(
    client: TestClient,
    org: Session,
    now: datetime,
    item: WorkItem,
    var_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = f"/ui/items/{item.id}/evidence"
    monkeypatch.setenv("PLANFLOW_EVIDENCE_MAX_BYTES", str(1024 * 1024))
    get_settings.cache_clear()

    browse_as(client, org, now, "pgd.dong")
    r = send(client, url, data={"note": "Ý kiến chỉ đạo"})
    assert r.status_code == 403
    assert form_error(r) == "Bạn không có quyền thực hiện thao tác này."

    browse_as(client, org, now, "cchc.linh")
    r = send(client, url, data={"note": "  "})
    assert r.status_code == 422 and form_error(r) == "Cần nhập ghi chú hoặc chọn tệp đính kèm."
    r = send(
        client,
        url,
        data={"note": "Trang tự làm"},
        files={"file": ("trang.html", b"<script>alert(1)</script>", "text/html")},
    )
    assert r.status_code == 415 and form_error(r).startswith("Loại tệp này không được chấp nhận")
    assert ">Trang tự làm</textarea>" in r.text  # what was typed is kept
    big = b"0" * (1024 * 1024 + 1)
    r = send(client, url, files={"file": ("lon.pdf", big, "application/pdf")})
    assert r.status_code == 413 and form_error(r) == "Tệp quá lớn: tối đa 1 MB."
    client.cookies.set("pf_lang", "en")
    r = send(client, url, files={"file": ("lon.pdf", big, "application/pdf")})
    assert r.status_code == 413 and form_error(r) == "The file is too large: 1 MB at most."

    r = send(client, url, data={"csrf_token": "forged", "note": "Giả mạo"})
    assert r.status_code == 403 and "The form has expired" in r.text
    browse_as(client, org, now, "tt.binh")  # outside the scope: as if it did not exist
    r = send(client, url, data={"note": "Không thấy việc này"})
    assert r.status_code == 404 and "Rà soát thủ tục" not in r.text
    client.cookies.clear()
    r = send(client, url, data={"note": "Chưa đăng nhập"})
    assert r.status_code == 303 and r.headers["location"].startswith("/login")

    org.expire_all()
    assert org.exec(select(Evidence).where(Evidence.work_item_id == item.id)).all() == []
    assert "add_evidence" not in events_of(org, item.id)
    stored = var_dir / "evidence" / str(item.id)
    assert not stored.exists() or list(stored.iterdir()) == []


def test_a_closed_item_takes_no_evidence_and_no_extension_request(
    client: TestClient, org: Session, now: datetime, item: WorkItem
) -> None:
    item.state = "done"
    org.flush()
    browse_as(client, org, now, "cchc.linh")
    assert 'id="evidence-form"' not in client.get(f"/ui/items/{item.id}").text
    r = send(client, f"/ui/items/{item.id}/evidence", data={"note": "Muộn"})
    assert r.status_code == 409 and form_error(r).startswith("Không thể thực hiện")
    r = send(
        client,
        f"/ui/items/{item.id}/extensions",
        data={"requested_due_on": "2026-12-31", "reason": "Muộn"},
    )
    assert r.status_code == 409 and form_error(r) == "Công việc đã kết thúc."


def test_extension_refusals(
    client: TestClient, org: Session, now: datetime, item: WorkItem, sample: Sample
) -> None:
    url = f"/ui/items/{item.id}/extensions"
    browse_as(client, org, now, "cchc.linh")
    cases = [
        (
            {"requested_due_on": "31/13/2026", "reason": "Chờ số liệu"},
            "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 31/05/2026.",
        ),
        (
            {"requested_due_on": "01/03/2026", "reason": "Chờ số liệu"},
            "Hạn đề nghị gia hạn phải từ hôm nay trở đi.",
        ),
        (
            {"requested_due_on": "2026-03-20", "reason": "Chờ số liệu"},
            "Hạn mới đề nghị phải sau hạn xử lý hiện tại.",
        ),
        ({"requested_due_on": "2026-12-31", "reason": " "}, "Cần ghi lý do đề nghị gia hạn."),
    ]
    for data, message in cases:
        r = send(client, url, data=data)
        assert r.status_code == 422 and form_error(r) == message, data
    # The input is kept, shown day first as it is typed.
    assert 'value="20/03/2026"' in send(client, url, data=cases[2][0]).text

    browse_as(client, org, now, "pgd.dong")  # sees the item, may decide, may not ask
    r = send(client, url, data={"requested_due_on": "2026-12-31", "reason": "Thay mặt"})
    assert r.status_code == 403 and form_error(r) == "Bạn không có quyền thực hiện thao tác này."
    browse_as(client, org, now, "tt.binh")
    r = send(client, url, data={"requested_due_on": "2026-12-31", "reason": "Ngoài phạm vi"})
    assert r.status_code == 404
    org.expire_all()
    assert (
        org.exec(select(ExtensionRequest).where(ExtensionRequest.work_item_id == item.id)).all()
        == []
    )

    browse_as(client, org, now, "cchc.linh")
    ok = {"requested_due_on": "2026-12-31", "reason": "Chờ số liệu"}
    assert send(client, url, data=ok).status_code == 303
    r = send(client, url, data=ok)
    assert r.status_code == 422
    assert form_error(r) == "Đã có một đề nghị gia hạn đang chờ quyết định."
    request_id = org.exec(
        select(ExtensionRequest.id).where(ExtensionRequest.work_item_id == item.id)
    ).one()
    decision = f"{url}/{request_id}/decision"

    refuse = {"decision": "refuse", "note": "Chưa đủ lý do"}
    r = send(client, decision, data=refuse)  # the requester
    assert r.status_code == 403
    for username, status in (("vp.cchc", 403), ("tt.binh", 404)):
        browse_as(client, org, now, username)
        assert send(client, decision, data=refuse).status_code == status, username
    browse_as(client, org, now, "cchc.truong")
    r = send(client, decision, data={"decision": "maybe"})
    assert r.status_code == 422 and form_error(r) == "Chọn Đồng ý hoặc Không đồng ý."
    # Another item's request through this item's address: not found.
    r = send(client, f"{url}/{sample.extension['cchc']}/decision", data=refuse)
    assert r.status_code == 404
    org.expire_all()
    assert org.get(ExtensionRequest, sample.extension["cchc"]).status == "pending"  # type: ignore[union-attr]
    assert "extension_refused" not in events_of(org, item.id)

    refused = send(client, decision, data=refuse)
    assert refused.status_code == 303
    r = send(client, decision, data={"decision": "approve"})
    assert r.status_code == 409 and form_error(r) == "Đề nghị gia hạn này đã được quyết định."
    org.expire_all()
    row = org.get(ExtensionRequest, request_id)
    assert row is not None and (row.status, row.decision_note) == ("refused", "Chưa đủ lý do")
    stored = org.get(WorkItem, item.id)
    assert stored is not None and stored.due_at == item.original_due_at
    page = client.get(f"/ui/items/{item.id}").text
    assert 'data-status="refused"' in page and "Hạn ban đầu" not in page
    assert 'id="extension-form"' in page  # none pending: the head (or assignee) may ask anew


def test_comments_form(client: TestClient, org: Session, now: datetime, sample: Sample) -> None:
    item = sample.tcbc_with_cchc  # led by TCBC; CCHC supports
    url = f"/ui/items/{item.id}/comments"
    browse_as(client, org, now, "cchc.nam")  # sees it through his unit, no other relation
    client.cookies.set("pf_lang", "vi")
    r = send(client, url, data={"body": "Phòng CCHC sẽ gửi số liệu\ntrước thứ Sáu."})
    assert r.status_code == 303 and r.headers["location"] == f"/ui/items/{item.id}#thread"
    page = client.get(f"/ui/items/{item.id}").text
    listed = page.split('id="thread-list"', 1)[1]
    assert "Cao Văn Nam" in listed and "Phòng CCHC sẽ gửi số liệu\ntrước thứ Sáu." in listed

    r = send(client, url, data={"body": "   "})
    assert r.status_code == 422 and form_error(r) == "Ý kiến không được để trống."
    client.cookies.set("pf_lang", "en")
    r = send(client, url, data={"body": ""})
    assert r.status_code == 422 and form_error(r) == "A comment needs some text."
    browse_as(client, org, now, "xdcq.mai")  # outside the scope
    assert send(client, url, data={"body": "Xin góp ý"}).status_code == 404
    org.expire_all()
    bodies = org.exec(select(Comment.body).where(Comment.work_item_id == item.id)).all()
    assert bodies == ["Phòng CCHC sẽ gửi số liệu\ntrước thứ Sáu."]


def test_reassign_picks_someone_of_the_lead_unit(
    client: TestClient, org: Session, now: datetime, item: WorkItem
) -> None:
    """'Giao lại' offers the lead unit's other people; without a choice it is refused."""
    url = f"/ui/items/{item.id}/actions/reassign"
    browse_as(client, org, now, "cchc.linh")  # the assignee may not reassign: no picker
    assert 'id="assignee_id"' not in client.get(f"/ui/items/{item.id}").text
    browse_as(client, org, now, "cchc.truong")
    client.cookies.set("pf_lang", "vi")
    page = client.get(f"/ui/items/{item.id}").text
    picker = page.split('id="assignee_id"', 1)[1].split("</select>", 1)[0]
    assert "Cao Văn Nam" in picker  # CCHC's other officer
    assert "Đinh Thị Linh" not in picker  # the current assignee
    assert "Đặng Văn Tuấn" not in picker  # TCBC's head: another unit

    r = send(client, url, data={"version": str(item.version)})
    assert r.status_code == 422 and 'id="action-error"' in r.text
    org.expire_all()
    assert org.get(WorkItem, item.id).assignee_id == user_named(org, "cchc.linh").id

    nam = user_named(org, "cchc.nam")
    outsider = user_named(org, "tcbc.hoa")
    r = send(client, url, data={"version": str(item.version), "assignee_id": str(outsider.id)})
    assert r.status_code == 422
    r = send(client, url, data={"version": str(item.version), "assignee_id": str(nam.id)})
    assert r.status_code == 303
    org.expire_all()
    moved = org.get(WorkItem, item.id)
    assert moved is not None and moved.assignee_id == nam.id and moved.state == "assigned"
    assert "reassign" in events_of(org, item.id)


def test_progress_form_reports_and_refuses_with_the_reason(
    client: TestClient, org: Session, now: datetime, item: WorkItem
) -> None:
    url = f"/ui/items/{item.id}/progress"
    browse_as(client, org, now, "cchc.linh")
    client.cookies.set("pf_lang", "vi")
    r = send(client, url, data={"progress": "30"})
    assert r.status_code == 409  # not accepted yet: the page again with the reason
    assert 'id="progress"' not in client.get(f"/ui/items/{item.id}").text
    assert send(client, f"/ui/items/{item.id}/actions/accept").status_code == 303
    assert 'id="progress"' in client.get(f"/ui/items/{item.id}").text
    r = send(client, url, data={"progress": "nhiều", "comment": "Đang làm"})
    assert r.status_code == 422 and form_error(r) == "Tiến độ là một số phần trăm từ 0 đến 100."
    assert "Đang làm" in r.text  # what was typed is kept
    r = send(client, url, data={"progress": "150"})
    assert r.status_code == 422
    r = send(client, url, data={"progress": "45", "comment": "Xong 9/20 hồ sơ"})
    assert r.status_code == 303 and r.headers["location"] == f"/ui/items/{item.id}#thread"
    org.expire_all()
    row = org.get(WorkItem, item.id)
    assert row is not None and (row.state, row.progress_pct) == ("in_progress", 45)
    page = client.get(f"/ui/items/{item.id}").text
    assert 'id="item-progress"' in page and "45%" in page.split('id="item-progress"', 1)[1]
    assert "Xong 9/20 hồ sơ" in page.split('id="thread-list"', 1)[1]
    assert "· 45%" in client.get("/my").text  # the list shows it too
    browse_as(client, org, now, "cchc.truong")  # the head follows, does not report
    assert send(client, url, data={"progress": "90"}).status_code == 403


def top_action(html: str) -> str:
    """The main action under the title: the action a button takes, or where a link leads."""
    top = re.search(r'<(?:form|p)[^>]*id="top-action"[^>]*>(.*?)</(?:form|p)>', html, re.S)
    assert top, "no main action on the page"
    found = re.search(r'data-primary-action="(\w+)"|href="(#[\w-]+)"', top.group(1))
    assert found
    return found.group(1) or found.group(2)


def test_the_main_action_is_never_one_the_state_machine_refuses(
    client: TestClient, org: Session, now: datetime, item: WorkItem, var_dir: Path
) -> None:
    """In progress without evidence the top of the page offers attaching it (a submit would
    be refused); with evidence, submitting; the head then approves from the top."""
    page = f"/ui/items/{item.id}"
    browse_as(client, org, now, "cchc.linh")
    assert top_action(client.get(page).text) == "accept"
    assert send(client, f"{page}/actions/accept").status_code == 303
    assert top_action(client.get(page).text) == "start"
    assert send(client, f"{page}/progress", data={"progress": "30"}).status_code == 303
    html = client.get(page).text
    assert 'id="item-state">Đang thực hiện<' in html
    assert top_action(html) == "#evidence-form" and 'data-primary-action="submit"' not in html
    assert 'id="top-attach" data-needs-evidence="submit">Gửi sản phẩm, minh chứng<' in html
    assert html.index('id="top-action"') < html.index('class="fields"')
    assert 'id="evidence-form"' in html  # the link's target is on the page
    assert 'id="evidence-next"' not in html
    assert send(client, f"{page}/evidence", data={"note": "Dự thảo"}).status_code == 303
    html = client.get(page).text
    assert top_action(html) == "submit"
    # Where the page returns after attaching (#evidence), submitting is offered too.
    assert 'data-next-action="submit">Trình duyệt<' in html
    assert html.index('id="evidence"') < html.index('id="evidence-next"')
    assert send(client, f"{page}/actions/submit").status_code == 303
    assert 'id="top-action"' not in client.get(page).text  # the reviewer holds it now
    browse_as(client, org, now, "cchc.truong")
    assert top_action(client.get(page).text) == "approve"
