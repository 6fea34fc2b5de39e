"""What the date fields ask while a date is typed: a year's days off for the picker and the
line under a due date (/ui/dates/…), and the fields themselves on the pages."""

from __future__ import annotations

import re
from datetime import date, datetime

from fastapi.testclient import TestClient
from sqlmodel import Session

from tests.integration.api.conftest import Sample, signed_in, user_named
from workflow.services.calendar import add_override


def test_days_off_of_a_year_for_the_picker(client: TestClient, org: Session, now: datetime) -> None:
    assert client.get("/ui/dates/days-off?year=2026", follow_redirects=False).status_code == 303
    signed_in(client, org, "cchc.linh")
    add_override(
        session=org,
        now=now,
        actor=user_named(org, "vp.cchc"),
        day=date(2026, 3, 5),
        is_working=False,
        reason="QĐ nghỉ",
    )
    org.flush()
    r = client.get("/ui/dates/days-off?year=2026")
    assert r.status_code == 200
    off = r.json()["days_off"]
    assert r.json()["year"] == 2026 and off == sorted(off)
    # Weekends, Tết (17 February 2026), the override; not an ordinary Monday.
    for day in ("2026-03-01", "2026-02-17", "2026-03-05", "2026-05-01"):
        assert day in off
    assert "2026-03-02" not in off
    assert client.get("/ui/dates/days-off?year=1999").status_code == 422


def test_the_line_under_a_due_date(client: TestClient, org: Session) -> None:
    assert client.get("/ui/dates/check?day=01/06/2026", follow_redirects=False).status_code == 303
    signed_in(client, org, "cchc.linh")  # today is Monday 2 March 2026

    def line(day: str) -> str:
        r = client.get("/ui/dates/check", params={"day": day})
        assert r.status_code == 200
        return r.text

    sunday = line("31/05/2026")
    assert 'data-kind="moves"' in sunday
    assert "Chủ nhật 31/05/2026 là ngày nghỉ → hạn là Thứ Hai 01/06/2026" in sunday
    assert 'data-kind="ok"' in line("2026-06-01") and "Thứ Hai 01/06/2026" in line("01/06/2026")
    past = line("27/02/2026")
    assert 'data-kind="past"' in past and "27/02/2026 đã qua." in past
    assert 'data-kind="bad"' in line("31/02/2026") and "ngày/tháng/năm" in line("mai")
    assert line("") == ""
    client.get("/lang/en?next=/my")
    assert "Sunday 31/05/2026 is a day off → due Monday 01/06/2026" in line("31/05/2026")


def test_date_fields_are_text_fields_day_first(
    client: TestClient, org: Session, now: datetime
) -> None:
    signed_in(client, org, "vp.cchc")
    page = client.get("/ui/calendar?year=2026").text
    assert 'type="date"' not in page
    assert 'id="override-day" name="day" value="" inputmode="numeric"' in page
    assert 'pattern="\\d{1,2}/\\d{1,2}/\\d{4}"' in page and 'placeholder="dd/mm/yyyy"' in page
    assert '<script src="/static/datefield.js" defer' in page
    script = client.get("/static/datefield.js")
    assert script.status_code == 200 and "/ui/dates/days-off" in script.text


def test_the_main_action_comes_first_on_an_item_page(
    client: TestClient, org: Session, sample: Sample
) -> None:
    """A reminder's link, then one tap: the assignee's first action sits under the title
    (shown on phones, base.html), before the item's fields."""
    signed_in(client, org, "cchc.linh")
    html = client.get(f"/ui/items/{sample.cchc.id}").text
    top = re.search(r'<form[^>]*id="top-action"[^>]*>(.*?)</form>', html, re.S)
    assert top and 'data-primary-action="accept"' in top.group(1)
    assert html.index('id="top-action"') < html.index('class="fields"')
    # Pressed, it does what the full form's button does.
    version = re.search(r'name="version" value="(\d+)"', top.group(1))
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', top.group(1))
    assert version and csrf
    r = client.post(
        f"/ui/items/{sample.cchc.id}/actions/accept",
        data={"csrf_token": csrf.group(1), "version": version.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert 'id="item-state">Đã tiếp nhận<' in client.get(f"/ui/items/{sample.cchc.id}").text
