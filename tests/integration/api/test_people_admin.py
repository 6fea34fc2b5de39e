"""The administration of people (/ui/org): the unit tree, the people list, adding, editing,
moving, deactivating and reactivating a person, each change audited, through the pages,
the API and the CLI alike (`workflow.services.accounts`); a unit head manages the officers
of their own unit only."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from tests.integration.api.conftest import make_item, unit_coded, user_named
from tests.integration.api.test_item_page_forms import browse_as, send
from workflow.models import OrgChange, User

Headers = Callable[[str], dict[str, str]]


def audit(org: Session, username: str) -> list[tuple[str, dict[str, list[object]]]]:
    """The audit rows of `username`, oldest first: (action, changes)."""
    org.expire_all()
    user = user_named(org, username)
    rows = org.exec(
        select(OrgChange).where(OrgChange.user_id == user.id).order_by(col(OrgChange.id))
    ).all()
    return [(r.action, r.changes) for r in rows]


def test_the_unit_tree_shows_heads_and_deputy_directors(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.admin")
    page = client.get("/ui/org")
    assert page.status_code == 200
    row = re.search(r'<tr data-unit="CCHC">(.*?)</tr>', page.text, re.S)
    assert row, page.text[:2000]
    head = user_named(org, "cchc.truong").full_name
    overseer = org.get(User, unit_coded(org, "CCHC").overseer_id)
    assert overseer is not None
    assert head in row.group(1) and overseer.full_name in row.group(1)
    assert 'id="nav-org"' in page.text
    # A unit head sees their own unit only; an officer not at all.
    browse_as(client, org, now, "cchc.truong")
    mine = client.get("/ui/org").text
    assert 'data-unit="CCHC"' in mine and 'data-unit="VP"' not in mine
    browse_as(client, org, now, "cchc.linh")
    assert client.get("/ui/org").status_code == 403
    assert 'id="nav-org"' not in client.get("/my").text


def test_people_list_filters_by_unit_state_and_name(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.admin")
    cchc = unit_coded(org, "CCHC").id
    page = client.get(f"/ui/org/people?unit={cchc}").text
    names = re.findall(r'<tr data-username="([^"]+)"', page)
    assert "cchc.linh" in names and "cchc.truong" in names and "vp.an" not in names
    assert "cchc.linh@sonoivu.example.vn" in page
    everyone = client.get("/ui/org/people?unit=&state=all&q=")  # the form's "all units"
    assert everyone.status_code == 200 and 'data-username="vp.an"' in everyone.text
    found = client.get("/ui/org/people", params={"q": "LINH"}).text
    assert re.findall(r'<tr data-username="([^"]+)"', found) == ["cchc.linh"]
    assert (
        re.findall(r'<tr data-username="', client.get("/ui/org/people?state=inactive").text) == []
    )


def test_add_edit_move_deactivate_reactivate_through_the_pages_each_audited(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.admin")
    cchc, vp = unit_coded(org, "CCHC").id, unit_coded(org, "VP").id
    added = send(
        client,
        "/ui/org/people/new",
        data={"username": "cchc.moi", "full_name": "Trần Văn Mới",
              "email": "moi@sonoivu.example.vn", "unit_id": str(cchc), "role": "officer",
              "title": "Chuyên viên"},
    )  # fmt: skip
    assert added.status_code == 303, added.text[:800]
    person = user_named(org, "cchc.moi")
    assert added.headers["location"] == f"/ui/org/people/{person.id}?done=created"
    page = client.get(added.headers["location"]).text
    assert 'id="person-notice"' in page and "Trần Văn Mới" in page

    edited = send(
        client,
        f"/ui/org/people/{person.id}",
        data={"full_name": "Trần Văn Mới", "title": "Phó trưởng phòng",
              "email": "tran.moi@sonoivu.example.vn", "language": "vi", "role": "officer"},
    )  # fmt: skip
    assert edited.status_code == 303
    item = make_item(org, now=now, lead="CCHC", assignee="cchc.moi", assigner="cchc.truong")
    moved = send(client, f"/ui/org/people/{person.id}/move", data={"unit_id": str(vp)})
    assert moved.status_code == 303
    assert send(client, f"/ui/org/people/{person.id}/deactivate").status_code == 303
    assert send(client, f"/ui/org/people/{person.id}/reactivate").status_code == 303

    actions = audit(org, "cchc.moi")
    assert [a for a, _ in actions] == ["created", "updated", "moved", "deactivated", "reactivated"]
    assert actions[1][1] == {
        "email": ["moi@sonoivu.example.vn", "tran.moi@sonoivu.example.vn"],
        "title": ["Chuyên viên", "Phó trưởng phòng"],
    }
    assert actions[2][1] == {"unit_id": [cchc, vp]}
    admin_id = user_named(org, "vp.admin").id
    assert {r.actor_id for r in org.exec(select(OrgChange)).all()} == {admin_id}
    # The move put the item on the CCHC head's list; the person page shows the audit.
    browse_as(client, org, now, "cchc.truong")
    assert f'data-item-id="{item.id}"' in client.get("/ui/team").text
    browse_as(client, org, now, "vp.admin")
    history = client.get(f"/ui/org/people/{person.id}").text
    assert history.count("<tr data-action=") == 5 and "Phó trưởng phòng" in history


def test_duplicate_email_and_bad_fields_are_said_clearly_and_nothing_written(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.admin")
    cchc = unit_coded(org, "CCHC").id
    before = len(org.exec(select(User)).all())
    taken = send(
        client,
        "/ui/org/people/new",
        data={"username": "cchc.trung", "full_name": "Người Trùng",
              "email": "CCHC.LINH@sonoivu.example.vn", "unit_id": str(cchc), "role": "officer"},
    )  # fmt: skip
    assert taken.status_code == 409
    error = re.search(r'id="person-error"[^>]*>([^<]+)<', taken.text)
    assert error and "CCHC.LINH@sonoivu.example.vn" in error.group(1)
    assert "cchc.linh" in error.group(1)
    assert 'value="Người Trùng"' in taken.text  # what was typed stays
    bad = send(
        client,
        "/ui/org/people/new",
        data={"username": "Có Dấu", "full_name": "X", "email": "x@sonoivu.example.vn",
              "unit_id": str(cchc), "role": "officer"},
    )  # fmt: skip
    assert bad.status_code == 422 and "A username has 2 to 80 characters" in bad.text  # English
    linh = user_named(org, "cchc.linh")
    clash = send(
        client,
        f"/ui/org/people/{linh.id}",
        data={"full_name": linh.full_name, "email": "cchc.truong@sonoivu.example.vn"},
    )
    assert clash.status_code == 409 and "cchc.truong@sonoivu.example.vn" in clash.text
    org.expire_all()
    assert len(org.exec(select(User)).all()) == before
    assert user_named(org, "cchc.linh").email == "cchc.linh@sonoivu.example.vn"
    assert audit(org, "cchc.linh") == []


def test_the_last_administrator_cannot_be_deactivated_from_the_page(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "vp.admin")
    me = user_named(org, "vp.admin")
    others = org.exec(select(User).where(User.role == "admin", User.id != me.id)).all()
    for other in others:
        other.is_active = False
        org.add(other)
    org.flush()
    r = send(client, f"/ui/org/people/{me.id}/deactivate")
    assert r.status_code == 409 and 'id="person-error"' in r.text
    assert "last active administrator" in r.text
    org.expire_all()
    assert user_named(org, "vp.admin").is_active


def test_a_unit_head_manages_only_the_officers_of_their_unit(
    client: TestClient, org: Session, now: datetime
) -> None:
    browse_as(client, org, now, "cchc.truong")
    linh, an = user_named(org, "cchc.linh"), user_named(org, "vp.an")
    listed = re.findall(r'<tr data-username="([^"]+)"', client.get("/ui/org/people").text)
    assert "cchc.linh" in listed and "vp.an" not in listed
    assert client.get(f"/ui/org/people/{an.id}").status_code == 403
    page = client.get(f"/ui/org/people/{linh.id}").text
    assert 'id="person-move"' not in page and 'id="person-role"' not in page
    r = send(
        client,
        f"/ui/org/people/{linh.id}",
        data={"full_name": linh.full_name, "title": "Chuyên viên chính", "email": linh.email},
    )
    assert r.status_code == 303
    assert send(client, f"/ui/org/people/{linh.id}/deactivate").status_code == 303
    refused = send(
        client, f"/ui/org/people/{linh.id}/move", data={"unit_id": str(unit_coded(org, "VP").id)}
    )
    assert refused.status_code == 403 and "Chỉ quản trị viên" in refused.text
    added = send(
        client,
        "/ui/org/people/new",
        data={"username": "cchc.tapsu", "full_name": "Lê Tập Sự",
              "email": "tapsu@sonoivu.example.vn", "unit_id": str(unit_coded(org, "VP").id),
              "role": "officer"},
    )  # fmt: skip
    assert added.status_code == 403
    org.expire_all()
    assert org.exec(select(User).where(User.username == "cchc.tapsu")).first() is None
    assert [a for a, _ in audit(org, "cchc.linh")] == ["updated", "deactivated"]


def test_the_api_writes_the_same_audit_and_reads_it_back(
    client: TestClient, org: Session, auth_for: Headers
) -> None:
    admin = auth_for("vp.admin")
    new = {
        "username": "api.moi",
        "email": "api.moi@sonoivu.example.vn",
        "full_name": "Người Qua API",
        "unit_id": unit_coded(org, "CCHC").id,
        "role": "officer",
    }
    created = client.post("/admin/users", json=new, headers=admin)
    assert created.status_code == 201, created.text
    uid = created.json()["id"]
    again = client.post("/admin/users", json=new | {"username": "api.khac"}, headers=admin)
    assert again.status_code == 409
    assert again.json()["field"] == "email" and again.json()["holder"] == "api.moi"
    r = client.patch(f"/admin/users/{uid}", json={"is_active": False}, headers=admin)
    assert r.status_code == 200
    history = client.get(f"/admin/users/{uid}/history", headers=admin).json()
    assert [h["action"] for h in history] == ["deactivated", "created"]
    assert history[0]["changes"] == {"is_active": [True, False]}
    assert (
        client.get(f"/admin/users/{uid}/history", headers=auth_for("cchc.truong")).status_code
        == 403
    )
