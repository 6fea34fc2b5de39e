"""The CCHC focal point (đầu mối, coordinator) assigns a plan task in the browser to an
officer of the lead unit she picks; the officer finds it and accepts it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.e2e.conftest import ROOT

PLAN = ROOT / "deploy" / "sample" / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"


def _sign_in(page: Any, server: str, username: str) -> None:
    page.goto(f"{server}/login")
    page.fill("#username", username)
    page.fill("#password", "planflow-dev")
    page.click("#login-submit")
    page.wait_for_url(f"{server}/my")


def test_head_assigns_a_plan_task_and_the_officer_accepts_it(
    live_server: str, live_dir: Path, browser: Any
) -> None:
    env = {
        **os.environ,
        "PLANFLOW_DATABASE_URL": f"sqlite:///{live_dir / 'pf.db'}",
        "PLANFLOW_VAR_DIR": str(live_dir),
    }
    subprocess.run(
        [sys.executable, "-m", "api.cli", "plan", "import", str(PLAN)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
    )
    page = browser.new_page()
    # The sample plan names no lead units: the coordinator distributes its tasks.
    _sign_in(page, live_server, "vp.cchc")
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
    assert page.locator("#item-state").inner_text() == "Giao việc"
    item_url = page.url
    page.click("#logout")

    _sign_in(page, live_server, "cchc.linh")
    assert page.locator("tr", has_text=title[:40]).count() >= 1
    page.goto(item_url)
    page.click("button[data-action='accept']")
    page.wait_for_url(item_url)
    assert page.locator("#item-state").inner_text() == "Đã tiếp nhận"
    page.close()
