"""On a phone (390×844): the header's search box finds "Số hóa hồ sơ" typed "so hoa", only
within what the signed-in person may see; the unit page filtered to overdue items exports
an XLSX that opens with openpyxl and holds exactly the rows the page lists. Screenshots in
var/screenshots (search-phone.png, team-filtered-phone.png, search-desktop.png)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from sqlmodel import Session, select

from tests.browser import OVERFLOW_JS, SMALL_TARGETS_JS
from tests.e2e.conftest import screenshot_dir, sign_in
from workflow.db import make_engine
from workflow.models import Unit, User, WorkItem

PHONE = {"width": 390, "height": 844}


def _seed(db: Path) -> None:
    """Items of the propaganda board (BTG), which no other browser test uses, and one of
    another unit that BTG's head must not find."""
    engine = make_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with Session(engine) as s:

        def add(code: str, assignee: str, head: str, title: str, days: int) -> None:
            unit = s.exec(select(Unit).where(Unit.code == code)).one()
            who = s.exec(select(User).where(User.username == assignee)).one()
            boss = s.exec(select(User).where(User.username == head)).one()
            due = now + timedelta(days=days)
            s.add(
                WorkItem(
                    title=title,
                    lead_unit_id=unit.id,
                    assignee_id=who.id,
                    assigner_id=boss.id,
                    start_on=date.today(),
                    due_at=due,
                    original_due_at=due,
                    created_at=now - timedelta(days=20),
                    updated_at=now,
                )
            )

        add("BTG", "btg.yen", "btg.truong", "Số hóa hồ sơ thi đua khen thưởng", -4)
        add("BTG", "btg.yen", "btg.truong", "Tổng kết công tác tuyên truyền", -1)
        add("BTG", "btg.yen", "btg.truong", "Kế hoạch tuyên truyền cải cách hành chính", 30)
        add("XDCQ", "xdcq.mai", "xdcq.truong", "Số hóa hồ sơ địa giới hành chính", -4)
        s.commit()
    engine.dispose()


def _fits(page: Any, where: str) -> None:
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"] and layout["wide"] == [], (where, layout)
    assert page.evaluate(SMALL_TARGETS_JS) == [], where


def test_search_and_filtered_export_on_a_phone(
    live_server: str, live_dir: Path, browser: Any
) -> None:
    _seed(live_dir / "pf.db")
    context = browser.new_context(
        locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True, accept_downloads=True
    )
    page = context.new_page()
    try:
        sign_in(page, live_server, "btg.truong")
        # On a phone the search box is behind the header's menu button, the first thing in it.
        page.locator("#menu-toggle").tap()
        page.fill("#site-q", "so hoa")
        page.click("#site-search-submit")
        page.wait_for_url("**/ui/search?q=so+hoa**")
        # Items only: plan tasks are everybody's, and other tests on this server import plans.
        titles = page.locator("#hits li[data-kind=item] .hit-title").all_inner_texts()
        assert titles == ["Số hóa hồ sơ thi đua khen thưởng"]  # not XDCQ's item
        assert page.locator("#hits mark").first.inner_text() == "Số"
        _fits(page, "search")
        page.screenshot(path=str(screenshot_dir() / "search-phone.png"), full_page=True)

        page.goto(f"{live_server}/ui/team")
        page.click("#filters summary")
        page.select_option("#f-flag", "overdue")
        page.select_option("#f-assignee", label="Âu Thị Yến")  # not items of other tests
        page.click("#filter-submit")
        page.wait_for_url("**/ui/team?**flag=overdue**")
        shown = page.locator("#items tr[data-item-id] a[href^='/ui/items/']").all_inner_texts()
        assert shown == ["Số hóa hồ sơ thi đua khen thưởng", "Tổng kết công tác tuyên truyền"]
        _fits(page, "team filtered")
        page.screenshot(path=str(screenshot_dir() / "team-filtered-phone.png"), full_page=True)
        with page.expect_download() as download:
            page.click("#export-xlsx")
        saved = live_dir / "export.xlsx"
        download.value.save_as(saved)
        ws = openpyxl.load_workbook(saved).active
        assert ws is not None
        assert [ws.cell(row=r, column=2).value for r in range(5, ws.max_row + 1)] == shown
        assert ws["A2"].value.startswith("Bộ lọc: assignee=")
        assert ws["A2"].value.endswith("&flag=overdue")
    finally:
        context.close()
    desktop = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        sign_in(desktop, live_server, "btg.truong")
        desktop.goto(f"{live_server}/ui/search?q=tuyen+truyen")
        assert desktop.locator("#hits li[data-kind=item]").count() == 2
        desktop.screenshot(path=str(screenshot_dir() / "search-desktop.png"), full_page=True)
        desktop.goto(f"{live_server}/ui/team?flag=overdue")
        desktop.screenshot(path=str(screenshot_dir() / "team-filtered-desktop.png"), full_page=True)
    finally:
        desktop.close()
