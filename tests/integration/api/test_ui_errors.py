"""Refused actions on the item page come back as the page with a message, never as JSON."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.integration.api.conftest import Sample, signed_in
from workflow.models import WorkItem, WorkItemEvent


def press(client: TestClient, item_id: int | None, action: str, csrf: str, **form: str) -> object:
    return client.post(
        f"/ui/items/{item_id}/actions/{action}",
        data={"csrf_token": csrf, **form},
        follow_redirects=False,
    )


def error_of(r: object) -> str:
    text: str = r.text  # type: ignore[attr-defined]
    assert r.headers["content-type"].startswith("text/html")  # type: ignore[attr-defined]
    found = re.search(r'id="(?:action|page)-error"[^>]*>([^<]+)<', text)
    assert found, text[:500]
    return found.group(1)


def buttons(r: object) -> set[str]:
    return set(re.findall(r'data-action="(\w+)"', r.text))  # type: ignore[attr-defined]


def test_state_conflict_and_stale_version_show_the_current_item(
    client: TestClient, org: Session, sample: Sample
) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    item = sample.cchc.id
    assert press(client, item, "accept", csrf, version="1").status_code == 303  # type: ignore[attr-defined]
    # A second tab still showing version 1 presses "accept" again.
    stale = press(client, item, "accept", csrf, version="1")
    assert stale.status_code == 412  # type: ignore[attr-defined]
    assert "vừa được người khác cập nhật" in error_of(stale)
    assert buttons(stale) == {"start"} and 'value="2"' in stale.text  # type: ignore[attr-defined]
    conflict = press(client, item, "accept", csrf)
    assert conflict.status_code == 409  # type: ignore[attr-defined]
    assert error_of(conflict).startswith("Không thể thực hiện thao tác này ở trạng thái")
    assert 'id="item-state">Đã tiếp nhận<' in conflict.text  # type: ignore[attr-defined]


def test_not_allowed_and_missing_reason_write_nothing(
    client: TestClient, org: Session, sample: Sample
) -> None:
    item = sample.cchc
    csrf = signed_in(client, org, "cchc.truong")
    refused = press(client, item.id, "accept", csrf)  # only the assignee accepts
    assert refused.status_code == 403  # type: ignore[attr-defined]
    assert error_of(refused) == "Bạn không có quyền thực hiện thao tác này."
    client.cookies.clear()
    csrf = signed_in(client, org, "cchc.linh")
    no_reason = press(client, item.id, "return", csrf, comment="  ")
    assert no_reason.status_code == 422  # type: ignore[attr-defined]
    assert "cần ghi lý do" in error_of(no_reason)
    org.expire_all()
    assert org.get(WorkItem, item.id).state == "assigned"  # type: ignore[union-attr]
    events = org.exec(select(WorkItemEvent).where(WorkItemEvent.work_item_id == item.id)).all()
    assert [e.action for e in events if e.action in ("accept", "return")] == []


def test_messages_follow_the_language_switch(
    client: TestClient, org: Session, sample: Sample
) -> None:
    csrf = signed_in(client, org, "cchc.truong")
    client.cookies.set("pf_lang", "en")
    r = press(client, sample.cchc.id, "accept", csrf)
    assert r.status_code == 403  # type: ignore[attr-defined]
    assert error_of(r) == "You are not allowed to take this action."


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_forged_form_gets_a_page_not_json(
    client: TestClient, org: Session, sample: Sample, lang: str
) -> None:
    signed_in(client, org, "cchc.linh")
    client.cookies.set("pf_lang", lang)
    r = press(client, sample.cchc.id, "accept", "forged")
    assert r.status_code == 403  # type: ignore[attr-defined]
    expected = {"vi": "Phiên làm việc của biểu mẫu đã hết hạn", "en": "The form has expired"}
    assert error_of(r).startswith(expected[lang])
    # The JSON API keeps answering problem+json.
    api = client.post(f"/items/{sample.cchc.id}/actions/accept", headers={"X-CSRF-Token": "x"})
    assert api.headers["content-type"] == "application/problem+json"


def test_item_page_names_people_and_events_and_marks_reasons(
    client: TestClient, org: Session, sample: Sample
) -> None:
    csrf = signed_in(client, org, "cchc.linh")
    page = client.get(f"/ui/items/{sample.cchc.id}")
    assert "Trả lại *" in page.text and "Tiếp nhận *" not in page.text
    assert press(client, sample.cchc.id, "accept", csrf).status_code == 303  # type: ignore[attr-defined]
    history = thread_text(client.get(f"/ui/items/{sample.cchc.id}").text)
    assert "Đinh Thị Linh" in history and "Tiếp nhận → Đã tiếp nhận" in history
    client.cookies.set("pf_lang", "en")
    history = thread_text(client.get(f"/ui/items/{sample.cchc.id}").text)
    assert "Accept → Accepted" in history and "accept" not in history


def thread_text(page: str) -> str:
    """The item's thread as a reader sees it: text without tags, spaces collapsed."""
    thread = page.split('id="thread-list"', 1)[1].split("</ol>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", thread.split(">", 1)[1]).split())
