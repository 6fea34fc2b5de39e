"""Distributing plan tasks to units over HTTP: `PUT /plans/tasks/{id}/units` (problem+json on
refusals) and the plan page's "Phân công" form (`/ui/tasks/{id}/units`), on the sample plan."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.conftest import SAMPLE_PLAN
from tests.integration.api.conftest import unit_coded
from tests.integration.api.test_item_page_forms import CSRF, browse_as
from workflow.importer import parse_document, upsert_plan
from workflow.models import PlanTask, Unit

Headers = Callable[[str], dict[str, str]]


@dataclass
class SamplePlan:
    plan_id: int
    leaf: PlanTask  # 2.bca2c8a3, an administrative procedure task
    heading: PlanTask  # 1.530222e1, carried by its three sub-tasks
    sub: PlanTask  # one of them


@pytest.fixture
def plan(org: Session, now: datetime) -> SamplePlan:
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    result = upsert_plan(session=org, tree=tree, now=now, source=SAMPLE_PLAN.name)
    tasks = {t.key: t for t in org.exec(select(PlanTask)).all()}
    return SamplePlan(
        plan_id=result.plan_id or 0,
        leaf=tasks["2.bca2c8a3"],
        heading=tasks["1.530222e1"],
        sub=tasks["1.530222e1.2c2be0c0"],
    )


def units_of(org: Session, task: PlanTask) -> tuple[str | None, list[str]]:
    org.expire_all()
    row = org.get(PlanTask, task.id)
    assert row is not None
    lead = org.get(Unit, row.lead_unit_id) if row.lead_unit_id else None
    return (lead.code if lead else None), list(row.supporting_unit_codes)


def problem(r: httpx.Response, status: int) -> dict[str, object]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, object] = r.json()
    assert body["status"] == status
    return body


# --- the API -------------------------------------------------------------------------------------


def test_the_coordinator_puts_a_tasks_units(
    client: TestClient, org: Session, plan: SamplePlan, auth_for: Headers
) -> None:
    cchc, vp, tcbc = (unit_coded(org, c).id for c in ("CCHC", "VP", "TCBC"))
    r = client.put(
        f"/plans/tasks/{plan.leaf.id}/units",
        json={"lead_unit_id": cchc, "supporting_unit_ids": [vp, tcbc]},
        headers=auth_for("vp.cchc"),
    )
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": plan.leaf.id,
        "plan_id": plan.plan_id,
        "key": "2.bca2c8a3",
        "lead_unit_id": cchc,
        "supporting_unit_ids": [vp, tcbc],
        "supporting_unit_codes": ["VP", "TCBC"],
        "changed": True,
    }
    assert units_of(org, plan.leaf) == ("CCHC", ["VP", "TCBC"])
    tree = client.get(f"/plans/{plan.plan_id}", headers=auth_for("cchc.linh")).json()
    [task] = [t for a in tree["areas"] for t in a["tasks"] if t["id"] == plan.leaf.id]
    assert (task["lead_unit_id"], task["supporting_unit_codes"]) == (cchc, ["VP", "TCBC"])
    # The director clears the supporting units.
    r = client.put(
        f"/plans/tasks/{plan.leaf.id}/units",
        json={"lead_unit_id": cchc, "supporting_unit_ids": []},
        headers=auth_for("gd.minh"),
    )
    assert r.status_code == 200 and r.json()["changed"] is True
    assert units_of(org, plan.leaf) == ("CCHC", [])


@pytest.mark.parametrize("username", ["cchc.truong", "pgd.dong", "cchc.linh"])
def test_others_get_403_problem(
    client: TestClient, org: Session, plan: SamplePlan, auth_for: Headers, username: str
) -> None:
    r = client.put(
        f"/plans/tasks/{plan.leaf.id}/units",
        json={"lead_unit_id": unit_coded(org, "CCHC").id, "supporting_unit_ids": []},
        headers=auth_for(username),
    )
    problem(r, 403)
    assert units_of(org, plan.leaf) == (None, [])


def test_bad_units_get_422_problem_and_change_nothing(
    client: TestClient, org: Session, plan: SamplePlan, auth_for: Headers
) -> None:
    cchc = unit_coded(org, "CCHC").id
    url = f"/plans/tasks/{plan.leaf.id}/units"
    headers = auth_for("vp.cchc") | {"Accept-Language": "en"}
    both = client.put(
        url, json={"lead_unit_id": cchc, "supporting_unit_ids": [cchc]}, headers=headers
    )
    body = problem(both, 422)
    assert body["title"] == "Invalid input" and "cannot both lead and support" in str(
        body["detail"]
    )
    unknown = client.put(
        url, json={"lead_unit_id": 999_999, "supporting_unit_ids": []}, headers=headers
    )
    assert "unknown unit 999999" in str(problem(unknown, 422)["detail"])
    missing = client.put(url, json={"supporting_unit_ids": []}, headers=headers)
    problem(missing, 422)  # the lead unit must be said, null to clear it
    assert units_of(org, plan.leaf) == (None, [])


def test_a_withdrawn_task_is_409_and_a_missing_one_404(
    client: TestClient, org: Session, plan: SamplePlan, auth_for: Headers
) -> None:
    plan.leaf.status = "withdrawn"
    org.flush()
    body = {"lead_unit_id": unit_coded(org, "CCHC").id, "supporting_unit_ids": []}
    r = client.put(f"/plans/tasks/{plan.leaf.id}/units", json=body, headers=auth_for("vp.cchc"))
    assert "withdrawn" in str(problem(r, 409)["detail"])
    r = client.put("/plans/tasks/987654/units", json=body, headers=auth_for("vp.cchc"))
    problem(r, 404)


# --- the plan page and the form ------------------------------------------------------------------


def links(client: TestClient, plan_id: int, kind: str) -> set[int]:
    page = client.get(f"/ui/plans/{plan_id}")
    assert page.status_code == 200
    pattern = rf'class="{kind}" href="[^"]+" data-task-id="(\d+)"'
    return {int(i) for i in re.findall(pattern, page.text)}


def row_units(client: TestClient, plan_id: int, task_id: int | None) -> str | None:
    """The units text of a task's row on the plan page, tags removed (None if not shown)."""
    page = client.get(f"/ui/plans/{plan_id}")
    found = re.search(
        rf'<span class="task-units muted" data-task-id="{task_id}">(.*?)</span>(?=\s*<|$)',
        page.text,
        re.S,
    )
    return " ".join(re.sub(r"<[^>]+>", "", found.group(1)).split()) if found else None


def test_the_plan_page_offers_the_form_to_who_distributes(
    client: TestClient, org: Session, now: datetime, plan: SamplePlan
) -> None:
    browse_as(client, org, now, "vp.cchc")
    offered = links(client, plan.plan_id, "units-link")
    assert plan.leaf.id in offered and plan.sub.id in offered
    assert plan.heading.id not in offered  # its sub-tasks carry the work
    assert len(offered) == 25  # every leaf of the sample plan
    assert row_units(client, plan.plan_id, plan.leaf.id) == "[Đơn vị chủ trì: chưa phân công]"
    browse_as(client, org, now, "cchc.linh")
    assert links(client, plan.plan_id, "units-link") == set()
    # Nothing distributed yet: an officer's page shows no units at all.
    assert row_units(client, plan.plan_id, plan.leaf.id) is None


def test_the_coordinator_distributes_a_task_from_the_form(
    client: TestClient, org: Session, now: datetime, plan: SamplePlan
) -> None:
    cchc, vp, tcbc = (unit_coded(org, c).id for c in ("CCHC", "VP", "TCBC"))
    browse_as(client, org, now, "cchc.truong")
    assert plan.leaf.id not in links(client, plan.plan_id, "assign-link")
    browse_as(client, org, now, "vp.cchc")
    form = client.get(f"/ui/tasks/{plan.leaf.id}/units")
    assert form.status_code == 200
    assert "Phân công đơn vị chủ trì, phối hợp" in form.text
    assert '<option value="" selected' not in form.text and " selected>" not in form.text
    r = client.post(
        f"/ui/tasks/{plan.leaf.id}/units",
        data={
            "csrf_token": CSRF,
            "lead_unit_id": str(cchc),
            "supporting_unit_ids": [str(tcbc), str(vp)],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    assert r.headers["location"] == f"/ui/plans/{plan.plan_id}#task-{plan.leaf.id}"
    assert units_of(org, plan.leaf) == ("CCHC", ["TCBC", "VP"])  # in the form's order
    # The form shows what was saved.
    again = client.get(f"/ui/tasks/{plan.leaf.id}/units").text
    assert f'<option value="{cchc}" selected>' in again
    assert f'name="supporting_unit_ids" value="{tcbc}" checked' in again
    assert f'name="supporting_unit_ids" value="{cchc}" checked' not in again
    # Everybody sees the units on the row, in their language; CCHC's head may now assign it.
    browse_as(client, org, now, "cchc.truong")
    assert row_units(client, plan.plan_id, plan.leaf.id) == (
        "[Đơn vị chủ trì: Phòng Cải cách hành chính; Đơn vị phối hợp: Phòng Tổ chức biên"
        " chế, Văn phòng]"
    )
    assert plan.leaf.id in links(client, plan.plan_id, "assign-link")
    assert links(client, plan.plan_id, "units-link") == set()
    client.cookies.set("pf_lang", "en")
    assert row_units(client, plan.plan_id, plan.leaf.id) == (
        "[Lead unit: Administrative Reform Division; Supporting units: Organisation and"
        " Staffing Division, Office]"
    )


@pytest.mark.parametrize(
    ("lang", "data", "message"),
    [
        ("vi", {"lead_unit_id": "{CCHC}", "supporting_unit_ids": ["{CCHC}"]}, "không đồng thời"),
        ("en", {"lead_unit_id": "{CCHC}", "supporting_unit_ids": ["{CCHC}"]}, "cannot also be"),
        ("vi", {"lead_unit_id": "999999"}, "Đơn vị không tồn tại."),
        ("en", {"lead_unit_id": "{CCHC}", "supporting_unit_ids": ["abc"]}, "does not exist"),
    ],
)
def test_a_refused_form_comes_back_with_the_reason(
    client: TestClient,
    org: Session,
    now: datetime,
    plan: SamplePlan,
    lang: str,
    data: dict[str, object],
    message: str,
) -> None:
    cchc = str(unit_coded(org, "CCHC").id)

    def fill(value: object) -> object:
        if isinstance(value, list):
            return [fill(v) for v in value]
        return str(value).replace("{CCHC}", cchc)

    browse_as(client, org, now, "vp.cchc")
    client.cookies.set("pf_lang", lang)
    form = {"csrf_token": CSRF, **{k: fill(v) for k, v in data.items()}}
    r = client.post(f"/ui/tasks/{plan.leaf.id}/units", data=form, follow_redirects=False)
    assert r.status_code == 422
    error = re.search(r'id="units-error"[^>]*>([^<]+)<', r.text)
    assert error and message in error.group(1)
    assert 'id="units-form"' in r.text
    assert units_of(org, plan.leaf) == (None, [])


def test_the_form_refuses_others_and_withdrawn_tasks(
    client: TestClient, org: Session, now: datetime, plan: SamplePlan
) -> None:
    cchc = str(unit_coded(org, "CCHC").id)
    browse_as(client, org, now, "cchc.truong")
    assert client.get(f"/ui/tasks/{plan.leaf.id}/units").status_code == 403
    r = client.post(
        f"/ui/tasks/{plan.leaf.id}/units",
        data={"csrf_token": CSRF, "lead_unit_id": cchc},
        follow_redirects=False,
    )
    assert r.status_code == 403 and "Bạn không có quyền" in r.text
    assert units_of(org, plan.leaf) == (None, [])
    browse_as(client, org, now, "vp.cchc")
    # Without the CSRF token nothing is written either.
    r = client.post(
        f"/ui/tasks/{plan.leaf.id}/units", data={"lead_unit_id": cchc}, follow_redirects=False
    )
    assert r.status_code == 403 and units_of(org, plan.leaf) == (None, [])
    assert client.get("/ui/tasks/987654/units").status_code == 404
    plan.leaf.status = "withdrawn"
    org.flush()
    page = client.get(f"/ui/tasks/{plan.leaf.id}/units")
    assert page.status_code == 409 and "đã bị rút khỏi kế hoạch" in page.text
    r = client.post(
        f"/ui/tasks/{plan.leaf.id}/units",
        data={"csrf_token": CSRF, "lead_unit_id": cchc},
        follow_redirects=False,
    )
    assert r.status_code == 409 and units_of(org, plan.leaf) == (None, [])


def test_signed_out_goes_to_login(client: TestClient, plan: SamplePlan) -> None:
    r = client.get(f"/ui/tasks/{plan.leaf.id}/units", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")
