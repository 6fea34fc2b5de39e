"""People coming and going through the API and the pages: an administrator deactivates or
moves a person (`PATCH /admin/users/{id}`), the head finds the items on the unit page and
`GET /me/to-reassign`; absences through `/absences` and the page `/ui/absences`, the
delegate sees "acting for" on the item page and in its thread."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from notifications.events import relay_events
from notifications.models import Notification
from tests.integration.api.conftest import make_item, unit_coded, user_named
from tests.integration.api.test_item_page_forms import CSRF, browse_as, send
from workflow.models import Absence

Headers = Callable[[str], dict[str, str]]


def test_deactivating_through_the_api_fills_the_heads_list_and_mails_once(
    client: TestClient, org: Session, now: datetime, auth_for: Headers
) -> None:
    item = make_item(org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong")
    linh = user_named(org, "cchc.linh")
    r = client.patch(
        f"/admin/users/{linh.id}", json={"is_active": False}, headers=auth_for("vp.admin")
    )
    assert r.status_code == 200 and r.json()["is_active"] is False
    listed = client.get("/me/to-reassign", headers=auth_for("cchc.truong")).json()
    assert [i["id"] for i in listed] == [item.id]
    assert client.get("/me/to-reassign", headers=auth_for("tcbc.truong")).json() == []
    relay_events(session=org, now=now, batch_size=100)
    mails = org.exec(select(Notification).where(Notification.kind == "to_reassign")).all()
    assert [m.recipient_email for m in mails] == ["cchc.truong@sonoivu.example.vn"]

    browse_as(client, org, now, "cchc.truong")
    page = client.get("/ui/team").text
    assert 'id="to-reassign"' in page and f'data-item-id="{item.id}"' in page
    assert "Đinh Thị Linh" in page
    item_page = client.get(f"/ui/items/{item.id}").text
    assert 'id="waits-reassign"' in item_page, item_page[item_page.find("<main") :][:1500]
    assert '"reassign"' in item_page


def test_moving_through_the_api_hands_over_the_old_units_items(
    client: TestClient, org: Session, now: datetime, auth_for: Headers
) -> None:
    item = make_item(org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong")
    linh = user_named(org, "cchc.linh")
    vp = unit_coded(org, "VP").id
    r = client.patch(f"/admin/users/{linh.id}", json={"unit_id": vp}, headers=auth_for("vp.admin"))
    assert r.status_code == 200 and r.json()["unit_id"] == vp
    listed = client.get("/me/to-reassign", headers=auth_for("cchc.truong")).json()
    assert [i["id"] for i in listed] == [item.id]


def test_absence_api_and_page_and_the_delegate_acting_for(
    client: TestClient, org: Session, now: datetime, auth_for: Headers
) -> None:
    item = make_item(org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong")
    nam = user_named(org, "cchc.nam")
    bad = client.post(
        "/absences",
        json={"delegate_id": user_named(org, "vp.an").id, "starts_on": "2026-03-02",
              "ends_on": "2026-03-06"},
        headers=auth_for("cchc.linh"),
    )  # fmt: skip
    assert bad.status_code == 422 and bad.headers["content-type"] == "application/problem+json"
    r = client.post(
        "/absences",
        json={"delegate_id": nam.id, "starts_on": "2026-03-02", "ends_on": "2026-03-06"},
        headers=auth_for("cchc.linh"),
    )
    assert r.status_code == 201, r.text
    absence_id = r.json()["id"]
    assert [a["id"] for a in client.get("/absences", headers=auth_for("cchc.nam")).json()] == [
        absence_id
    ]

    browse_as(client, org, now, "cchc.nam")
    page = client.get(f"/ui/items/{item.id}").text
    assert 'id="acting-for"' in page and "Đinh Thị Linh" in page
    accepted = send(client, f"/ui/items/{item.id}/actions/accept", data={"version": "1"})
    assert accepted.status_code == 303, accepted.text[:500]
    thread = client.get(f"/ui/items/{item.id}").text
    assert "acting for Đinh Thị Linh" in thread  # cchc.nam reads English

    # The page: the head records another absence, a refused one says why, ending one.
    browse_as(client, org, now, "cchc.truong")
    listing = client.get("/ui/absences")
    assert listing.status_code == 200 and f'data-absence-id="{absence_id}"' in listing.text
    refused = send(
        client,
        "/ui/absences",
        data={"user_id": str(nam.id), "delegate_id": str(nam.id), "starts_on": "09/03/2026",
              "ends_on": "10/03/2026"},
    )  # fmt: skip
    assert refused.status_code == 422 and 'id="absence-error"' in refused.text
    done = send(
        client,
        "/ui/absences",
        data={"user_id": str(nam.id), "delegate_id": str(user_named(org, "cchc.linh").id),
              "starts_on": "09/03/2026", "ends_on": "10/03/2026", "note": "Công tác"},
    )  # fmt: skip
    assert done.status_code == 303
    org.expire_all()
    assert len(org.exec(select(Absence).where(Absence.user_id == nam.id)).all()) == 1
    ended = send(client, f"/ui/absences/{absence_id}/cancel")
    assert ended.status_code == 303
    org.expire_all()
    assert org.get(Absence, absence_id).cancelled_at is not None  # type: ignore[union-attr]
    # An officer of another unit may not end it.
    browse_as(client, org, now, "tt.binh")
    assert send(client, f"/ui/absences/{absence_id}/cancel").status_code == 403
    assert re.search(r'id="nav-absences"', client.get("/ui/absences").text)


def test_the_staff_list_upload_previews_then_imports_once(
    client: TestClient, org: Session, now: datetime
) -> None:
    from workflow.importer.staff_list import write_staff_list
    from workflow.services.staff_import import export_rows

    rows = export_rows(session=org)
    for row in rows:
        if row["Tên đăng nhập"] == "cchc.linh":
            row["Đơn vị"] = "Văn phòng"
    rows = [r for r in rows if r["Tên đăng nhập"] != "tt.binh"]
    rows += [
        {"Họ và tên": f"Cán bộ {n}", "Chức vụ": "Chuyên viên", "Đơn vị": "Phòng CCHC",
         "Email": f"cb{n}@x.vn", "Tên đăng nhập": "", "Vai trò": "", "Ngôn ngữ": ""}
        for n in range(300)
    ]  # fmt: skip
    data = write_staff_list(rows, filename="ds.xlsx")
    browse_as(client, org, now, "cchc.truong")
    assert client.get("/ui/org/import").status_code == 403
    browse_as(client, org, now, "vp.admin")
    page = client.get("/ui/org/import")
    assert page.status_code == 200 and 'id="staff-upload"' in page.text
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    preview = client.post(
        "/ui/org/import",
        data={"csrf_token": CSRF},
        files={"file": ("ds.xlsx", data, xlsx)},
    )
    assert preview.status_code == 200, preview.text[:400]
    assert "300 added, 0 changed, 1 moved, 1 deactivated" in preview.text  # admin: English
    assert len(org.exec(select(Notification)).all()) == 0
    org.expire_all()
    assert user_named(org, "tt.binh").is_active  # nothing written by the preview
    payload = re.search(r'name="payload" value="([^"]+)"', preview.text)
    assert payload
    done = send(
        client, "/ui/org/import/confirm", data={"payload": payload.group(1), "filename": "ds.xlsx"}
    )
    assert done.status_code == 200 and 'id="staff-done"' in done.text
    org.expire_all()
    assert not user_named(org, "tt.binh").is_active
    assert user_named(org, "cchc.linh").unit_id == unit_coded(org, "VP").id
    again = client.post(
        "/ui/org/import", data={"csrf_token": CSRF}, files={"file": ("ds.xlsx", data, xlsx)}
    )
    assert 'id="staff-nothing"' in again.text
    bad = client.post(
        "/ui/org/import",
        data={"csrf_token": CSRF},
        files={
            "file": ("ds.csv", "Họ và tên,Đơn vị,Email\nA,Không có,a@x.vn\n".encode(), "text/csv")
        },
    )
    assert bad.status_code == 422 and "row 2: unit" in bad.text
