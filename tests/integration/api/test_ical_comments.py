"""The iCalendar feed (secret, revocable URL) and comments on items."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from icalendar import Calendar

from tests.integration.api.conftest import Sample


def test_ical_feed_lists_own_open_deadlines_and_can_be_revoked(
    client: TestClient, sample: Sample, auth_for: Callable[[str], dict[str, str]]
) -> None:
    headers = auth_for("cchc.linh")
    url = client.post("/me/ical-token", headers=headers).json()["url"]
    path = url.split("127.0.0.1:8000", 1)[1]
    r = client.get(path)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
    cal = Calendar.from_ical(r.content)
    summaries = [str(e["summary"]) for e in cal.walk("VEVENT")]
    assert summaries == ["[Hạn] A"]  # own item; the supported item B is not their deadline
    # Rotating the token kills the old URL; revoking kills every URL.
    new_path = client.post("/me/ical-token", headers=headers).json()["url"].split(":8000", 1)[1]
    assert client.get(path).status_code == 404
    assert client.get(new_path).status_code == 200
    assert client.delete("/me/ical-token", headers=headers).status_code == 204
    assert client.get(new_path).status_code == 404


def test_unit_head_feed_has_the_units_items(
    client: TestClient, sample: Sample, auth_for: Callable[[str], dict[str, str]]
) -> None:
    headers = auth_for("cchc.truong")
    path = client.post("/me/ical-token", headers=headers).json()["url"].split(":8000", 1)[1]
    cal = Calendar.from_ical(client.get(path).content)
    assert [str(e["summary"]) for e in cal.walk("VEVENT")] == ["[Hạn] A"]


def test_comments_round_trip(
    client: TestClient, sample: Sample, auth_for: Callable[[str], dict[str, str]]
) -> None:
    path = f"/items/{sample.tcbc_with_cchc.id}/comments"
    r = client.post(path, json={"body": "  Phòng CCHC đã góp ý  "}, headers=auth_for("cchc.nam"))
    assert r.status_code == 201 and r.json()["body"] == "Phòng CCHC đã góp ý"
    listed = client.get(path, headers=auth_for("tcbc.hoa")).json()
    assert [c["body"] for c in listed] == ["Phòng CCHC đã góp ý"]
    blank = client.post(path, json={"body": "   "}, headers=auth_for("cchc.nam"))
    assert blank.status_code == 422
