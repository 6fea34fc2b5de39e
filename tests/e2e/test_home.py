"""A unit head opens the site in a real browser, signs in and sees their unit's dashboard in
Vietnamese, with the overdue item first, then the unit page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from tests.e2e.conftest import screenshot_dir
from workflow.db import make_engine
from workflow.models import Unit, User, WorkItem


def _seed(db: Path) -> None:
    """Two items of the records sub-department (VTLT), which no other browser test uses."""
    engine = make_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == "VTLT")).one()
        ha = s.exec(select(User).where(User.username == "vtlt.ha")).one()
        head = s.exec(select(User).where(User.username == "vtlt.truong")).one()
        for title, days in (("Chỉnh lý hồ sơ lưu trữ năm 2020", -6), ("Số hóa tài liệu", 40)):
            due = now + timedelta(days=days)
            s.add(
                WorkItem(
                    title=title,
                    lead_unit_id=unit.id,
                    assignee_id=ha.id,
                    assigner_id=head.id,
                    start_on=date.today(),
                    due_at=due,
                    original_due_at=due,
                    created_at=now - timedelta(days=30),
                    updated_at=now,
                )
            )
        s.commit()
    engine.dispose()


def test_home_page_in_chromium(live_server: str, live_dir: Path, browser: Any) -> None:
    _seed(live_dir / "pf.db")
    page = browser.new_page()
    page.goto(live_server)
    assert "/login" in page.url  # the dashboard is for signed-in users
    page.fill("#username", "vtlt.truong")
    page.fill("#password", "planflow-dev")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server}/")
    assert page.locator("h1").inner_text() == "Theo dõi thực hiện kế hoạch"
    assert page.locator("#dash-scope").inner_text() == "Đơn vị: Chi cục Văn thư - Lưu trữ"
    assert page.locator("#count-open").inner_text() == "2"
    assert page.locator("#count-overdue").inner_text() == "1"
    first = page.locator("#most-overdue tr.overdue").first
    assert "Chỉnh lý hồ sơ lưu trữ năm 2020" in first.inner_text()
    assert page.locator("#by-unit tr[data-unit='VTLT'] td.n-open").inner_text() == "2"
    page.screenshot(path=str(screenshot_dir() / "home.png"), full_page=True)
    page.click("#nav-team")
    page.wait_for_url(f"{live_server}/ui/team")
    assert page.locator("h1").inner_text() == "Công việc của đơn vị"
    page.click("#filters summary")
    page.select_option("#f-flag", "overdue")
    page.click("#filter-submit")
    page.wait_for_url("**/ui/team?**flag=overdue**")
    assert page.locator("#items tr[data-item-id]").count() == 1
    page.click("text=Chỉnh lý hồ sơ lưu trữ năm 2020")
    assert page.locator("#item-title").inner_text() == "Chỉnh lý hồ sơ lưu trữ năm 2020"
    page.close()
