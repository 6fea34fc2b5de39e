"""Chase (đôn đốc) through the API and the item page: it follows the state table."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth import set_password
from tests.integration.api.conftest import Sample, user_named


def test_chase_via_api_follows_the_table(
    client: TestClient, org: Session, sample: Sample, auth_for: Callable[[str], dict[str, str]]
) -> None:
    url = f"/items/{sample.cchc.id}/actions/chase"
    assert client.post(url, headers=auth_for("cchc.linh"), json={"comment": "x"}).status_code == 403
    assert client.post(url, headers=auth_for("gd.minh")).status_code == 422  # needs a comment
    ok = client.post(url, headers=auth_for("gd.minh"), json={"comment": "Khẩn trương"})
    assert ok.status_code == 200 and ok.json()["state"] == "assigned"
    assert "chase" in ok.json()["allowed_actions"]
    sample.xdcq.state = "paused"
    org.add(sample.xdcq)
    org.flush()
    paused = f"/items/{sample.xdcq.id}/actions/chase"
    assert (
        client.post(paused, headers=auth_for("gd.minh"), json={"comment": "x"}).status_code == 409
    )


def test_the_head_sees_a_chase_button(client: TestClient, org: Session, sample: Sample) -> None:
    set_password(session=org, user=user_named(org, "cchc.truong"), password="mat-khau-don-doc-1")
    org.flush()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token
    client.post(
        "/login",
        data={"username": "cchc.truong", "password": "mat-khau-don-doc-1", "csrf_token": token[1]},
    )
    page = client.get(f"/ui/items/{sample.cchc.id}")
    assert 'data-action="chase"' in page.text and "Đôn đốc" in page.text
