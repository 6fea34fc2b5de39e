"""The page Tên đơn vị (/ui/units): units, groups and aliases for the coordinator and
administrators, its forms, refusals in the page's language, and the plan import API's
refusal listing every unresolved unit name."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import httpx
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from tests.integration.api.test_item_page_forms import browse_as, send
from tests.plan_docs import TABLE_ROWS, table_markdown
from workflow.models import Plan, UnitAlias, UnitGroup

Headers = Callable[[str], dict[str, str]]


def notice(r: httpx.Response, element: str) -> str:
    found = re.search(rf'id="{element}"[^>]*>([^<]+)<', r.text)
    assert found, r.text[:800]
    return " ".join(found.group(1).split())


def alias(org: Session, key: str) -> UnitAlias | None:
    org.expire_all()
    return org.exec(select(UnitAlias).where(UnitAlias.key == key)).first()


def test_the_page_lists_units_groups_and_aliases(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    page = client.get("/ui/units")
    assert page.status_code == 200
    text = page.text
    assert 'id="nav-names"' in text and "Đơn vị, nhóm đơn vị và tên gọi khác" in text
    assert re.search(r'data-unit="CCHC"><td>CCHC</td><td>Phòng Cải cách hành chính</td>'
                     r"<td>Phòng chuyên môn, nghiệp vụ</td>", text)  # fmt: skip
    assert re.search(r'data-alias="VP Sở">\s*<td>VP Sở</td>\s*<td>Văn phòng', text)
    divisions = re.search(r'data-group="kind:division">.*?class="members">([^<]*)<', text, re.S)
    assert divisions and divisions.group(1).startswith("Phòng Tổ chức biên chế, ")
    assert "Ban Giám đốc" not in re.search(  # type: ignore[union-attr]
        r'data-group="all">.*?class="members">([^<]*)<', text, re.S
    ).group(1)
    # The built-in groups have no remove button; the organisation's have one.
    assert 'name="code" value="KHOI_VP"' in text and 'name="code" value="all"' not in text
    browse_as(client, org, now, "vp.admin")  # administrators too, in English
    assert "Units, unit groups and aliases" in client.get("/ui/units").text


def test_trying_a_name_shows_the_resolution(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    found = client.get("/ui/units", params={"name": "cac phong, don vi thuoc so"})
    assert notice(found, "try-result").startswith("«cac phong, don vi thuoc so» là Các phòng,")
    assert "VP, TTRA, TCBC" in notice(found, "try-result")
    vague = client.get("/ui/units", params={"name": "Các đơn vị liên quan"})
    assert "quá chung chung" in notice(vague, "try-result")
    # The alias form is filled with the name tried, ready to map it.
    assert 'id="alias-name" name="name" size="60" maxlength="255" required value="Các đơn vị' in (
        vague.text
    )


def test_the_coordinator_maps_a_name_and_removes_it(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = send(client, "/ui/units/aliases", data={"name": "Các đơn vị liên quan", "target": "all"})
    assert r.status_code == 303 and r.headers["location"].startswith("/ui/units?done=alias_added")
    saved = alias(org, "cac don vi lien quan")
    assert saved is not None and saved.group_code == "all" and saved.source == "mapped"
    page = client.get(r.headers["location"])
    assert notice(page, "names-notice") == "Đã lưu tên gọi khác «Các đơn vị liên quan»."
    assert "Đã gán khi nhập" in page.text
    r = send(client, "/ui/units/aliases/remove", data={"name": "Các đơn vị liên quan"})
    assert r.status_code == 303 and alias(org, "cac don vi lien quan") is None


def test_a_refused_form_says_why_and_writes_nothing(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.cchc")
    r = send(client, "/ui/units/aliases", data={"name": "Phòng Tư pháp", "target": "NOPE"})
    assert r.status_code == 422
    assert notice(r, "names-error") == "Hãy chọn một đơn vị hoặc nhóm có trong danh sách."
    assert 'value="Phòng Tư pháp"' in r.text  # the form comes back as typed
    assert alias(org, "phong tu phap") is None
    r = send(client, "/ui/units/aliases", data={"name": "Thanh tra", "target": "VP"})
    assert r.status_code == 422 and "đã là mã hoặc tên" in notice(r, "names-error")
    r = send(client, "/ui/units/groups", data={"code": "G1", "name": "Nhóm một"})
    assert r.status_code == 422 and "không chọn cả hai" in notice(r, "names-error")
    r = send(client, "/ui/units/aliases/remove", data={"name": "Không có"})
    assert r.status_code == 404 and notice(r, "names-error") == "Không có tên gọi khác này."


def test_groups_are_added_and_removed(client: TestClient, org: Session, now: datetime) -> None:
    browse_as(client, org, now, "vp.admin")
    r = client.post(
        "/ui/units/groups",
        data={
            "csrf_token": "item-forms-csrf",
            "code": "TCDS",
            "name": "Tổ chuyển đổi số",
            "units": ["VP", "CCHC"],
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    group = org.exec(select(UnitGroup).where(UnitGroup.code == "TCDS")).one()
    assert group.unit_codes == ["VP", "CCHC"] and group.rule == "units"
    assert "Văn phòng, Phòng Cải cách hành chính" in client.get("/ui/units").text
    r = send(client, "/ui/units/groups/remove", data={"code": "TCDS"})
    assert r.status_code == 303
    org.expire_all()
    assert org.exec(select(UnitGroup).where(UnitGroup.code == "TCDS")).first() is None


def test_officers_heads_and_the_director_get_403(
    client: TestClient, org: Session, now: datetime
) -> None:
    for username in ("cchc.linh", "cchc.truong", "gd.minh"):
        browse_as(client, org, now, username)
        assert 'id="nav-names"' not in client.get("/my").text
        page = client.get("/ui/units")
        assert page.status_code == 403
        assert "Bạn không có quyền thực hiện thao tác này." in page.text
        r = send(client, "/ui/units/aliases", data={"name": "Phòng Tư pháp", "target": "VP"})
        assert r.status_code == 403 and alias(org, "phong tu phap") is None
    client.cookies.clear()
    r = client.get("/ui/units", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login")


def test_import_api_refuses_with_the_list(
    client: TestClient, org: Session, auth_for: Headers
) -> None:
    rows = [
        *[list(r) for r in TABLE_ROWS[:2]],
        ["1", "Nhiệm vụ một", "Phòng Tư pháp", "Các đơn vị liên quan", "Quý II", ""],
        ["2", "Nhiệm vụ hai", "Các phòng chuyên môn", "VP Sở", "Quý III", ""],
    ]
    files = {"file": ("plan.md", table_markdown(rows).encode(), "text/markdown")}
    r = client.post(
        "/plans/import", files=files, data={"dry_run": "false"}, headers=auth_for("vp.cchc")
    )
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    body = r.json()
    assert "2 unit names not resolved" in body["detail"]
    listed = {u["name"]: u for u in body["unresolved_units"]}
    assert set(listed) == {"Phòng Tư pháp", "Các đơn vị liên quan"}
    assert (
        listed["Phòng Tư pháp"]["loc"] == "line 19" and len(listed["Phòng Tư pháp"]["nearest"]) == 3
    )
    assert listed["Các đơn vị liên quan"]["reason"] == "vague"
    assert org.exec(select(Plan)).first() is None


def test_the_plan_page_and_api_show_a_lead_group(
    client: TestClient, org: Session, now: datetime, auth_for: Headers
) -> None:
    from workflow.importer import parse_document, upsert_plan

    rows = [
        *[list(r) for r in TABLE_ROWS[:2]],
        ["1", "Tự kiểm tra công vụ", "Các phòng chuyên môn", "VP Sở", "Quý III", ""],
    ]
    tree = parse_document(table_markdown(rows).encode(), source="plan.md")
    plan_id = upsert_plan(session=org, tree=tree, now=now, source="plan.md").plan_id
    browse_as(client, org, now, "cchc.linh")
    page = client.get(f"/ui/plans/{plan_id}")
    assert page.status_code == 200
    shown = re.search(
        r'class="lead">Các phòng chuyên môn \(<span class="lead-group">([^<]+)<', page.text
    )
    assert shown and shown.group(1) == (
        "Phòng Tổ chức biên chế, Phòng Xây dựng chính quyền, Phòng Công chức viên chức, "
        "Phòng Cải cách hành chính"
    )
    task = client.get(f"/plans/{plan_id}", headers=auth_for("cchc.linh")).json()["areas"][0][
        "tasks"
    ][0]
    assert task["lead_unit_id"] is None and task["lead_group"] == "Các phòng chuyên môn"
    assert task["lead_group_codes"] == ["TCBC", "XDCQ", "CCVC", "CCHC"]
    assert task["supporting_unit_codes"] == ["VP"]
    units = client.get("/units", headers=auth_for("cchc.linh")).json()
    assert {u["code"]: u["kind"] for u in units}["TTRA"] == "inspectorate"
