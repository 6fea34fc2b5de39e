"""The unit board, the plan timeline and the deadline calendar in chromium, at 1280 px and as
a 390×844 phone: a card dragged to an allowed column moves (state and audit written), to a
forbidden one is refused with a message; on the phone the card's "Chuyển sang" control moves
it; the timeline draws an extended item against its original deadline; the calendar greys
days off and hides them on request. Screenshots go to var/screenshots/."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, col, select

from tests.browser import OVERFLOW_JS
from tests.e2e.conftest import screenshot_dir, sign_in
from workflow.calendar import local_date
from workflow.db import make_engine
from workflow.models import PlanTask, Unit, User, WorkItem, WorkItemEvent

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


@dataclass(frozen=True)
class Seeded:
    plan_id: int
    drag: int  # assigned to cchc.linh: dragged on the desktop
    tap: int  # assigned to cchc.linh: moved with the phone's control
    extended: int  # in progress, due 30 days later than first set
    drag_due: date  # the dragged item's deadline (agency time)


def _db(live_dir: Path) -> Any:
    return make_engine(f"sqlite:///{live_dir / 'pf.db'}")


@pytest.fixture(scope="module")
def seeded(live_server: str, live_dir: Path, sample_plan: None) -> Iterator[Seeded]:
    engine = _db(live_dir)
    now = datetime.now(UTC)
    today = local_date(now, tz="Asia/Ho_Chi_Minh")
    ids: dict[str, int] = {}
    with Session(engine) as s:
        unit = s.exec(select(Unit).where(Unit.code == "CCHC")).one()
        linh = s.exec(select(User).where(User.username == "cchc.linh")).one()
        head = s.exec(select(User).where(User.username == "cchc.truong")).one()
        task = s.exec(select(PlanTask).order_by(col(PlanTask.id))).first()
        assert task is not None
        rows = (
            ("drag", "Bảng: thẻ kéo sang cột khác", "assigned", 20, 0),
            ("tap", "Bảng: thẻ chuyển bằng ô chọn", "assigned", 25, 0),
            ("extended", "Tiến độ: việc được gia hạn", "in_progress", 40, 30),
        )
        for key, title, state, due_days, extension in rows:
            due = now + timedelta(days=due_days)
            item = WorkItem(
                title=title,
                state=state,
                lead_unit_id=unit.id,
                assignee_id=linh.id,
                assigner_id=head.id,
                plan_task_id=task.id,
                start_on=today - timedelta(days=30),
                due_at=due,
                original_due_at=due - timedelta(days=extension),
                created_at=now,
                updated_at=now,
            )
            s.add(item)
            s.flush()
            ids[key] = item.id or 0
        s.commit()
        plan_id = task.plan_id
    engine.dispose()
    drag_due = local_date(now + timedelta(days=20), tz="Asia/Ho_Chi_Minh")
    yield Seeded(plan_id=plan_id, drag_due=drag_due, **ids)


def _state(live_dir: Path, item_id: int) -> tuple[str, list[str]]:
    engine = _db(live_dir)
    with Session(engine) as s:
        item = s.get(WorkItem, item_id)
        assert item is not None
        events = s.exec(
            select(WorkItemEvent.action)
            .where(WorkItemEvent.work_item_id == item_id)
            .order_by(col(WorkItemEvent.id))
        ).all()
        state = item.state
    engine.dispose()
    return state, list(events)


def drop_on(card: Any, column: Any) -> None:
    """Drag `card` onto the top of `column` (columns are as tall as the longest: aiming at
    a column's middle would scroll the page between the press and the drag)."""
    card.drag_to(column, target_position={"x": 40, "y": 12})


def _fits(page: Any) -> None:
    width = page.evaluate(OVERFLOW_JS)
    assert width["scrollWidth"] <= width["innerWidth"], width["wide"][:5]


def test_drag_a_card_to_an_allowed_and_a_forbidden_column(
    live_server: str, live_dir: Path, browser: Any, seeded: Seeded
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, "cchc.linh")
    page.goto(f"{live_server}/ui/board")
    card = page.locator(f'.card[data-item="{seeded.drag}"]')
    assert card.get_attribute("data-state") == "assigned"
    # Allowed: assigned → accepted (Tiếp nhận, the assignee's).
    drop_on(card, page.locator('.column[data-state="accepted"]'))
    page.wait_for_selector("#board-notice")
    moved = page.locator(f'.column[data-state="accepted"] .card[data-item="{seeded.drag}"]')
    assert moved.count() == 1
    assert _state(live_dir, seeded.drag) == ("accepted", ["accept"])
    wip = page.locator('#board-wip li[data-state="accepted"] .wip-count').inner_text()
    assert int(wip) >= 1
    page.screenshot(path=str(screenshot_dir() / "board-moved.png"), full_page=True)
    # Forbidden: accepted → awaiting review skips the work: no step of the state table.
    drop_on(moved, page.locator('.column[data-state="awaiting_review"]'))
    error = page.locator("#board-error")
    error.wait_for()
    assert "không có bước đó" in error.inner_text()
    assert _state(live_dir, seeded.drag) == ("accepted", ["accept"])
    assert page.locator(f'.column[data-state="accepted"] .card[data-item="{seeded.drag}"]').count()
    page.screenshot(path=str(screenshot_dir() / "board-refused.png"), full_page=True)
    # Pausing is the head's: the officer's drop there is refused too, with the other reason.
    drop_on(
        page.locator(f'.card[data-item="{seeded.drag}"]'),
        page.locator('.column[data-state="paused"]'),
    )
    page.locator("#board-error", has_text="không có quyền").wait_for()
    assert _state(live_dir, seeded.drag) == ("accepted", ["accept"])
    context.close()


def test_move_a_card_on_a_phone(
    live_server: str, live_dir: Path, browser: Any, seeded: Seeded
) -> None:
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, "cchc.linh")
    page.goto(f"{live_server}/ui/board")
    _fits(page)
    card = page.locator(f'.card[data-item="{seeded.tap}"]')
    card.locator("select").select_option("accepted")
    card.locator("button.move-go").tap()
    page.wait_for_selector("#board-notice")
    assert _state(live_dir, seeded.tap) == ("accepted", ["accept"])
    assert page.locator(f'.column[data-state="accepted"] .card[data-item="{seeded.tap}"]').count()
    _fits(page)
    page.screenshot(path=str(screenshot_dir() / "board-phone.png"), full_page=True)
    context.close()


def test_head_drag_needing_a_reason_opens_the_item_form(
    live_server: str, live_dir: Path, browser: Any, seeded: Seeded
) -> None:
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server, "cchc.truong")
    page.goto(f"{live_server}/ui/board")
    card = page.locator(f'.card[data-item="{seeded.extended}"]')
    drop_on(card, page.locator('.column[data-state="paused"]'))
    page.wait_for_url(lambda url: f"/ui/items/{seeded.extended}?do=pause" in url)
    assert page.locator("#do-action").get_attribute("data-action") == "pause"
    page.fill("#comment", "Chờ ý kiến chỉ đạo của Giám đốc")
    page.click('button[data-action="pause"]')
    page.wait_for_url(lambda url: "/ui/board" in url)
    assert page.locator(
        f'.column[data-state="paused"] .card[data-item="{seeded.extended}"]'
    ).count()
    state, events = _state(live_dir, seeded.extended)
    assert state == "paused" and events[-1] == "pause"
    # Back to work, from the board in one move (resuming needs no reason).
    drop_on(
        page.locator(f'.card[data-item="{seeded.extended}"]'),
        page.locator('.column[data-state="in_progress"]'),
    )
    page.wait_for_selector("#board-notice")
    assert _state(live_dir, seeded.extended)[0] == "in_progress"
    context.close()


@pytest.mark.parametrize(("size", "suffix"), [(DESKTOP, ""), (PHONE, "-phone")])
def test_timeline_shows_the_extension_against_the_original_due(
    live_server: str, browser: Any, seeded: Seeded, size: dict[str, int], suffix: str
) -> None:
    phone = size is PHONE
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    sign_in(page, live_server, "cchc.truong")
    page.goto(f"{live_server}/ui/plans/{seeded.plan_id}/timeline?zoom=year")
    bar = page.locator(f'.g-bar[data-item="{seeded.extended}"]')
    original = date.fromisoformat(bar.get_attribute("data-original-due") or "")
    due = date.fromisoformat(bar.get_attribute("data-due") or "")
    assert (due - original).days == 30
    line = bar.locator("xpath=..")
    mark, extension = line.locator(".g-orig"), line.locator(".g-ext")
    box, mark_box, ext_box = bar.bounding_box(), mark.bounding_box(), extension.bounding_box()
    assert box and mark_box and ext_box
    # The original deadline's mark inside the bar, the extension from it to the bar's end.
    assert box["x"] < mark_box["x"] < box["x"] + box["width"]
    assert ext_box["x"] + ext_box["width"] == pytest.approx(box["x"] + box["width"], abs=2)
    assert page.locator("#today-line").is_visible()
    _fits(page)
    page.screenshot(path=str(screenshot_dir() / f"timeline{suffix}.png"), full_page=True)
    context.close()


@pytest.mark.parametrize(("size", "suffix"), [(DESKTOP, ""), (PHONE, "-phone")])
def test_calendar_greys_and_hides_days_off(
    live_server: str, browser: Any, seeded: Seeded, size: dict[str, int], suffix: str
) -> None:
    phone = size is PHONE
    context = browser.new_context(viewport=size, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    sign_in(page, live_server, "cchc.linh")
    # April 2026: 30/4 and 1/5 are holidays, Giỗ Tổ's day in lieu on Monday 27/4.
    page.goto(f"{live_server}/ui/deadlines?day=2026-04-01")
    holiday = page.locator('td[data-day="2026-04-30"]')
    assert "Ngày Chiến thắng" in holiday.inner_text()
    grey = holiday.evaluate("el => getComputedStyle(el).backgroundColor")
    assert grey == "rgb(244, 245, 247)"  # --surface
    _fits(page)
    page.screenshot(path=str(screenshot_dir() / f"deadlines{suffix}.png"), full_page=True)
    page.check("#cal-hide")
    page.click("#cal-show")
    page.wait_for_url(lambda url: "days_off=hide" in url)
    assert page.locator('td[data-working="0"]').count() == 0
    assert page.locator('td[data-day="2026-04-04"]').count() == 0  # a Saturday: no column
    # A deadline clicks through to its item (the week of the dragged card's deadline).
    page.goto(f"{live_server}/ui/deadlines?view=week&day={seeded.drag_due.isoformat()}")
    page.locator(f'li[data-item="{seeded.drag}"] a').click()
    page.wait_for_url(lambda url: f"/ui/items/{seeded.drag}" in url)
    context.close()
