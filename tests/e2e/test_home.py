"""A person opens the landing page in a real browser and sees Vietnamese text and counts."""

from __future__ import annotations

from typing import Any

from tests.e2e.conftest import screenshot_dir


def test_home_page_in_chromium(live_server: str, browser: Any) -> None:
    page = browser.new_page()
    page.goto(live_server)
    assert page.locator("h1").inner_text() == "Theo dõi thực hiện kế hoạch"
    assert page.locator("#count-units").inner_text() == "10"
    assert page.locator("#count-users").inner_text() == "26"
    page.screenshot(path=str(screenshot_dir() / "home.png"))
    page.close()
