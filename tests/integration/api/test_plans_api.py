"""Plan import upload (dry-run preview, then write), the tree, indicators and readings."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from tests.conftest import SAMPLE_PLAN

Auth = Callable[[str], dict[str, str]]


def _upload(client: TestClient, headers: dict[str, str], dry_run: bool) -> object:
    return client.post(
        "/plans/import",
        files={"file": (SAMPLE_PLAN.name, SAMPLE_PLAN.read_bytes(), "text/plain")},
        data={"dry_run": str(dry_run).lower()},
        headers=headers,
    )


def test_import_preview_then_write_then_read_the_tree(client: TestClient, auth_for: Auth) -> None:
    coordinator = auth_for("vp.cchc")
    assert _upload(client, auth_for("cchc.linh"), True).status_code == 403
    preview = _upload(client, coordinator, True)
    assert preview.status_code == 200, preview.text
    assert preview.json()["dry_run"] and preview.json()["created"]
    assert client.get("/plans", headers=coordinator).json() == []
    written = _upload(client, coordinator, False).json()
    plan_id = written["plan_id"]
    assert plan_id and written["created"] == preview.json()["created"]
    tree = client.get(f"/plans/{plan_id}", headers=auth_for("cchc.linh")).json()
    assert len(tree["areas"]) == 6
    indicators = client.get(f"/plans/{plan_id}/indicators", headers=auth_for("xdcq.mai")).json()
    assert indicators and indicators[0]["targets"]
    ind = indicators[0]["id"]
    url = f"/plans/indicators/{ind}/readings"
    body = {"value": 72.5, "as_of": "2026-02-28", "note": "Số liệu quý I"}
    assert client.post(url, json=body, headers=auth_for("cchc.linh")).status_code == 403
    assert client.post(url, json=body, headers=coordinator).status_code == 201
    again = client.get(f"/plans/{plan_id}/indicators", headers=coordinator).json()
    assert again[0]["latest"]["value"] == 72.5
    assert client.get("/plans/999999", headers=coordinator).status_code == 404


def test_readings_through_the_api_follow_the_service_rules(
    client: TestClient, auth_for: Auth
) -> None:
    """The API records through workflow.services.indicators: the web page's rules."""
    written = _upload(client, auth_for("vp.cchc"), False).json()
    indicators = client.get(f"/plans/{written['plan_id']}/indicators", headers=auth_for("vp.cchc"))
    percent = next(i for i in indicators.json() if i["measure_unit"] == "%")
    url = f"/plans/indicators/{percent['id']}/readings"
    for body in (
        {"value": 150, "as_of": "2026-02-28"},  # a percentage above 100
        {"value": 50, "as_of": "2026-03-03"},  # after today (02/03/2026)
        {"value": 50, "as_of": "2020-12-31"},  # before the plan's 2021-2030
    ):
        r = client.post(url, json=body, headers=auth_for("vp.cchc"))
        assert r.status_code == 422, (body, r.text)
        assert r.headers["content-type"] == "application/problem+json"
    body = {"value": 50, "as_of": "2026-02-28"}
    assert client.post(url, json=body, headers=auth_for("vp.admin")).status_code == 201
    assert [r["value"] for r in client.get(url, headers=auth_for("cchc.linh")).json()] == [50]


def test_a_refused_plan_is_problem_json_naming_the_line_and_writes_nothing(
    client: TestClient, auth_for: Auth
) -> None:
    coordinator = auth_for("vp.cchc")
    text = SAMPLE_PLAN.read_text(encoding="utf-8")
    task = next(line for line in text.splitlines() if line.startswith("- Tăng cường tự kiểm"))
    first = text.splitlines().index(task) + 1
    doubled = text.replace("## 2. Cải cách thủ tục hành chính", f"{task}\n\n## 2. Cải cách thủ tục")
    r = client.post(
        "/plans/import",
        files={"file": ("plan.md", doubled.encode(), "text/plain")},
        data={"dry_run": "false"},
        headers=coordinator,
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == "application/problem+json"
    second = doubled.splitlines().index(task, first) + 1
    assert f"line {second}: the same task as line {first}" in r.json()["detail"]
    assert client.get("/plans", headers=coordinator).json() == []
