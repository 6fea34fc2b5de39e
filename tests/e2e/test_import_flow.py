"""The coordinator imports a signed plan (Word) in the browser, previews its tasks, units and
deadlines, imports it and issues it from the issue page it lands on; a task led by a unit
group becomes one row and one item per member unit, and that unit's head finds it under
"Công việc của tôi". At 390 px the preview fits the screen.

A plan of its own (the organisation's group "Các ban, chi cục thuộc Sở" as a lead, deadlines
a month or two ahead), so the sample plan the other browser tests use stays unissued.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.conftest import sign_in
from tests.plan_docs import TABLE_PLAN, TABLE_ROWS, docx_from_text

TITLE = "Nhập thử kế hoạch nhóm đơn vị"
GROUP_TASK = "Tự kiểm tra kỷ luật, kỷ cương tại ban, chi cục"


def _docx(today: date) -> bytes:
    first = (today + timedelta(days=40)).strftime("%d/%m/%Y")
    second = (today + timedelta(days=70)).strftime("%d/%m/%Y")
    rows = [
        TABLE_ROWS[0],
        ["1. Cải cách chế độ công vụ"] * 6,
        ["1", GROUP_TASK, "Các ban, chi cục thuộc Sở", "Thanh tra", first, "Báo cáo"],
        ["2", "Tổng hợp kết quả tự kiểm tra", "Thanh tra", "Các ban, chi cục", second, "Báo cáo"],
    ]
    text = TABLE_PLAN.replace("Triển khai nhiệm vụ cải cách hành chính năm 2024", TITLE)
    text = text.replace("2024", str(today.year))
    at = text.splitlines().index("**III. TỔ CHỨC THỰC HIỆN**")
    return docx_from_text(text, tables={at: rows})


def test_import_preview_then_issue_a_group_led_task_from_the_browser(
    live_server: str, live_dir: Path, browser: Any
) -> None:
    plan_file = live_dir / "ke-hoach-nhom.docx"
    plan_file.write_bytes(_docx(date.today()))
    page = browser.new_page()
    sign_in(page, live_server, "vp.cchc")
    page.goto(f"{live_server}/ui/plans")
    page.click("#import-link")
    page.set_input_files("#import-file", str(plan_file))
    page.click("#import-preview")
    assert TITLE in page.locator("#import-plan-title").inner_text()
    group = page.locator("#import-rows tr", has_text=GROUP_TASK)
    lead = group.locator("td.lead").inner_text()
    assert "Các ban, chi cục thuộc Sở" in lead and "Chi cục Văn thư - Lưu trữ" in lead
    page.click("#import-submit")
    assert "/issue?imported=1" in page.url and page.locator("#issue-imported").is_visible()
    shares = page.locator("#issue-rows tbody tr", has_text="Các ban, chi cục thuộc Sở →")
    assert shares.count() == 3
    assert "Quách Văn Đức" in shares.nth(1).locator("select.assignee option:checked").inner_text()
    page.click("#issue-submit")
    assert "tạo 4 việc" in page.locator("#issue-summary").inner_text()
    page.click("#issue-to-plan")
    work = page.locator("span.task-work", has_text="Ban Tôn giáo:")
    assert work.count() == 1 and "Đã giao" in work.inner_text()
    page.click("#logout")

    sign_in(page, live_server, "btg.truong")
    page.goto(f"{live_server}/my")
    page.locator("a", has_text=GROUP_TASK).first.click()
    assert "Các ban, chi cục thuộc Sở chủ trì" in page.locator("#item-lead-group").inner_text()
    page.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844})
    small = phone.new_page()
    sign_in(small, live_server, "vp.cchc")
    small.goto(f"{live_server}/ui/plan-import")
    small.set_input_files("#import-file", str(plan_file))
    small.click("#import-preview")
    assert small.locator("#import-rows thead").is_hidden()
    assert small.evaluate("document.documentElement.scrollWidth") <= 390
    phone.close()
