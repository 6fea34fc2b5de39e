"""Report list and downloads (frozen snapshot), notification preferences."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime

import openpyxl
from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.integration.api.conftest import Sample
from workflow.reporting.build import build_report

Auth = Callable[[str], dict[str, str]]


def test_reports_list_and_download(
    client: TestClient, org: Session, now: datetime, sample: Sample, auth_for: Auth
) -> None:
    run = build_report(session=org, now=now, kind="quarterly", period="2025Q4")
    org.flush()
    listed = client.get("/reports", headers=auth_for("gd.minh"))
    assert listed.status_code == 200
    assert [r["id"] for r in listed.json()] == [run.id]
    docx = client.get(f"/reports/{run.id}/docx", headers=auth_for("cchc.truong"))
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert docx.headers["content-disposition"].startswith("attachment")
    xlsx = client.get(f"/reports/{run.id}/xlsx", headers=auth_for("vp.cchc"))
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    assert book.sheetnames
    assert client.get("/reports", headers=auth_for("cchc.linh")).status_code == 403
    assert client.get("/reports/999999/docx", headers=auth_for("gd.minh")).status_code == 404
    assert client.get(f"/reports/{run.id}/odt", headers=auth_for("gd.minh")).status_code == 422


def test_notification_preferences(client: TestClient, org: Session, auth_for: Auth) -> None:
    headers = auth_for("cchc.linh")
    first = client.get("/me/notifications", headers=headers).json()
    assert (first["mode"], first["grouped"]) == ("immediate", True)
    per_event = client.put("/me/notifications", json={"grouped": False}, headers=headers)
    assert per_event.status_code == 200 and per_event.json()["grouped"] is False
    body = {"mode": "digest", "digest_hour": 8, "quiet_start_hour": 21, "quiet_end_hour": 6}
    r = client.put("/me/notifications", json=body, headers=headers)
    assert r.status_code == 200 and r.json()["mode"] == "digest"
    assert client.get("/me/notifications", headers=headers).json()["digest_hour"] == 8
    bad = client.put("/me/notifications", json={"opted_out_kinds": ["escalation"]}, headers=headers)
    assert bad.status_code == 422
