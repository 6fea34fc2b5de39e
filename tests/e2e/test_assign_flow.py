"""The CCHC focal point (đầu mối, coordinator) assigns a plan task in the browser to an
officer of the lead unit she picks; the officer finds it and accepts it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import sign_in


@pytest.mark.usefixtures("sample_plan")
def test_head_assigns_a_plan_task_and_the_officer_accepts_it(
    live_server: str, browser: Any
) -> None:
    page = browser.new_page()
    # The sample plan names no lead units: the coordinator distributes its tasks.
    sign_in(page, live_server, "vp.cchc")
    page.goto(f"{live_server}/ui/plans")
    page.locator("a[href^='/ui/plans/']").first.click()
    links = page.locator("a.assign-link")
    assert links.count() > 20
    links.first.click()
    page.select_option("#unit", label="Phòng Cải cách hành chính")
    page.click("#unit-choose")
    assert page.locator("#unit").input_value() != ""
    title = page.locator("#title").input_value().strip()
    assert title == page.locator("#assign-task").inner_text().strip()
    page.select_option("#assignee_id", label="Đinh Thị Linh — Chuyên viên")
    page.fill("#due_on", "")
    page.fill("#due_working_days", "10")
    page.click("#assign-submit")
    page.wait_for_url(f"{live_server}/ui/items/**")
    assert page.locator("#item-title").inner_text() == title
    assert page.locator("#item-state").inner_text() == "Đã giao"
    item_url = page.url
    page.click("#logout")

    sign_in(page, live_server, "cchc.linh")
    assert page.locator("tr", has_text=title[:40]).count() >= 1
    page.goto(item_url)
    page.click("button[data-action='accept']")
    page.wait_for_url(item_url)
    assert page.locator("#item-state").inner_text() == "Đã tiếp nhận"
    page.close()
