"""Every page form is read by the API's body model (api/schemas/forms.py): bad input of each
kind (a missing field, a wrong type, too long, a past date, an id the user may not touch)
comes back as the page with the reason, never a 500, and writes nothing; the same input
sent to the JSON API is refused by the same model (422).

`now` is Monday 02/03/2026, 09:00 in Hanoi.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from tests.integration.api.conftest import make_item, unit_coded, user_named
from tests.integration.api.test_assign_page import (  # noqa: F401  (the fixture)
    Tasks,
    errors_of,
    form_data,
    items,
    tasks,
)
from tests.integration.api.test_indicator_pages import (  # noqa: F401  (the fixture)
    SamplePlan,
    plan,
    readings,
)
from tests.integration.api.test_item_page_forms import CSRF, browse_as
from tests.integration.test_plan_issue import ROWS, load
from workflow.models import CalendarOverride, PlanTask, ReportRun, WorkItem

Headers = Callable[[str], dict[str, str]]


def post(client: TestClient, url: str, data: dict[str, object]) -> httpx.Response:
    return client.post(url, data={"csrf_token": CSRF, **data}, follow_redirects=False)


def shown_error(r: httpx.Response, element_id: str) -> str:
    """The text of the page's error block `element_id` (tags dropped)."""
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</div>', r.text, re.S)
    assert found, r.text[:600]
    return " ".join(re.sub(r"<[^>]+>", " ", found.group(1)).split())


# ---------------------------------------------------------------- Giao việc


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "   "}, "Chưa nhập nội dung công việc."),  # missing
        ({"due_on": "", "due_working_days": "ba"}, "Số ngày làm việc phải là số nguyên"),  # type
        ({"due_on": "", "due_working_days": "4000"}, "Số ngày làm việc phải là số nguyên"),
        ({"assignee_id": "linh"}, "Chưa chọn người xử lý."),
        ({"priority": "urgent!"}, "Mức độ ưu tiên không hợp lệ."),
        ({"title": "x" * 501}, "Nội dung quá dài"),  # too long
        ({"description": "x" * 20001}, "Nội dung quá dài"),
        ({"evidence_required": "x" * 5001}, "Nội dung quá dài"),
        ({"start_on": "2026-02-30"}, "Ngày bắt đầu chưa nhập hoặc không hợp lệ."),
        ({"start_on": "1700000000"}, "Ngày bắt đầu chưa nhập hoặc không hợp lệ."),
        ({"start_on": "01/01/1999"}, "Ngày bắt đầu chưa nhập hoặc không hợp lệ."),
        ({"start_on": "2026-02-02", "due_on": "27/02/2026"}, "Hạn xử lý là một ngày đã qua"),
        ({"supporting_unit_ids": ["999999"]}, "Có đơn vị phối hợp hoặc nhận để biết"),  # foreign
        ({"informed_unit_ids": ["-3"]}, "Có đơn vị phối hợp hoặc nhận để biết"),
    ],
)
def test_assign_form_refusals(
    client: TestClient,
    org: Session,
    now: datetime,
    tasks: Tasks,  # noqa: F811
    changes: dict[str, object],
    message: str,
) -> None:
    browse_as(client, org, now, "cchc.truong")
    r = post(client, f"/ui/tasks/{tasks.cchc}/assign", form_data(org, CSRF, **changes))
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert any(e.startswith(message) for e in errors_of(r.text)), errors_of(r.text)
    assert items(org) == []


def test_assign_form_to_someone_of_another_unit_or_a_unit_out_of_scope(
    client: TestClient,
    org: Session,
    now: datetime,
    tasks: Tasks,  # noqa: F811
) -> None:
    browse_as(client, org, now, "cchc.truong")
    other = str(user_named(org, "tcbc.hoa").id)
    r = post(client, f"/ui/tasks/{tasks.cchc}/assign", form_data(org, CSRF, assignee_id=other))
    assert r.status_code == 422
    assert errors_of(r.text) == ["Người xử lý phải là cán bộ đang hoạt động của đơn vị chủ trì."]
    # Another unit as the lead unit: not this head's to give (403, as the API).
    tcbc = str(unit_coded(org, "TCBC").id)
    r = post(client, f"/ui/tasks/{tasks.cchc}/assign", form_data(org, CSRF, lead_unit_id=tcbc))
    assert r.status_code == 403
    assert items(org) == []


def test_assign_form_lists_field_and_cross_field_mistakes_together(
    client: TestClient,
    org: Session,
    now: datetime,
    tasks: Tasks,  # noqa: F811
) -> None:
    browse_as(client, org, now, "cchc.truong")
    data = form_data(org, CSRF, title="x" * 600, due_on="31/02/2026", due_working_days="5")
    r = post(client, f"/ui/tasks/{tasks.cchc}/assign", data)
    assert r.status_code == 422
    assert errors_of(r.text) == [
        "Nội dung quá dài: tên công việc tối đa 500 ký tự, mô tả 20.000, sản phẩm 5.000.",
        "Chỉ nhập một trong hai: hạn xử lý hoặc số ngày làm việc.",
        "Hạn xử lý không phải ngày hợp lệ.",
    ]
    assert items(org) == []


# ---------------------------------------------------------------- calendar


@pytest.mark.parametrize(
    ("form", "messages"),
    [
        ({"day": "", "kind": "off", "reason": "QĐ 1"}, ["Ngày không hợp lệ"]),  # missing
        ({"day": "2026-04-30", "kind": "nghi", "reason": "QĐ 1"}, ["Chọn ngày này là ngày"]),
        ({"day": "2026-04-30", "kind": "off", "reason": "   "}, ["Cần ghi lý do"]),
        ({"day": "2026-04-30", "kind": "off", "reason": "x" * 501}, ["Lý do quá dài"]),  # long
        ({"day": "30/02/2026", "kind": "off", "reason": "QĐ 1"}, ["Ngày không hợp lệ"]),
        ({"day": "1/1/1999", "kind": "off", "reason": "QĐ 1"}, ["Ngày không hợp lệ"]),
        ({"day": "x", "kind": "", "reason": ""}, ["Ngày không", "Chọn ngày này", "Cần ghi lý do"]),
    ],
)
def test_calendar_form_refusals(
    client: TestClient, org: Session, now: datetime, form: dict[str, str], messages: list[str]
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = post(client, "/ui/calendar/overrides", {**form, "year": "2026"})
    assert r.status_code == 422
    shown = shown_error(r, "calendar-error")
    assert all(m in shown for m in messages), shown
    assert org.exec(select(CalendarOverride)).all() == []


def test_calendar_remove_refusals(client: TestClient, org: Session, now: datetime) -> None:
    browse_as(client, org, now, "vp.cchc")
    for day in ("", "31/04/2026", "20260430"):
        r = post(client, "/ui/calendar/overrides/remove", {"day": day, "year": "2026"})
        assert r.status_code == 422 and "Ngày không hợp lệ" in shown_error(r, "calendar-error")
    # The coordinator's form, sent by an officer: refused whatever the day.
    browse_as(client, org, now, "cchc.linh")
    r = post(client, "/ui/calendar/overrides", {"day": "2026-04-30", "kind": "off", "reason": "Q"})
    assert r.status_code == 403
    assert org.exec(select(CalendarOverride)).all() == []


def test_calendar_page_and_api_share_the_model(
    client: TestClient, org: Session, now: datetime, auth_for: Headers
) -> None:
    body = {"day": "2026-04-30", "is_working": False, "reason": "x" * 501}
    api = client.post("/calendar/overrides", json=body, headers=auth_for("vp.cchc"))
    assert api.status_code == 422
    browse_as(client, org, now, "vp.cchc")
    page = post(client, "/ui/calendar/overrides", {"day": "30/04/2026", "kind": "off", **body})
    assert page.status_code == 422 and "Lý do quá dài" in shown_error(page, "calendar-error")


# ---------------------------------------------------------------- indicator readings


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"as_of": "", "value": "50"}, "Ngày số liệu không hợp lệ"),  # missing
        ({"as_of": "2026-02-27", "value": ""}, "Giá trị phải là một số"),
        ({"as_of": "2026-02-27", "value": "năm mươi"}, "Giá trị phải là một số"),  # type
        ({"as_of": "2026-02-27", "value": "1e5"}, "Giá trị phải là một số"),
        ({"as_of": "2026-02-27", "value": "nan"}, "Giá trị phải là một số"),
        ({"as_of": "2026-02-27", "value": "9999999999999"}, "Giá trị quá lớn."),
        ({"as_of": "2026-02-27", "value": "50", "note": "x" * 2001}, "dài quá 2000 ký tự"),
        ({"as_of": "1699920000", "value": "50"}, "Ngày số liệu không hợp lệ"),
    ],
)
def test_reading_form_refusals(
    client: TestClient,
    org: Session,
    now: datetime,
    plan: SamplePlan,  # noqa: F811
    form: dict[str, str],
    message: str,
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = post(client, f"/ui/indicators/{plan.satisfaction}/readings", dict(form))
    assert r.status_code == 422
    assert message in shown_error(r, "reading-error")
    assert readings(org, plan.satisfaction) == 0


def test_reading_of_an_indicator_that_is_not_there(
    client: TestClient,
    org: Session,
    now: datetime,
    plan: SamplePlan,  # noqa: F811
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = post(client, "/ui/indicators/999999/readings", {"as_of": "2026-02-27", "value": "50"})
    assert r.status_code == 404
    assert post(client, "/ui/indicators/0/readings", {"value": "50"}).status_code == 422
    assert readings(org, plan.satisfaction) == 0


# ---------------------------------------------------------------- Phân công


@pytest.fixture
def leaf(org: Session, now: datetime) -> PlanTask:
    load(org, ROWS, now)
    task = org.exec(select(PlanTask).where(col(PlanTask.parent_id).is_(None))).first()
    assert task is not None
    return task


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"lead_unit_id": "CCHC"}, "Đơn vị không tồn tại."),  # wrong type
        ({"lead_unit_id": "999999"}, "Đơn vị không tồn tại."),  # foreign
        ({"supporting_unit_ids": ["1", "x"]}, "Đơn vị không tồn tại."),
        ({"supporting_unit_ids": [str(i) for i in range(1, 102)]}, "Không lưu được phân công."),
    ],
)
def test_units_form_refusals(
    client: TestClient,
    org: Session,
    now: datetime,
    leaf: PlanTask,
    form: dict[str, object],
    message: str,
) -> None:
    before = (leaf.lead_unit_id, list(leaf.supporting_unit_codes or []))
    browse_as(client, org, now, "vp.cchc")
    r = post(client, f"/ui/tasks/{leaf.id}/units", form)
    assert r.status_code == 422 and message in shown_error(r, "units-error")
    org.expire_all()
    row = org.get(PlanTask, leaf.id)
    assert row is not None
    assert (row.lead_unit_id, list(row.supporting_unit_codes or [])) == before


def test_units_form_by_someone_who_may_not(
    client: TestClient, org: Session, now: datetime, leaf: PlanTask
) -> None:
    browse_as(client, org, now, "cchc.truong")
    cchc = str(unit_coded(org, "CCHC").id)
    r = post(client, f"/ui/tasks/{leaf.id}/units", {"lead_unit_id": cchc})
    assert r.status_code == 403 and "Bạn không có quyền thực hiện thao tác này." in r.text
    assert post(client, "/ui/tasks/999999/units", {"lead_unit_id": cchc}).status_code == 404


# ---------------------------------------------------------------- Ban hành kế hoạch


def test_issue_form_refusals(client: TestClient, org: Session, now: datetime) -> None:
    issued = load(org, ROWS, now)
    browse_as(client, org, now, "vp.cchc")
    first = org.exec(
        select(PlanTask.id).where(PlanTask.text == "Rà soát văn bản quy phạm pháp luật")
    ).one()
    url = f"/ui/plans/{issued.id}/issue"
    for data, message in (
        ({f"due_{first}": "1699920000"}, "không đúng định dạng"),  # a number is not a day
        ({f"due_{first}": "01/01/1999"}, "không đúng định dạng"),
        ({f"assignee_{first}": "linh"}, "cán bộ của đơn vị chủ trì"),  # wrong type
        ({f"assignee_{first}": "99999999999"}, "cán bộ của đơn vị chủ trì"),
    ):
        r = post(client, url, data)
        assert r.status_code == 422 and message in r.text, data
    browse_as(client, org, now, "cchc.linh")
    assert post(client, url, {}).status_code == 403
    assert org.exec(select(WorkItem)).all() == []


# ---------------------------------------------------------------- Lập báo cáo ngay


@pytest.mark.parametrize(
    "form",
    [
        {"kind": "", "period": "2026-W09"},  # missing
        {"kind": "weekly", "period": ""},
        {"kind": "hourly", "period": "2026-W09"},  # wrong value
        {"kind": "weekly", "period": "2026-W" + "9" * 40},  # too long
        {"kind": "quarterly", "period": "2026Q7"},
    ],
)
def test_report_build_refusals(
    client: TestClient, org: Session, now: datetime, form: dict[str, str]
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = post(client, "/ui/reports/build", dict(form))
    assert r.status_code == 422 and "Không lập được báo cáo" in r.text
    assert org.exec(select(ReportRun)).all() == []


# ---------------------------------------------------------------- mail settings


def test_half_quiet_hours_are_refused_by_the_page_and_the_api_alike(
    client: TestClient, org: Session, now: datetime, auth_for: Headers
) -> None:
    body = {"mode": "immediate", "digest_hour": 7, "quiet_start_hour": 21}
    api = client.put("/me/notifications", json=body, headers=auth_for("cchc.linh"))
    assert api.status_code == 422
    browse_as(client, org, now, "cchc.linh")
    for bad in ({"quiet_end_hour": "6"}, {"digest_hour": "7h"}, {"mode": "weekly"}):
        r = post(client, "/ui/settings/notifications", {"mode": "immediate", **bad})
        assert r.status_code == 400 and "Chưa lưu gì." in shown_error(r, "settings-error"), bad
    assert (
        client.get("/me/notifications", headers=auth_for("cchc.linh")).json()["quiet_start_hour"]
        is None
    )


# ---------------------------------------------------------------- an item's action buttons


def test_action_form_refusals(client: TestClient, org: Session, now: datetime) -> None:
    item = make_item(org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong")
    browse_as(client, org, now, "cchc.linh")
    url = f"/ui/items/{item.id}/actions"
    r = post(client, f"{url}/accept", {"version": "1", "comment": "x" * 5001})  # too long
    assert r.status_code == 422
    found = re.search(r'id="action-error"[^>]*>([^<]*)<', r.text)
    assert found and found.group(1) == "Ghi chú dài quá 5.000 ký tự."
    browse_as(client, org, now, "cchc.truong")
    r = post(client, f"{url}/reassign", {"version": "1", "assignee_id": "linh"})  # wrong type
    assert r.status_code == 422 and 'id="action-error"' in r.text
    org.expire_all()
    row = org.get(WorkItem, item.id)
    assert row is not None and (row.version, row.state) == (1, item.state)
