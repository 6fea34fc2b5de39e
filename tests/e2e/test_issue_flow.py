"""The coordinator issues a plan from the "Ban hành" page in the browser; the heads and the
officer chosen for one row find the assignment mails in the dev mailbox, the plan page
tracks the new items, and a 390 px phone shows the preview as cards.

A plan of its own (named units, deadlines a month or two ahead), so the sample plan the
other browser tests use stays unissued.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from tests.e2e.conftest import live_cli, sign_in
from tests.plan_docs import TABLE_ROWS, table_markdown


def _plan(today: date, title: str) -> str:
    first = (today + timedelta(days=40)).strftime("%d/%m/%Y")
    second = (today + timedelta(days=70)).strftime("%d/%m/%Y")
    rows = [
        TABLE_ROWS[0],
        ["1. Cải cách thủ tục hành chính"] * 6,
        ["1", "Rà soát quy trình nội bộ giải quyết thủ tục", "Phòng CCHC", "VP", first, "Báo cáo"],
        ["2", "Kiểm tra công vụ tại các đơn vị", "Thanh tra", "", second, "Kết luận"],
    ]
    text = table_markdown(rows).replace("năm 2024", f"năm {today.year}")
    text = text.replace("Triển khai nhiệm vụ cải cách hành chính", title)
    return text.replace("2024", str(today.year))


def test_issue_from_the_page_then_mails_arrive(
    live_server: str, live_dir: Path, browser: Any
) -> None:
    plan_file = live_dir / "ke-hoach-ban-hanh.md"
    plan_file.write_text(_plan(date.today(), "Ban hành thử"), encoding="utf-8")
    live_cli(live_dir, "plan", "import", str(plan_file), "--key", "ke-hoach-ban-hanh-e2e")

    page = browser.new_page()
    sign_in(page, live_server, "vp.cchc")
    page.goto(f"{live_server}/ui/plans")
    page.locator("a[href^='/ui/plans/']", has_text="Ban hành thử").first.click()
    plan_url = page.url
    page.click("#issue-link")
    rows = page.locator("#issue-rows tbody tr")
    assert rows.count() == 2
    cchc_row = page.locator("#issue-rows tr", has_text="Rà soát quy trình nội bộ")
    assert "Mai Văn Phúc" in cchc_row.locator("select.assignee option:checked").inner_text()
    # The work goes to an officer of CCHC instead of its head.
    cchc_row.locator("select.assignee").select_option(label="Đinh Thị Linh — Chuyên viên")
    page.click("#issue-submit")
    summary = page.locator("#issue-summary")
    assert "tạo 2 việc" in summary.inner_text()
    page.click("#issue-to-plan")
    assert page.url.rstrip("/") == plan_url.rstrip("/")
    states = page.locator("span.task-work")
    assert states.count() == 2 and "Đã giao" in states.first.inner_text()
    # Issuing again creates nothing.
    page.goto(f"{plan_url}/issue")
    assert page.locator("#issue-rows tr[data-action='create']").count() == 0
    page.click("#logout")

    live_cli(live_dir, "mail", "deliver")  # one outbox run now (the scheduler ticks later)
    sign_in(page, live_server, "vp.admin")
    page.goto(f"{live_server}/dev/mailbox")
    mails = page.locator("#mailbox tr").all_inner_texts()
    assert any("cchc.linh@" in m and "Rà soát quy trình nội bộ" in m for m in mails)
    assert any("tt.chanh@" in m and "Kiểm tra công vụ" in m for m in mails)
    # The Office's head hears of the first as its supporting unit.
    assert any("vp.truong@" in m and "Rà soát quy trình nội bộ" in m for m in mails)
    page.close()


def test_the_preview_is_cards_on_a_phone(live_server: str, live_dir: Path, browser: Any) -> None:
    plan_file = live_dir / "ke-hoach-dien-thoai.md"
    plan_file.write_text(_plan(date.today(), "Điện thoại thử"), encoding="utf-8")
    live_cli(live_dir, "plan", "import", str(plan_file), "--key", "ke-hoach-dien-thoai-e2e")
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, live_server, "gd.minh")
    page.goto(f"{live_server}/ui/plans")
    page.locator("a[href^='/ui/plans/']", has_text="Điện thoại thử").first.click()
    page.goto(page.url.split("#")[0].rstrip("/") + "/issue")
    assert page.locator("#issue-rows thead").is_hidden()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    card = page.locator("#issue-rows tbody tr").first.bounding_box()
    assert card is not None and card["width"] <= 390
    context.close()
