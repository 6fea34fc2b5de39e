"""The coordinator (đầu mối CCHC) distributes a plan task to a lead unit in the browser
("Phân công"); that unit's head then finds "Giao việc" next to it."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import sign_in


@pytest.mark.usefixtures("sample_plan")
def test_the_coordinator_gives_a_task_to_cchc_and_its_head_may_assign_it(
    live_server: str, browser: Any
) -> None:
    page = browser.new_page()
    sign_in(page, live_server, "vp.cchc")
    page.goto(f"{live_server}/ui/plans")
    page.locator("a[href^='/ui/plans/']").first.click()
    plan_url = page.url
    # The last task of the plan: no other test gives it a lead unit.
    link = page.locator("a.units-link").last
    task_id = link.get_attribute("data-task-id")
    link.click()
    page.select_option("#lead_unit_id", label="Phòng Cải cách hành chính")
    page.check("#supporting-units >> text=Văn phòng")
    page.click("#units-submit")
    page.wait_for_url(re.compile(rf".*/ui/plans/\d+#task-{task_id}$"))
    row = page.locator(f"span.task-units[data-task-id='{task_id}']")
    assert "Phòng Cải cách hành chính" in row.inner_text()
    assert "Văn phòng" in row.inner_text()
    page.click("#logout")

    sign_in(page, live_server, "cchc.truong")
    page.goto(plan_url)
    assert page.locator(f"a.assign-link[data-task-id='{task_id}']").count() == 1
    assert page.locator("a.units-link").count() == 0
    page.close()
