"""The people's journey on a phone (390×844), from a reminder mail to the Director's dashboard.

The site is its own embedded instance (sample organisation, `planflow serve`, maildir), so
nothing another browser test does changes the counts read here. A head assigns an item
(`planflow item assign`); the real sweep job, run as of the moment the item's reminder is
due (`planflow jobs run sweep_due --now`), queues the reminder and the outbox job writes it to
the dev mailbox (var/mail). From there everything is what a person does in chromium:

officer opens the mail and taps its link signed out → signs in → lands on the item → accepts
→ reports progress (a percentage and a note) → attaches evidence → submits for review; the
unit head receives the review mail, taps its link, signs in, approves; the Director's
dashboard counts the item done. Every step checks what the person reads (texts, state
labels), that the page fits the screen's width and that the step's main action is the first
thing under the title; a screenshot of each step goes to `PLANFLOW_JOURNEY_SHOTS` (default
var/screenshots/journey; `docs/screenshots/regenerate.py` points it at
docs/screenshots/journey). The same start is also walked by an officer whose profile
language is English, already signed in on her phone: the mail and the item page speak
English, and accepting is two taps from the mail.
"""

from __future__ import annotations

import mailbox
import os
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from tests.browser import OVERFLOW_JS
from tests.e2e.conftest import Site, own_site, screenshot_dir
from workflow.db import make_engine
from workflow.models import User, WorkItem

PHONE = {"width": 390, "height": 844}
PASSWORD = "planflow-dev"
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
# Ban Tôn giáo (vi) and Ban Thi đua - Khen thưởng (en): units no other step of this file uses.
TITLE_VI = "Tổng hợp báo cáo tình hình hoạt động tôn giáo 6 tháng đầu năm"
TITLE_EN = "Rà soát hồ sơ đề nghị khen thưởng cấp tỉnh năm 2026"
EVIDENCE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """This file's own live site (sample organisation, `planflow serve`, maildir)."""
    with own_site(tmp_path_factory.mktemp("journey")) as s:
        yield s


def shots_dir() -> Path:
    out = Path(os.environ.get("PLANFLOW_JOURNEY_SHOTS") or screenshot_dir() / "journey")
    out.mkdir(parents=True, exist_ok=True)
    return out


class Phone:
    """One person's phone: a touch screen of 390×844 in its own browser context."""

    def __init__(self, browser: Any, site: Site, username: str, *, prefix: str) -> None:
        self.site, self.username, self.prefix = site, username, prefix
        self.context = browser.new_context(
            viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
        )
        self.page = self.context.new_page()
        # Under load a page can take its time; a step that never comes still fails.
        self.page.set_default_timeout(60_000)

    def fits(self, step: str) -> None:
        """The page is no wider than the screen, nothing sticks out past its edge."""
        layout = self.page.evaluate(OVERFLOW_JS)
        assert layout["scrollWidth"] <= layout["innerWidth"], f"{step}: {layout}"
        assert layout["wide"] == [], f"{step}: wider than the screen: {layout['wide'][:8]}"

    def shot(self, name: str, *, at: Any = None, as_is: bool = False) -> None:
        """What the person sees first (the screen, not the whole page), the screen scrolled
        to the element `at`, or (`as_is`) where the page opened."""
        if at is not None:
            at.scroll_into_view_if_needed()
        elif not as_is:
            self.page.evaluate("window.scrollTo(0, 0)")
        self.page.screenshot(path=str(shots_dir() / f"{self.prefix}{name}.png"))

    def step(self, name: str, *, as_is: bool = False) -> None:
        self.fits(name)
        self.shot(name, as_is=as_is)

    def on_screen(self, locator: Any) -> None:
        """`locator` is within the screen as the page stands, no scrolling needed."""
        box = locator.bounding_box()
        assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]

    def sign_in_here(self) -> None:
        """Fill the sign-in page the phone was sent to."""
        self.page.fill("#username", self.username)
        self.page.fill("#password", PASSWORD)
        self.page.click("#login-submit")

    def open_mail(self, msg: EmailMessage, *, button: str) -> Any:
        """The mail's HTML part as a mail app shows it; its button (a thumb's size)."""
        html = msg.get_body(("html",))
        assert html is not None
        self.page.set_content(str(html.get_content()))  # type: ignore[attr-defined]
        link = self.page.get_by_role("link", name=button, exact=True)
        box = link.bounding_box()
        assert box is not None and box["height"] >= 43.5, box
        return link

    def top_action(self) -> Any:
        """The main action under the title, checked to be on the first screen."""
        top = self.page.locator("#top-action .btn").first
        box = top.bounding_box()
        assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
        assert box["height"] >= 43.5, box
        return top

    def state(self, label: str) -> None:
        self.page.locator("#item-state", has_text=label).wait_for()

    def close(self) -> None:
        self.context.close()


def _text(msg: EmailMessage) -> str:
    """The mail's plain-text part."""
    part = msg.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _mails(var: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(var / "mail", create=True)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return found


def wait_for_mail(site: Site, *, kind: str, to: str, title: str) -> EmailMessage:
    """The mail of `kind` to `to` about `title` in the dev mailbox. Delivery is run now (the
    server's own scheduler may be delivering it at the same moment: then it arrives from
    there), and the mailbox is read until it is there."""
    deadline = time.monotonic() + 180
    while True:
        for msg in _mails(site.var):
            if (
                msg["X-Planflow-Kind"] == kind
                and to in str(msg["To"])
                and title in str(msg["Subject"])
            ):
                return msg
        if time.monotonic() > deadline:
            found = [(m["X-Planflow-Kind"], m["To"], m["Subject"]) for m in _mails(site.var)]
            pytest.fail(f"no {kind} mail to {to} about {title!r}; the mailbox holds {found}")
        site.cli("mail", "deliver")


def _user(site: Site, username: str) -> User:
    engine = make_engine(f"sqlite:///{site.var / 'pf.db'}")
    with Session(engine) as s:
        user = s.exec(select(User).where(User.username == username)).one()
        s.expunge(user)
    engine.dispose()
    return user


def _item(site: Site, item_id: int) -> WorkItem:
    engine = make_engine(f"sqlite:///{site.var / 'pf.db'}")
    with Session(engine) as s:
        item = s.get(WorkItem, item_id)
        assert item is not None
        s.expunge(item)
    engine.dispose()
    return item


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def assign_and_remind(site: Site, *, head: str, unit: str, officer: str, title: str) -> int:
    """The head assigns; the sweep run as of the reminder's moment queues the reminder,
    which the outbox job (as of the same moment) writes to the dev mailbox."""
    today = datetime.now(ZONE).date().isoformat()
    line = site.cli(
        "item", "assign", title, "--as", head, "--unit", unit, "--assignee", officer,
        "--start", today, "--days", "10", "--evidence", "Báo cáo kèm số liệu",
    )  # fmt: skip
    match = re.match(r"#(\d+)\t", line)
    assert match, line
    item_id = int(match.group(1))
    item = _item(site, item_id)
    assert item.next_action_at is not None
    # The first rung of the ladder: 5 working days before the due date, at 08:00.
    at = _aware(item.next_action_at)
    assert at > datetime.now(UTC), "the reminder is the sweep's to send, not the server's now"
    swept = site.cli("jobs", "run", "sweep_due", "--now", at.isoformat())
    assert "sweep_due:" in swept, swept
    site.cli("jobs", "run", "deliver_outbox", "--now", at.isoformat())
    return item_id


def counts(page: Any) -> dict[str, int]:
    """The Director's dashboard head counts."""
    return {
        key: int(page.locator(f"#count-{key}").inner_text())
        for key in ("open", "awaiting-review", "done-on-time", "done-late")
    }


def test_reminder_to_done_on_a_phone(site: Site, browser: Any) -> None:
    director = Phone(browser, site, "gd.minh", prefix="")
    officer = Phone(browser, site, "btg.yen", prefix="")
    head = Phone(browser, site, "btg.truong", prefix="")
    try:
        # The Director's dashboard before (signed in as every morning).
        director.page.goto(f"{site.url}/login")
        director.sign_in_here()
        director.page.wait_for_url(f"{site.url}/")
        item_id = assign_and_remind(
            site, head="btg.truong", unit="BTG", officer="btg.yen", title=TITLE_VI
        )
        director.page.reload()
        before = counts(director.page)
        item_url = f"{site.url}/ui/items/{item_id}"
        due = _item(site, item_id).due_at
        due_text = _aware(due).astimezone(ZONE).strftime("%d/%m/%Y")

        # 1. The reminder in the officer's mail, in Vietnamese (her profile's language).
        yen = _user(site, "btg.yen")
        mail = wait_for_mail(site, kind="reminder", to=yen.email, title=TITLE_VI)
        # One conversation per item: the subject is the title and number; what happened and
        # how urgent opens the mail (decision 0020).
        assert mail["Subject"] == f"{TITLE_VI} (#{item_id})", mail["Subject"]
        assert _text(mail).startswith(
            f"[Nhắc việc] {TITLE_VI} – hạn {due_text} (còn 5 ngày làm việc)"
        ), _text(mail)[:200]
        page = officer.page
        button = officer.open_mail(mail, button="Mở nhiệm vụ")
        page.get_by_text("Nhiệm vụ sau sắp đến hạn: còn 5 ngày làm việc.").wait_for()
        officer.step("01-reminder-mail")

        # 2. Its button, signed out: the sign-in page, which returns her to the item.
        button.click()
        page.wait_for_url(re.compile(r"/login\?next="))
        assert page.locator("#login-submit").is_visible()
        officer.step("02-sign-in")
        officer.sign_in_here()
        page.wait_for_url(item_url)

        # 3. On the item: its title, "Đã giao", and "Tiếp nhận" first under the title.
        assert page.locator("#item-title").inner_text() == TITLE_VI
        officer.state("Đã giao")
        assert page.locator("#item-flag").inner_text() == "(Trong hạn)"
        top = officer.top_action()
        assert top.inner_text() == "Tiếp nhận"
        officer.step("03-item-assigned")
        top.click()  # the second tap from the mail
        officer.state("Đã tiếp nhận")
        assert officer.top_action().inner_text() == "Bắt đầu thực hiện"
        officer.step("04-accepted")

        # 4. A progress report: 40 % and a note; it starts the work.
        page.fill("#progress", "40")
        page.fill("#comment", "Đã tổng hợp số liệu của 3/5 cơ sở tôn giáo.")
        page.click("#progress-submit")
        officer.state("Đang thực hiện")
        assert page.locator("#item-progress").inner_text().strip() == "40%"
        assert page.get_by_text("Đã tổng hợp số liệu của 3/5 cơ sở tôn giáo.").count() == 1
        # Submitting needs evidence, none yet: the top offers attaching it, not "Trình duyệt"
        # (which the state machine would refuse).
        top = officer.top_action()
        assert top.inner_text() == "Gửi sản phẩm, minh chứng"
        assert page.locator("#top-action [data-primary-action]").count() == 0
        officer.step("05-progress")

        # 5. Evidence: the top link goes to the form; a note and a PDF.
        top.click()
        page.wait_for_url(f"{item_url}#evidence-form")
        page.fill("#evidence-note", "Báo cáo 6 tháng (bản trình ký).")
        page.set_input_files(
            "#evidence-file",
            {"name": "bao-cao-6-thang.pdf", "mimeType": "application/pdf", "buffer": EVIDENCE_PDF},
        )
        page.locator("#evidence-form button[type=submit]").click()
        page.locator("#evidence-list", has_text="bao-cao-6-thang.pdf").wait_for()
        page.wait_for_url(f"{item_url}#evidence")
        assert "Báo cáo 6 tháng (bản trình ký)." in page.locator("#evidence-list").inner_text()
        # The page returns to the evidence; the step it was for is right there, and on top.
        submit = page.locator("#evidence-next button")
        assert submit.inner_text() == "Trình duyệt"
        officer.on_screen(submit)
        officer.step("06-evidence", as_is=True)
        assert officer.top_action().inner_text() == "Trình duyệt"

        # 6. Submitted for review: "Chờ duyệt", nothing left for her to press on top.
        submit.click()
        officer.state("Chờ duyệt")
        assert page.locator("#top-action").count() == 0
        officer.step("07-submitted")

        # 7. The head's review mail; its button, signed out; sign in; approve on top.
        truong = _user(site, "btg.truong")
        mail = wait_for_mail(site, kind="awaiting_review", to=truong.email, title=TITLE_VI)
        assert mail["Subject"] == f"{TITLE_VI} (#{item_id})", mail["Subject"]
        assert _text(mail).startswith(f"[Chờ duyệt] {TITLE_VI} – hạn {due_text}"), _text(mail)
        page = head.page
        button = head.open_mail(mail, button="Mở nhiệm vụ")
        page.get_by_text("Âu Thị Yến đã hoàn thành và trình duyệt").wait_for()
        head.step("08-review-mail")
        button.click()
        page.wait_for_url(re.compile(r"/login\?next="))
        head.sign_in_here()
        page.wait_for_url(item_url)
        head.state("Chờ duyệt")
        assert "bao-cao-6-thang.pdf" in page.locator("#evidence-list").inner_text()
        top = head.top_action()
        assert top.inner_text() == "Duyệt hoàn thành"
        head.step("09-review")
        top.click()
        head.state("Hoàn thành")
        assert page.locator("#top-action").count() == 0
        head.step("10-approved")

        # 8. The Director's dashboard: one more done on time, one fewer open.
        director.page.reload()
        after = counts(director.page)
        assert after["done-on-time"] == before["done-on-time"] + 1, (before, after)
        assert after["open"] == before["open"] - 1, (before, after)
        assert after["awaiting-review"] == before["awaiting-review"], (before, after)
        row = director.page.locator("#by-unit tr[data-unit='BTG']")
        assert row.locator(".n-on-time").inner_text() == "1"
        director.step("11-director-dashboard")
        director.shot("12-director-unit", at=row)
    finally:
        for phone in (director, officer, head):
            phone.close()


def test_reminder_in_english_on_a_phone(site: Site, browser: Any) -> None:
    """An officer whose profile says English, signed in on her phone: the reminder and the
    item page in English, and the main action two taps from the mail (its button, then the
    action under the title)."""
    officer = Phone(browser, site, "tdkt.ngoc", prefix="en-")
    try:
        page = officer.page
        page.goto(f"{site.url}/login")
        officer.sign_in_here()
        page.wait_for_url(lambda u: "/login" not in u)
        page.goto(f"{site.url}/ui/settings/notifications")
        page.check("#language-en")
        page.click("#settings-submit")
        # The page answers in English: on a phone the header is the folded menu's button.
        page.get_by_role("button", name="Menu", exact=True).wait_for()

        item_id = assign_and_remind(
            site, head="tdkt.truong", unit="TDKT", officer="tdkt.ngoc", title=TITLE_EN
        )
        # An English mail names the month (no day/month order to guess).
        day = _aware(_item(site, item_id).due_at).astimezone(ZONE).date()
        due = f"{day.day} {day:%b} {day.year}"
        ngoc = _user(site, "tdkt.ngoc")
        mail = wait_for_mail(site, kind="reminder", to=ngoc.email, title=TITLE_EN)
        assert mail["Subject"] == f"{TITLE_EN} (#{item_id})", mail["Subject"]
        assert _text(mail).startswith(f"[Reminder] {TITLE_EN} – due {due} (5 working days left)")
        button = officer.open_mail(mail, button="Open the task")
        page.get_by_text("The following task is due soon: 5 working days left.").wait_for()
        # The lead unit as the English pages name it.
        assert page.get_by_text("Emulation and Commendation Board", exact=True).count() == 1
        officer.step("01-reminder-mail")
        button.click()  # tap one
        page.wait_for_url(f"{site.url}/ui/items/{item_id}")
        assert page.locator("#item-title").inner_text() == TITLE_EN
        officer.state("Assigned")
        assert "Emulation and Commendation Board" in page.locator("table.fields").inner_text()
        assert page.locator("#item-flag").inner_text() == "(On track)"
        top = officer.top_action()
        assert top.inner_text() == "Accept"
        officer.step("02-item")
        top.click()  # tap two
        officer.state("Accepted")
        page.fill("#progress", "20")
        page.fill("#comment", "Collected the first files.")
        page.click("#progress-submit")
        officer.state("In progress")
        assert page.locator("#item-progress").inner_text().strip() == "20%"
        assert officer.top_action().inner_text() == "Attach evidence"
        officer.step("03-progress")
    finally:
        officer.close()
