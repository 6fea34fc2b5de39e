"""Regenerate the web UI screenshots in docs/screenshots (linked from README.md).

    .venv/bin/python docs/screenshots/regenerate.py

Builds a throw-away embedded instance (SQLite, maildir) with the sample organisation, the
sample plan (its tasks distributed as deploy/sample/task-units.yaml) and a few demo items
created through the services (overdue, due soon, awaiting review, supported by another
unit), builds the due reports and runs the outbox once so the report pages and the dev
mailbox have something to show, serves it with
`planflow serve`, signs in with Debian's chromium under Playwright and saves PNGs of every
page twice, 1200 px wide and as a 390×844 phone (`-phone` files): Vietnamese pages
(dashboard, team, plan, indicator, calendar, reports, the coordinator's assign form), "my
items" in English, and the dev mailbox as the administrator.

Then the people's journey on a phone (docs/screenshots/journey/: the reminder mail, signing
in, accepting, a progress report, evidence, submitting, the head's review mail and approval,
the Director's dashboard; `en-` pictures for an officer reading English): these are taken by
the browser test that walks it, `tests/e2e/test_journey.py`, with `PLANFLOW_JOURNEY_SHOTS`
pointing here. `--journey` takes only those.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
TMP = Path(tempfile.mkdtemp(prefix="pf-screens-"))
# Before anything reads the settings: this run's database and mail live in TMP.
os.environ.update(
    PLANFLOW_DATABASE_URL=f"sqlite:///{TMP / 'pf.db'}",
    PLANFLOW_VAR_DIR=str(TMP),
    PLANFLOW_MAIL_BACKEND="maildir",
    PLANFLOW_MODE="embedded",
)
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from sqlmodel import col, select  # noqa: E402

from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: E402
from tests.conftest import SAMPLE_ORG, SAMPLE_PLAN  # noqa: E402
from workflow.calendar import local_date  # noqa: E402
from workflow.clock import utc_now  # noqa: E402
from workflow.db import get_engine, session_scope  # noqa: E402
from workflow.models import PlanTask, Unit, User, WorkItem  # noqa: E402
from workflow.services.comments import add_comment  # noqa: E402
from workflow.services.extensions import decide_extension, request_extension  # noqa: E402
from workflow.services.work_items import ItemSpec, act, add_evidence, assign  # noqa: E402
from workflow.settings import get_settings  # noqa: E402

# (file suffix, viewport width, height of the first screen, tallest full-page picture)
SIZES = (("", 1200, 800, 1500), ("-phone", 390, 844, 2600))
CLI = [sys.executable, "-m", "api.cli"]


def cli(*args: str) -> None:
    subprocess.run([*CLI, *args], check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


def seed_items(now: datetime) -> None:
    """A handful of items in every deadline colour, made the way users make them."""
    tz = get_settings().timezone
    today = local_date(now, tz=tz)
    with session_scope() as session:
        users = {u.username: u for u in session.exec(select(User))}
        units = {u.code: u.id or 0 for u in session.exec(select(Unit))}
        head, linh, nam = users["cchc.truong"], users["cchc.linh"], users["cchc.nam"]

        def give(
            actor: User, to: User, title: str, *, days_ago: int, working_days: int, **extra: object
        ) -> int:
            spec = ItemSpec(
                title=title,
                lead_unit_id=to.unit_id,
                assignee_id=to.id or 0,
                start_on=today - timedelta(days=days_ago),
                due_working_days=working_days,
                **extra,  # type: ignore[arg-type]
            )
            made = assign(
                session=session, now=now - timedelta(days=days_ago), actor=actor, spec=spec
            )
            return made.id or 0

        def do(
            who: User, item_id: int, *actions: str, comment: str | None = None, hours_ago: int = 3
        ) -> None:
            for action in actions:
                act(
                    session=session,
                    now=now - timedelta(hours=hours_ago),
                    actor=who,
                    item_id=item_id,
                    action=action,
                    comment=comment,
                )

        late = give(
            head,
            linh,
            "Báo cáo kết quả thực hiện nhiệm vụ CCHC quý IV",
            days_ago=25,
            working_days=10,
            priority="high",
            evidence_required="Báo cáo trình Giám đốc ký",
        )
        # The late one is a plan task's work too, so the plan's timeline has a red bar.
        tasks = session.exec(select(PlanTask).order_by(col(PlanTask.id))).all()
        overdue = session.get(WorkItem, late)
        assert overdue is not None and len(tasks) > 5
        overdue.plan_task_id = tasks[5].id
        session.add(overdue)
        do(linh, late, "accept", "start")
        soon = give(
            head,
            nam,
            "Rà soát, đơn giản hóa thủ tục hành chính lĩnh vực thi đua, khen thưởng",
            days_ago=6,
            working_days=6,
            supporting_unit_ids=(units["TDKT"],),
        )
        do(nam, soon, "accept")
        task = session.exec(select(PlanTask).order_by(col(PlanTask.id))).first()
        review = give(
            head,
            linh,
            "Cập nhật quy trình nội bộ giải quyết thủ tục hành chính",
            days_ago=10,
            working_days=25,
            description="Cập nhật theo Quyết định công bố TTHC mới của Chủ tịch UBND tỉnh.",
            evidence_required="Dự thảo quy trình nội bộ",
            supporting_unit_ids=(units["TCBC"],),
            inform_unit_ids=(units["VP"],),
            plan_task_id=task.id if task is not None else None,
        )
        do(linh, review, "accept", "start")
        # An extension granted (the page then shows the original due date) and a comment.
        due = session.get(WorkItem, review)
        assert due is not None
        extension = request_extension(
            session=session,
            now=now - timedelta(days=3),
            actor=linh,
            item_id=review,
            requested_due_on=local_date(due.due_at, tz=tz) + timedelta(days=7),
            reason="Chờ ý kiến góp ý của các phòng về dự thảo quy trình.",
        )
        decide_extension(
            session=session,
            now=now - timedelta(days=2),
            actor=head,
            request_id=extension.id or 0,
            approve=True,
            note="Đồng ý, đề nghị hoàn thành đúng hạn mới.",
        )
        add_comment(
            session=session,
            now=now - timedelta(days=2),
            actor=users["tcbc.truong"],
            item_id=review,
            body="Phòng TCBC đã gửi ý kiến góp ý bằng văn bản.",
        )
        add_evidence(
            session=session,
            now=now - timedelta(hours=2),
            actor=linh,
            item_id=review,
            note="Dự thảo quy trình nội bộ (lần 2) đã gửi qua hệ thống quản lý văn bản.",
        )
        do(linh, review, "submit", comment="Kính trình anh xem xét.", hours_ago=1)
        digitise = "Số hóa hồ sơ, kết quả giải quyết TTHC năm 2026"
        give(head, nam, digitise, days_ago=1, working_days=30)
        support = give(
            users["tcbc.truong"],
            users["tcbc.hoa"],
            "Thẩm định đề án vị trí việc làm của các đơn vị sự nghiệp",
            days_ago=12,
            working_days=9,
            supporting_unit_ids=(units["CCHC"],),
        )
        do(users["tcbc.hoa"], support, "accept", "start")


def run_jobs(now: datetime) -> None:
    """The mail the demo caused (assignments, review, a reset link), into the maildir."""
    from api.sign_in import mail_reset_link
    from tasks.jobs import build_reports, deliver_outbox

    settings = get_settings()
    with session_scope() as session:
        linh = session.exec(select(User).where(User.username == "cchc.linh")).one()
        link = f"{settings.base_url}/reset-password?token=demo"
        mail_reset_link(session=session, user=linh, link=link, now=now, settings=settings)
    with session_scope() as session:
        build_reports(session=session, now=now)  # the report pages show the frozen runs
    with session_scope() as session:
        deliver_outbox(session=session, now=now)


def serve(port: int) -> subprocess.Popen[bytes]:
    log = open(TMP / "server.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([*CLI, "serve", "--port", str(port)], cwd=ROOT, stdout=log, stderr=log)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit((TMP / "server.log").read_text())


def shoot(base: str) -> list[Path]:
    from playwright.sync_api import sync_playwright

    exe = chromium_path()
    if exe is None:
        raise SystemExit("chromium is not installed (make browser)")
    out: list[Path] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        for suffix, width, screen, tallest in SIZES:
            out += shoot_at(
                browser, base, suffix=suffix, width=width, screen=screen, tallest=tallest
            )
        browser.close()
    return out


def shoot_at(
    browser: Any, base: str, *, suffix: str, width: int, screen: int, tallest: int
) -> list[Path]:
    """Every page at one size; a phone is a touch screen (is_mobile)."""
    out: list[Path] = []
    phone = width < 600
    context = browser.new_context(
        viewport={"width": width, "height": screen},
        is_mobile=phone,
        has_touch=phone,
        locale="vi-VN",  # a first visit follows the browser's language
    )
    page = context.new_page()

    def save(name: str, *, full: bool = True, max_height: int = 0) -> None:
        target = HERE / name.replace(".png", f"{suffix}.png")
        cap = tallest if phone else (max_height or tallest)
        height = page.evaluate("document.documentElement.scrollHeight")
        if full and height <= cap:
            page.screenshot(path=str(target), full_page=True)
        else:
            page.set_viewport_size({"width": width, "height": cap if full else screen})
            page.screenshot(path=str(target))
            page.set_viewport_size({"width": width, "height": screen})
        out.append(target)

    page.goto(f"{base}/login")
    save("signin-vi.png", full=False)

    def sign_in(username: str) -> None:
        # Signed out by dropping the cookies: on a phone "Đăng xuất" sits in the folded menu.
        page.context.clear_cookies()
        # Each role has its own home (api.pages.ui.ROLE_HOMES): every one starts at /my here.
        page.goto(f"{base}/login?next=/my")
        page.fill("#username", username)
        page.fill("#password", "planflow-dev")
        page.click("#login-submit")
        page.wait_for_url(f"{base}/my")

    sign_in("cchc.truong")
    save("my-items-vi.png")
    page.click("text=Cập nhật quy trình nội bộ")
    page.wait_for_selector("#actions")
    save("item-vi.png")
    page.goto(f"{base}/")
    save("dashboard-vi.png")
    page.goto(f"{base}/ui/team")
    save("team-vi.png")
    # The views of issue 17: the unit board, the plan's timeline, the deadline calendar.
    page.goto(f"{base}/ui/board")
    save("board-vi.png")
    page.goto(f"{base}/ui/plans/1/timeline?zoom=year")
    save("timeline-vi.png")
    page.goto(f"{base}/ui/deadlines?whose=unit")
    save("deadlines-vi.png")
    page.goto(f"{base}/ui/calendar?year=2026")
    save("calendar-vi.png")
    page.goto(f"{base}/ui/reports")
    save("reports-vi.png")
    page.locator("a[href^='/ui/reports/']").first.click()
    save("report-run-vi.png", max_height=2200)
    page.goto(f"{base}/ui/plans")
    page.click("#plans a >> nth=0")
    page.wait_for_selector("#plan-title")
    save("plan-vi.png", max_height=1100)
    page.locator("a[href^='/ui/indicators/']").first.click()
    save("indicator-vi.png")
    page.goto(f"{base}/lang/en?next=/my")
    save("my-items-en.png")
    page.goto(f"{base}/lang/vi?next=/my")
    # The coordinator (đầu mối) may give any task to any unit, whatever its lead unit.
    sign_in("vp.cchc")
    page.goto(f"{base}/ui/plans")
    page.click("#plans a >> nth=0")
    page.locator("a.assign-link").first.click()
    page.select_option("#unit", label="Phòng Cải cách hành chính")
    page.click("#unit-choose")
    page.wait_for_selector("#assign-form")
    save("assign-vi.png")
    # A due date typed on a Sunday: the line under it and the picker's greyed days off.
    ahead = utc_now().date() + timedelta(days=20)
    sunday = ahead + timedelta(days=6 - ahead.weekday())
    page.fill("#due_on", sunday.strftime("%d/%m/%Y"))
    page.locator("#due_on").dispatch_event("change")
    page.wait_for_selector("#due_on-hint .date-hint")
    page.locator(".date-field:has(#due_on) .date-pick").click()
    page.wait_for_selector(".picker button.day")
    page.evaluate("document.querySelector('label[for=due_on]').scrollIntoView()")
    save("due-date-vi.png", full=False)
    # The names plans use for units: a vague name tried, ready to be mapped.
    page.goto(f"{base}/ui/units?name=Các đơn vị liên quan")
    save("unit-names-vi.png", max_height=1300)
    # The Director's dashboard: which units and areas are behind, and why.
    sign_in("gd.minh")
    page.goto(f"{base}/ui/director")
    save("director-vi.png", max_height=2200)
    # The dev mailbox holds everybody's mail, reset links too: administrators only.
    sign_in("vp.admin")
    page.goto(f"{base}/lang/vi?next=/dev/mailbox")
    save("mailbox-vi.png")
    context.close()
    return out


def journey() -> list[Path]:
    """The journey's pictures, from the test that walks it (its own throw-away site)."""
    out = HERE / "journey"
    out.mkdir(exist_ok=True)
    for old in out.glob("*.png"):
        old.unlink()
    # The test builds its own instance: none of this script's PLANFLOW_ settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env["PLANFLOW_JOURNEY_SHOTS"] = str(out)
    test = ["-m", "pytest", "-p", "no:cacheprovider", "-q", "tests/e2e/test_journey.py"]
    subprocess.run([sys.executable, *test], cwd=ROOT, env=env, check=True)
    return sorted(out.glob("*.png"))


def main() -> None:
    if "--journey" in sys.argv[1:]:
        for path in journey():
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
        return
    port = 8000 + os.getpid() % 1000
    os.environ["PLANFLOW_BASE_URL"] = f"http://127.0.0.1:{port}"
    get_settings.cache_clear()
    try:
        cli("db", "upgrade")
        cli("org", "load", str(SAMPLE_ORG))
        cli("plan", "import", str(SAMPLE_PLAN))
        cli("plan", "units", "1", str(SAMPLE_PLAN.parent / "task-units.yaml"))  # as `make run`
        cli("user", "dev-passwords")
        now = utc_now()
        seed_items(now)
        run_jobs(now)
        get_engine().dispose()
        server = serve(port)
        try:
            written = shoot(f"http://127.0.0.1:{port}")
        finally:
            server.terminate()
            server.wait(timeout=10)
        written += journey()
        for path in written:
            print(f"{path.relative_to(ROOT)}  {path.stat().st_size:,} bytes")
    finally:
        shutil.rmtree(TMP, ignore_errors=True)


if __name__ == "__main__":
    main()
