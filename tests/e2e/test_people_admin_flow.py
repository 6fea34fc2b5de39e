"""The IT officer's year in chromium: an administrator uploads the personnel office's
300-person XLSX staff list, reads the dry-run diff, confirms once; then, on the
administration pages, moves one officer and deactivates another. Each former head finds
the items on their "to reassign" list and receives exactly one mail listing them. The same
pages are checked at 390 px (nothing wider than the screen).

The site is this file's own (`own_site`): the list and the changes touch nobody else's."""

from __future__ import annotations

import io
import mailbox
import re
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.browser import OVERFLOW_JS, SMALL_TARGETS_JS
from tests.e2e.conftest import Site, own_site, screenshot_dir

pytestmark = pytest.mark.e2e

PHONE = {"width": 390, "height": 844}
NEW_PEOPLE = 300


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    with own_site(tmp_path_factory.mktemp("people-admin")) as s:
        yield s


def staff_list(site: Site) -> Path:
    """Today's people as `planflow org export` writes them, plus 300 newcomers of CCHC: the
    list a personnel office sends when a department is set up."""
    exported = site.var / "ds-hien-tai.xlsx"
    site.cli("org", "export", str(exported))
    book = load_workbook(io.BytesIO(exported.read_bytes()))
    sheet = book.active
    assert sheet is not None
    for n in range(NEW_PEOPLE):
        sheet.append(
            [f"Nguyễn Văn Mới {n:03d}", "Chuyên viên", "Phòng Cải cách hành chính",
             f"moi{n:03d}@sonoivu.example.vn", "", "", ""]
        )  # fmt: skip
    out = site.var / "danh-sach-can-bo.xlsx"
    book.save(out)
    return out


def sign_in(page: Any, site: Site, username: str) -> None:
    page.goto(f"{site.url}/login")
    page.fill("#username", username)
    page.fill("#password", "planflow-dev")
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def fits(page: Any) -> None:
    """Nothing wider than the screen, and every control a thumb presses at least 44 px."""
    layout = page.evaluate(OVERFLOW_JS)
    assert layout["scrollWidth"] <= layout["innerWidth"] and layout["wide"] == [], layout
    assert page.evaluate(SMALL_TARGETS_JS) == [], page.url


def mails_to(site: Site, address: str, kind: str) -> list[EmailMessage]:
    box = mailbox.Maildir(site.var / "mail", create=True)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        if address in str(msg["To"]) and msg["X-Planflow-Kind"] == kind:
            found.append(msg)
    return found


def test_upload_300_people_then_move_and_deactivate(browser: Any, site: Site) -> None:
    out = screenshot_dir() / "people-admin"
    out.mkdir(parents=True, exist_ok=True)
    items = {}
    for who, unit, head in (
        ("cchc.linh", "CCHC", "cchc.truong"),
        ("tcbc.hoa", "TCBC", "tcbc.truong"),
    ):
        line = site.cli(
            "item", "assign", f"Rà soát hồ sơ của {who}", "--as", head, "--unit", unit,
            "--assignee", who, "--start", "2026-12-01", "--days", "20",
        )  # fmt: skip
        found = re.match(r"#(\d+)", line.strip())
        assert found, line
        items[who] = found.group(1)
    data = staff_list(site)

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.set_default_timeout(60_000)
    sign_in(page, site, "vp.admin")
    page.click("#nav-org")
    page.wait_for_selector("#org-chart")
    # vp.admin reads English (their profile's language).
    assert "Administrative Reform Division" in page.inner_text('tr[data-unit="CCHC"]')
    page.click("#org-import-link")
    page.set_input_files("#staff-file", str(data))
    page.click("#staff-preview")
    page.wait_for_selector("#staff-diff")
    diff = page.inner_text("#staff-diff")
    assert "300 added, 0 changed, 0 moved, 0 deactivated" in diff, diff
    assert page.locator("#staff-added tr").count() == NEW_PEOPLE + 1  # and the header row
    page.screenshot(path=str(out / "staff-diff.png"))
    page.click("#staff-confirm-submit")
    page.wait_for_selector("#staff-done")
    assert "300 added" in page.inner_text("#staff-done")

    # The newcomers are people now: the list pages them by 50 and filters them.
    page.goto(f"{site.url}/ui/org/people")
    assert page.locator("#people tr[data-username]").count() == 50
    page.click("#people-next")
    page.wait_for_url(lambda url: "page=2" in url)
    assert page.locator("#people tr[data-username]").count() == 50
    page.goto(f"{site.url}/ui/org/people?q=moi299")
    assert page.locator("#people tr[data-username]").count() == 1

    # Move Đinh Thị Linh to the Office.
    page.goto(f"{site.url}/ui/org/people?q=cchc.linh")
    page.click('tr[data-username="cchc.linh"] a')
    page.wait_for_selector("#person-move")
    page.select_option("#move-unit", label="Office")
    page.click("#person-move-submit")
    page.wait_for_selector("#person-notice")
    assert "Office" in page.inner_text("#person-summary")
    # Deactivate Phan Thị Hoa.
    page.goto(f"{site.url}/ui/org/people?q=tcbc.hoa")
    page.click('tr[data-username="tcbc.hoa"] a')
    page.click("#person-deactivate-submit")
    page.wait_for_selector("#person-notice")
    assert "Deactivated" in page.inner_text("#person-summary")
    history = page.inner_text('#person-history tr[data-action="deactivated"]')
    assert "Deactivated" in history and "Quản trị hệ thống" in history, history  # who did it
    page.screenshot(path=str(out / "person.png"), full_page=True)
    page.close()

    site.cli("jobs", "run", "deliver_outbox")
    for who, head in (("cchc.linh", "cchc.truong"), ("tcbc.hoa", "tcbc.truong")):
        head_page = browser.new_page(viewport=PHONE)
        head_page.set_default_timeout(60_000)
        sign_in(head_page, site, head)
        head_page.goto(f"{site.url}/ui/team")
        listed = head_page.locator(f'#to-reassign [data-item-id="{items[who]}"]')
        assert listed.count() == 1, head_page.content()[:3000]
        fits(head_page)
        head_page.close()
        mails = mails_to(site, f"{head}@sonoivu.example.vn", "to_reassign")
        assert len(mails) == 1, [m["Subject"] for m in mails]
        text = mails[0].get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert f"/ui/items/{items[who]}" in text and f"Rà soát hồ sơ của {who}" in text, text


def test_the_administration_pages_fit_a_phone(browser: Any, site: Site) -> None:
    page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
    page.set_default_timeout(60_000)
    sign_in(page, site, "vp.admin")
    out = screenshot_dir() / "people-admin"
    out.mkdir(parents=True, exist_ok=True)
    for name, path, shown in (
        ("org", "/ui/org", "#org-chart"),
        ("people", "/ui/org/people?unit=&state=all&q=", "#people tr[data-username]"),
        ("new", "/ui/org/people/new", "#person-new-form"),
    ):
        page.goto(site.url + path)
        assert page.locator(shown).count() >= 1, page.content()[:2000]
        fits(page)
        page.screenshot(path=str(out / f"phone-{name}.png"), full_page=True)
    page.goto(f"{site.url}/ui/org/people?q=cchc.truong")
    page.click('tr[data-username="cchc.truong"] a')
    page.wait_for_selector("#person-edit")
    fits(page)
    box = page.locator("#person-save").bounding_box()
    assert box and box["height"] >= 44
    page.screenshot(path=str(out / "phone-person.png"), full_page=True)
    page.close()
