"""An officer signs in with a real browser and sees their items, the overdue one in red."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from notifications.models import Notification
from tests.e2e.conftest import screenshot_dir
from workflow.db import make_engine
from workflow.models import Unit, User, WorkItem


def _seed(db: Path) -> None:
    engine = make_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == "CCHC")).one()
        linh = s.exec(select(User).where(User.username == "cchc.linh")).one()
        head = s.exec(select(User).where(User.username == "cchc.truong")).one()
        for title, days in (("Rà soát thủ tục hành chính quý I", -3), ("Báo cáo CCHC", 30)):
            due = now + timedelta(days=days)
            s.add(
                WorkItem(
                    title=title,
                    lead_unit_id=unit.id,
                    assignee_id=linh.id,
                    assigner_id=head.id,
                    start_on=date.today(),
                    due_at=due,
                    original_due_at=due,
                    created_at=now,
                    updated_at=now,
                )
            )
        s.commit()
    engine.dispose()


def test_officer_signs_in_and_sees_items(live_server: str, live_dir: Path, browser: Any) -> None:
    _seed(live_dir / "pf.db")
    page = browser.new_page()
    page.goto(f"{live_server}/my")
    assert "/login" in page.url
    page.fill("#username", "cchc.linh")
    page.fill("#password", "planflow-dev")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server}/my")
    assert page.locator("h1").inner_text() == "Công việc của tôi"
    assert page.locator("#whoami").inner_text() == "Đinh Thị Linh"
    overdue = page.locator("tr.overdue", has_text="Rà soát thủ tục hành chính quý I")
    assert overdue.count() == 1
    color = overdue.locator("td.flag").evaluate("el => getComputedStyle(el).color")
    assert color == "rgb(176, 0, 32)"
    page.screenshot(path=str(screenshot_dir() / "my-items.png"))
    page.click("text=Báo cáo CCHC")
    assert page.locator("#item-title").inner_text() == "Báo cáo CCHC"
    page.close()


def test_forgotten_password_in_the_browser(live_server: str, live_dir: Path, browser: Any) -> None:
    """From the sign-in page's link to signing in with the new password (cchc.nam, so the
    other browser tests keep the dev password). A Vietnamese browser: the first visit
    follows Accept-Language."""
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{live_server}/login")
    page.click("#forgot-link")
    page.fill("#login", "cchc.nam@sonoivu.example.vn")
    page.click("#forgot-submit")
    assert "Nếu tên đăng nhập hoặc e-mail" in page.locator("#forgot-sent").inner_text()
    engine = make_engine(f"sqlite:///{live_dir / 'pf.db'}")
    with Session(engine) as s:
        # Other browser tests on this server ask for resets too: this one is cchc.nam's.
        row = s.exec(
            select(Notification).where(
                Notification.kind == "password_reset",
                Notification.recipient_email == "cchc.nam@sonoivu.example.vn",
            )
        ).one()
        link = str(row.context["reset_url"])
    engine.dispose()
    page.goto(live_server + link.split("127.0.0.1:8000", 1)[1])
    assert page.locator("#reset-username").inner_text() == "cchc.nam"
    page.fill("#password", "mat-khau-trinh-duyet-1")
    page.fill("#password_confirm", "mat-khau-trinh-duyet-1")
    page.click("#reset-submit")
    assert "Đã đặt mật khẩu mới" in page.locator("#login-notice").inner_text()
    page.fill("#username", "cchc.nam")
    page.fill("#password", "mat-khau-trinh-duyet-1")
    page.click("#login-submit")
    page.wait_for_url(f"{live_server}/my")
    assert page.locator("#whoami").inner_text() == "Cao Văn Nam"
    page.close()
