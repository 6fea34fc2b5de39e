"""Every page at a phone's size (390×844) in chromium: nothing wider than the screen, tap
targets of at least 44 px.

The pages are enumerated from the app's routes (every GET of `/`, `/ui/…` and of the page
modules), so a new page fails here until it is listed with the role that opens it. The site
is its own embedded instance as `make run` builds it (sample organisation and plan, tasks
distributed, demo items, a weekly report, the mail the jobs sent), so no other browser
test's data changes what these pages show.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.routing import iter_route_contexts
from sqlmodel import Session, col, select

from tests.browser import OVERFLOW_JS, SMALL_TARGETS_JS
from tests.conftest import ROOT, SAMPLE_ORG
from tests.e2e.conftest import CLI, PLAN, free_port, live_cli, live_env
from workflow.clock import utc_now
from workflow.db import make_engine
from workflow.models import Indicator, PlanTask, ReportRun, User, WorkItem

PHONE = {"width": 390, "height": 844}

# GET routes of the page modules that answer with something other than a page.
NOT_PAGES = {
    "/lang/{code}",  # sets the language cookie and redirects
    "/ui/items/{item_id}/evidence/{evidence_id}/file",
    "/ui/reports/{report_id}/charts/{name}",
    "/dev/mailbox/{key}/cid/{cid}",
    "/ui/dates/days-off",  # the date picker's JSON
    "/ui/dates/check",  # the line under a due date (a fragment)
    "/ui/export/{list_name}/{fmt}",  # a list as an XLSX or CSV file
    "/login/oidc",  # redirects to the OpenID provider (tests/e2e/test_oidc_sign_in.py)
    "/login/oidc/callback",  # the provider's redirect back (test_oidc_sign_in.py)
}


@dataclass
class Site:
    """The phone test's own live site and the ids its pages need."""

    url: str
    var: Path
    item_id: int
    assignee: str
    plan_id: int
    task_id: int
    indicator_id: int
    report_id: int
    person_id: int  # the item's assignee, on the administration pages


def _ids(var: Path) -> dict[str, Any]:
    engine = make_engine(f"sqlite:///{var / 'pf.db'}")
    with Session(engine) as s:
        item = s.exec(select(WorkItem).order_by(col(WorkItem.id))).first()
        assert item is not None, "demo seed made no item"
        assignee = s.get(User, item.assignee_id)
        assert assignee is not None
        task = s.exec(
            select(PlanTask)
            .where(col(PlanTask.lead_unit_id).is_not(None))
            .order_by(col(PlanTask.id))
        ).first()
        indicator = s.exec(select(Indicator).order_by(col(Indicator.id))).first()
        run = s.exec(select(ReportRun).order_by(col(ReportRun.id))).first()
        assert task and indicator and run
        ids = {
            "item_id": item.id,
            "assignee": assignee.username,
            "plan_id": task.plan_id,
            "task_id": task.id,
            "indicator_id": indicator.id,
            "report_id": run.id,
            "person_id": assignee.id,
        }
    engine.dispose()
    return ids


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, browser: Any) -> Iterator[Site]:
    """`make run`'s set-up on a fresh SQLite database, then `planflow serve`."""
    var = tmp_path_factory.mktemp("phone")
    live_cli(var, "db", "upgrade")
    live_cli(var, "org", "load", str(SAMPLE_ORG))
    live_cli(var, "plan", "import", str(PLAN))
    live_cli(var, "plan", "units", "1", str(PLAN.parent / "task-units.yaml"))
    live_cli(var, "user", "dev-passwords")
    live_cli(var, "demo", "seed")
    week = (utc_now() - timedelta(days=7)).isocalendar()
    live_cli(
        var,
        "report",
        "build",
        "--kind",
        "weekly",
        "--period",
        f"{week[0]}-W{week[1]:02d}",
        "--no-pdf",
        "--out",
        str(var / "reports"),
    )
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    # Replies by mail on, as `make run` has them: the dev mailbox offers its simulated reply.
    env = live_env(var) | {"PLANFLOW_BASE_URL": url, "PLANFLOW_MAIL_REPLY_MODE": "subaddress"}
    log = open(var / "server.log", "wb")  # noqa: SIM115
    # The mail the demo queued and a reset link, delivered into the dev mailbox.
    proc = subprocess.Popen(
        [*CLI, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 90  # a loaded CI machine starts it slowly
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.2)
    else:
        proc.kill()
        pytest.fail(f"server did not start: {(var / 'server.log').read_text()}")
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{url}/forgot-password")
    page.fill("#login", "cchc.linh")
    page.click("#forgot-submit")
    page.wait_for_load_state()
    page.close()
    subprocess.run(
        [*CLI, "mail", "deliver"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL
    )
    yield Site(url=url, var=var, **_ids(var))
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def page_routes() -> set[str]:
    """Every GET route of `/`, `/ui/…` and of the modules under api/pages."""
    from api.app import create_app

    paths = set()
    for route in iter_route_contexts(create_app().routes):
        if "GET" not in (route.methods or ()):
            continue
        module = getattr(route.endpoint, "__module__", "")
        path = str(route.path)
        if path == "/" or path.startswith("/ui/") or module.startswith("api.pages."):
            paths.add(path)
    return paths


# (site, username) → the session cookies of one sign-in: signing in for every page would
# trip the sign-in guard's per-account limit.
_SESSIONS: dict[tuple[str, str], list[Any]] = {}


def sign_in(page: Any, site: Site, username: str | None) -> None:
    page.context.clear_cookies()
    if username is None:
        return
    if (site.url, username) in _SESSIONS:
        page.context.add_cookies(_SESSIONS[site.url, username])
        return
    page.goto(f"{site.url}/login")
    page.fill("#username", username)
    page.fill("#password", "planflow-dev")
    page.click("#login-submit")
    page.wait_for_load_state()
    assert "/login" not in page.url, f"{username} could not sign in"
    _SESSIONS[site.url, username] = page.context.cookies()


def _mailbox_keys(page: Any, site: Site) -> list[str]:
    """The dev mailbox's messages, newest first, as the admin sees them."""
    sign_in(page, site, "vp.admin")
    page.goto(f"{site.url}/dev/mailbox")
    page.locator("#mailbox a").first.wait_for()
    hrefs = [a.get_attribute("href") for a in page.locator("#mailbox a").all()]
    assert all(hrefs), hrefs
    return [str(h) for h in hrefs]


def _cookies(page: Any) -> dict[str, str]:
    return {c["name"]: c["value"] for c in page.context.cookies()}


def mail_link(page: Any, site: Site, pattern: str) -> str:
    """The first link matching `pattern` in the dev mailbox's messages (as the admin)."""
    for key in _mailbox_keys(page, site):
        found = re.search(pattern, httpx.get(f"{site.url}{key}", cookies=_cookies(page)).text)
        if found:
            return found.group(0).replace("&amp;", "&")
    pytest.fail(f"no mail has a link like {pattern}")


def first_message(site: Site, page: Any) -> str:
    return _mailbox_keys(page, site)[0]


def first_reply(site: Site, page: Any) -> str:
    """The simulated reply form of the first mail that can be answered."""
    for key in _mailbox_keys(page, site):
        if httpx.get(f"{site.url}{key}/reply", cookies=_cookies(page)).status_code == 200:
            return f"{key}/reply"
    pytest.fail("no mail in the dev mailbox can be answered (PLANFLOW_MAIL_REPLY_MODE)")


# route → (who opens it, where: a function of the site and the browser page giving the path)
Where = Callable[[Site, Any], str]
PAGES: dict[str, tuple[str | None, Where]] = {
    "/login": (None, lambda s, p: "/login"),
    "/forgot-password": (None, lambda s, p: "/forgot-password"),
    "/reset-password": (None, lambda s, p: mail_link(p, s, r"/reset-password\?token=[^\"'<\s]+")),
    "/unsubscribe/{token}": (None, lambda s, p: mail_link(p, s, r"/unsubscribe/[^\"'<\s]+")),
    "/": ("gd.minh", lambda s, p: "/"),
    "/my": ("assignee", lambda s, p: "/my"),
    "/ui/search": ("assignee", lambda s, p: "/ui/search?q=cai cach"),
    "/ui/items/{item_id}": ("assignee", lambda s, p: f"/ui/items/{s.item_id}"),
    "/ui/plans": ("vp.cchc", lambda s, p: "/ui/plans"),
    "/ui/plans/{plan_id}": ("vp.cchc", lambda s, p: f"/ui/plans/{s.plan_id}"),
    "/ui/plans/{plan_id}/issue": ("vp.cchc", lambda s, p: f"/ui/plans/{s.plan_id}/issue"),
    "/ui/plan-import": ("vp.cchc", lambda s, p: "/ui/plan-import"),
    "/ui/tasks/{task_id}/assign": ("vp.cchc", lambda s, p: f"/ui/tasks/{s.task_id}/assign"),
    "/ui/tasks/{task_id}/units": ("vp.cchc", lambda s, p: f"/ui/tasks/{s.task_id}/units"),
    "/ui/team": ("gd.minh", lambda s, p: "/ui/team"),
    "/ui/board": ("cchc.truong", lambda s, p: "/ui/board"),
    "/ui/plans/{plan_id}/timeline": ("cchc.truong", lambda s, p: f"/ui/plans/{s.plan_id}/timeline"),
    "/ui/deadlines": ("cchc.truong", lambda s, p: "/ui/deadlines?whose=unit"),
    "/ui/director": ("gd.minh", lambda s, p: "/ui/director"),
    "/ui/absences": ("cchc.truong", lambda s, p: "/ui/absences"),
    "/ui/org/import": ("vp.admin", lambda s, p: "/ui/org/import"),
    "/ui/org": ("vp.admin", lambda s, p: "/ui/org"),
    "/ui/org/people": ("vp.admin", lambda s, p: "/ui/org/people"),
    "/ui/org/people/new": ("cchc.truong", lambda s, p: "/ui/org/people/new"),
    "/ui/org/people/{person_id}": ("vp.admin", lambda s, p: f"/ui/org/people/{s.person_id}"),
    "/ui/units": ("vp.cchc", lambda s, p: "/ui/units?name=Các đơn vị liên quan"),
    "/ui/settings/notifications": ("assignee", lambda s, p: "/ui/settings/notifications"),
    "/ui/calendar": ("vp.cchc", lambda s, p: "/ui/calendar?year=2026"),
    "/ui/reports": ("vp.cchc", lambda s, p: "/ui/reports"),
    "/ui/reports/{report_id}": ("gd.minh", lambda s, p: f"/ui/reports/{s.report_id}"),
    "/ui/indicators/{indicator_id}": ("vp.cchc", lambda s, p: f"/ui/indicators/{s.indicator_id}"),
    "/dev/mailbox": ("vp.admin", lambda s, p: "/dev/mailbox"),
    "/ui/outbox": ("vp.admin", lambda s, p: "/ui/outbox"),
    "/dev/mailbox/{key}": ("vp.admin", first_message),
    "/dev/mailbox/{key}/reply": ("vp.admin", first_reply),
}
# Pages seen by a second role as well: a unit head's dashboard and unit page differ.
ALSO = [
    ("/", "cchc.truong"),
    ("/ui/team", "cchc.truong"),
    ("/my", "cchc.truong"),
    ("/ui/board", "assignee"),  # an officer's board: their own items of their unit
    ("/ui/director", "cchc.truong"),
]


def test_every_page_is_listed() -> None:
    """A page added to the app without a line here fails this test."""
    missing = page_routes() - set(PAGES) - NOT_PAGES
    assert missing == set(), f"pages the phone test does not visit: {sorted(missing)}"
    gone = (set(PAGES) | NOT_PAGES) - page_routes()
    assert gone == set(), f"listed but not served: {sorted(gone)}"


def _visits() -> list[tuple[str, str | None]]:
    return [(route, who) for route, (who, _) in PAGES.items()] + [
        (route, who) for route, who in ALSO
    ]


@pytest.mark.parametrize(("route", "who"), _visits(), ids=lambda v: str(v))
def test_page_fits_a_phone(site: Site, browser: Any, route: str, who: str | None) -> None:
    context = browser.new_context(
        locale="vi-VN", viewport=PHONE, device_scale_factor=1, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    try:
        user = site.assignee if who == "assignee" else who
        where = PAGES[route][1](site, page)
        sign_in(page, site, user)
        response = page.goto(f"{site.url}{where}")
        assert response is not None and response.status == 200, (
            f"{where}: {response and response.status}"
        )
        # The mailbox's message is the mail itself (its own HTML): only the width matters.
        layout = page.evaluate(OVERFLOW_JS)
        assert layout["scrollWidth"] <= layout["innerWidth"], f"{where} as {user}: {layout}"
        assert layout["wide"] == [], (
            f"{where} as {user}: wider than the screen: {layout['wide'][:8]}"
        )
        if route != "/dev/mailbox/{key}":
            small = page.evaluate(SMALL_TARGETS_JS)
            assert small == [], f"{where} as {user}: tap targets under 44 px: {small[:8]}"
    finally:
        context.close()


def test_the_checks_see_a_page_too_wide(browser: Any) -> None:
    """The width and tap-target checks above catch what they look for."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE)
    page = context.new_page()
    try:
        page.set_content(
            '<body style="margin:0"><table id="wide"><tr><td>'
            '<div style="width:600px">x</div></td></tr></table>'
            '<button id="tiny" style="height:20px">ok</button></body>'
        )
        layout = page.evaluate(OVERFLOW_JS)
        assert layout["scrollWidth"] > layout["innerWidth"]
        assert any(w.startswith("table#wide") for w in layout["wide"]), layout
        assert page.evaluate(SMALL_TARGETS_JS) == ["#tiny 20px"]
    finally:
        context.close()


def test_due_date_picker_on_a_phone(site: Site, browser: Any) -> None:
    """The assign form's due date: typed day first, the line under it says where a day off
    lands, the picker greys the days off and fills the field day first."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, site, "vp.cchc")
        page.goto(f"{site.url}/ui/tasks/{site.task_id}/assign")
        page.fill("#due_on", "31/05/2026")
        page.locator("#due_on").dispatch_event("change")
        hint = page.locator("#due_on-hint")
        hint.get_by_text("Chủ nhật 31/05/2026 là ngày nghỉ → hạn là Thứ Hai 01/06/2026").wait_for()
        page.locator("#due_on + .date-pick, .date-field:has(#due_on) .date-pick").first.click()
        picker = page.locator(".picker")
        picker.locator("button.day[data-day='2026-05-31']").wait_for()
        assert "off" in (picker.locator("[data-day='2026-05-31']").get_attribute("class") or "")
        assert "off" not in (picker.locator("[data-day='2026-05-29']").get_attribute("class") or "")
        assert "chosen" in (picker.locator("[data-day='2026-05-31']").get_attribute("class") or "")
        picker.locator(".picker-next").click()
        picker.get_by_text("Tháng 6 2026").wait_for()
        page.locator(".picker button.day[data-day='2026-06-02']").click()
        assert page.locator("#due_on").input_value() == "02/06/2026"
        hint.get_by_text("Thứ Ba 02/06/2026 là ngày làm việc").wait_for()
        layout = page.evaluate(OVERFLOW_JS)
        assert layout["wide"] == [], layout["wide"][:8]
    finally:
        context.close()


def test_the_header_folds_into_one_menu_button_on_a_phone(site: Site, browser: Any) -> None:
    """A page starts with its content on a phone: the header is one row (name and a menu
    button); the button opens every link, each a full tap target. A wide screen shows the
    links and no button."""
    context = browser.new_context(locale="vi-VN", viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        sign_in(page, site, "cchc.truong")
        page.goto(f"{site.url}/my")
        assert page.evaluate("document.querySelector('header').offsetHeight") <= 60
        assert page.locator("#menu-toggle").is_visible()
        assert not page.locator("#nav-my").is_visible()
        assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "false"
        page.locator("#menu-toggle").tap()
        assert page.locator("#menu-toggle").get_attribute("aria-expanded") == "true"
        for link in ("#nav-my", "#nav-team", "#nav-calendar", "#nav-settings", "#logout"):
            assert page.locator(link).is_visible(), link
        assert page.evaluate(SMALL_TARGETS_JS) == []
        page.click("#nav-team")
        page.wait_for_url("**/ui/team")
        page.locator("#nav-team").wait_for(state="hidden")  # a new page starts folded
        # The menu script answers the width change: wait for it rather than race it.
        page.set_viewport_size({"width": 1280, "height": 800})
        page.locator("#menu-toggle").wait_for(state="hidden")
        page.locator("#nav-team").wait_for(state="visible")
    finally:
        context.close()
