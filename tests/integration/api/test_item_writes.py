"""Assigning, acting (409 / 412 / 403), evidence limits and downloads, extensions, UI buttons."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth import set_password
from tests.integration.api.conftest import Sample, unit_coded, user_named

Auth = Callable[[str], dict[str, str]]


def test_unit_head_assigns_and_officer_works_the_item(
    client: TestClient, org: Session, auth_for: Auth
) -> None:
    cchc = unit_coded(org, "CCHC")
    linh = user_named(org, "cchc.linh")
    body = {
        "title": "Rà soát TTHC quý II",
        "lead_unit_id": cchc.id,
        "assignee_id": linh.id,
        "due_working_days": 10,
        "supporting_unit_ids": [unit_coded(org, "VP").id],
    }
    r = client.post("/items", json=body, headers=auth_for("cchc.truong"))
    assert r.status_code == 201, r.text
    item = r.json()
    assert item["state"] == "assigned" and r.headers["etag"] == '"1"'
    assert {"unit_id": unit_coded(org, "VP").id, "role": "support"} in item["units"]
    # The assignee sees accept/return; the head sees only manager actions.
    mine = client.get(f"/items/{item['id']}", headers=auth_for("cchc.linh")).json()
    assert set(mine["allowed_actions"]) == {"accept", "return"}
    accepted = client.post(
        f"/items/{item['id']}/actions/accept", headers={**auth_for("cchc.linh"), "If-Match": '"1"'}
    )
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["state"] == "accepted" and accepted.headers["etag"] == '"2"'
    # Stale version → 412; state forbids → 409; relation forbids → 403 (item is in scope).
    stale = client.post(
        f"/items/{item['id']}/actions/start", headers={**auth_for("cchc.linh"), "If-Match": '"1"'}
    )
    assert stale.status_code == 412
    assert stale.headers["content-type"] == "application/problem+json"
    again = client.post(f"/items/{item['id']}/actions/accept", headers=auth_for("cchc.linh"))
    assert again.status_code == 409
    assert again.json()["title"] == "Thao tác không hợp lệ ở trạng thái hiện tại"
    foreign = client.post(f"/items/{item['id']}/actions/start", headers=auth_for("cchc.nam"))
    assert foreign.status_code == 404  # not in nam's scope at all
    head = client.post(f"/items/{item['id']}/actions/start", headers=auth_for("cchc.truong"))
    assert head.status_code == 403
    bogus = client.post(f"/items/{item['id']}/actions/fly", headers=auth_for("cchc.linh"))
    assert bogus.status_code == 422


def test_officer_cannot_assign_and_nobody_assigns_outside_their_reach(
    client: TestClient, org: Session, auth_for: Auth
) -> None:
    body = {
        "title": "X",
        "lead_unit_id": unit_coded(org, "XDCQ").id,
        "assignee_id": user_named(org, "xdcq.mai").id,
        "due_working_days": 5,
    }
    assert client.post("/items", json=body, headers=auth_for("cchc.linh")).status_code == 403
    assert client.post("/items", json=body, headers=auth_for("cchc.truong")).status_code == 403
    assert client.post("/items", json=body, headers=auth_for("pgd.lan")).status_code == 201


def test_evidence_upload_limits_and_scoped_download(
    client: TestClient, sample: Sample, auth_for: Auth, app: object
) -> None:
    url = f"/items/{sample.cchc.id}/evidence"
    headers = auth_for("cchc.linh")
    ok = client.post(
        url,
        files={"file": ("bao-cao.pdf", b"%PDF-1.4 minh chung", "application/pdf")},
        data={"note": "Báo cáo kết quả"},
        headers=headers,
    )
    assert ok.status_code == 201, ok.text
    ev = ok.json()
    assert ev["filename"] == "bao-cao.pdf" and ev["size_bytes"] == 19
    html = client.post(url, files={"file": ("x.html", b"<script>", "text/html")}, headers=headers)
    assert html.status_code == 415
    from workflow.settings import get_settings

    big = b"0" * (get_settings().evidence_max_bytes + 1)
    assert (
        client.post(
            url, files={"file": ("big.pdf", big, "application/pdf")}, headers=headers
        ).status_code
        == 413
    )
    download = f"{url}/{ev['id']}/file"
    got = client.get(download, headers=auth_for("cchc.truong"))
    assert got.status_code == 200 and got.content == b"%PDF-1.4 minh chung"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith("attachment")
    assert client.get(download, headers=auth_for("xdcq.mai")).status_code == 404
    # Another item's path with this evidence id: not found either.
    other = f"/items/{sample.tcbc_with_cchc.id}/evidence/{ev['id']}/file"
    assert client.get(other, headers=auth_for("gd.minh")).status_code == 404
    # Path tricks in the name never leave the evidence folder.
    sneaky = client.post(
        url, files={"file": ("../../etc/passwd.txt", b"x", "text/plain")}, headers=headers
    )
    assert sneaky.status_code == 201 and sneaky.json()["filename"] == "passwd.txt"


def test_extension_request_and_decision(client: TestClient, org: Session, auth_for: Auth) -> None:
    body = {
        "title": "Xây dựng báo cáo",
        "lead_unit_id": unit_coded(org, "CCHC").id,
        "assignee_id": user_named(org, "cchc.linh").id,
        "due_on": "2026-03-20",
    }
    item = client.post("/items", json=body, headers=auth_for("cchc.truong")).json()
    req = client.post(
        f"/items/{item['id']}/extensions",
        json={"requested_due_on": "2026-04-10", "reason": "Chờ số liệu các phòng"},
        headers=auth_for("cchc.linh"),
    )
    assert req.status_code == 201, req.text
    decision = f"/items/{item['id']}/extensions/{req.json()['id']}/decision"
    own = client.post(decision, json={"approve": True}, headers=auth_for("cchc.linh"))
    assert own.status_code == 403
    ok = client.post(decision, json={"approve": True}, headers=auth_for("cchc.truong"))
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    detail = client.get(f"/items/{item['id']}", headers=auth_for("cchc.linh")).json()
    assert detail["due_at"].startswith("2026-04-10")
    assert detail["original_due_at"].startswith("2026-03-20")


def test_item_page_buttons_come_from_the_state_table(
    client: TestClient, org: Session, sample: Sample
) -> None:
    set_password(session=org, user=user_named(org, "cchc.linh"), password="mat-khau-nut-bam-1")
    org.flush()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    client.post(
        "/login",
        data={
            "username": "cchc.linh",
            "password": "mat-khau-nut-bam-1",
            "csrf_token": token.group(1),
        },
    )
    item_page = client.get(f"/ui/items/{sample.cchc.id}")
    buttons = set(re.findall(r'data-action="(\w+)"', item_page.text))
    assert buttons == {"accept", "return"}
    # Signing in renewed the CSRF token: the page's forms carry the new one.
    renewed = re.search(r'name="csrf_token" value="([^"]+)"', item_page.text)
    assert renewed and renewed.group(1) != token.group(1)
    r = client.post(
        f"/ui/items/{sample.cchc.id}/actions/accept",
        data={"csrf_token": renewed.group(1), "version": "1"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    after = client.get(f"/ui/items/{sample.cchc.id}")
    assert "Đã tiếp nhận" in after.text
    assert set(re.findall(r'data-action="(\w+)"', after.text)) == {"start"}
    forged = client.post(f"/ui/items/{sample.cchc.id}/actions/start", data={"csrf_token": "forged"})
    assert forged.status_code == 403
