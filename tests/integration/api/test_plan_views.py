"""The plan timeline (`/ui/plans/{id}/timeline`), the deadline calendar (`/ui/deadlines`) and
the Director's dashboard (`/ui/director`): their services (workflow.services.timeline,
workflow.services.deadline_calendar, workflow.reporting.director) and pages, and that each
person sees only the items they may.

Seeded (now = Monday 2 March 2026, 09:00 in Hanoi), a plan for 2026-2027 with two areas:

| key | lead | assignee | state | start | due | other |
|---|---|---|---|---|---|---|
| ext | CCHC | cchc.linh | in_progress | 2026-02-02 | 2026-04-29 (was 2026-03-31) | area 1 |
| late | CCHC | cchc.linh | assigned | 2026-01-05 | 10 days ago | area 1, escalated once |
| t | TCBC | tcbc.hoa | accepted | 2026-02-16 | 2026-03-20 | area 2 |

and an indicator of area 1 with a 2027 target of ≥ 80 % read at 40 % (off track).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from api.auth import TokenKind, issue_token
from api.deps import SESSION_COOKIE
from tests.integration.api.conftest import make_item, unit_coded, user_named
from workflow.calendar import load_calendar
from workflow.deadlines import Flag
from workflow.errors import NotFound
from workflow.models import (
    Area,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Plan,
    PlanTask,
    WorkItem,
)
from workflow.reporting.dashboard import work_scope
from workflow.reporting.director import director_board
from workflow.services.deadline_calendar import View, Whose, deadline_calendar
from workflow.services.timeline import Zoom, plan_timeline
from workflow.settings import get_settings

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")


def _due(day: date) -> datetime:
    return datetime.combine(day, time(17), tzinfo=HANOI).astimezone(UTC)


@pytest.fixture
def plan(org: Session, now: datetime) -> dict[str, int]:
    plan = Plan(
        key="thu-tien-do", title="Kế hoạch thử", start_year=2026, end_year=2027, imported_at=now
    )
    org.add(plan)
    org.flush()
    ids: dict[str, int] = {"plan": plan.id or 0}
    for number in (1, 2):
        area = Area(plan_id=plan.id or 0, number=number, title=f"Lĩnh vực {number}")
        org.add(area)
        org.flush()
        ids[f"area{number}"] = area.id or 0
    rows = (
        ("ext", "CCHC", "cchc.linh", "in_progress", 1, date(2026, 2, 2), date(2026, 4, 29)),
        ("late", "CCHC", "cchc.linh", "assigned", 1, date(2026, 1, 5), date(2026, 2, 20)),
        ("t", "TCBC", "tcbc.hoa", "accepted", 2, date(2026, 2, 16), date(2026, 3, 20)),
    )
    for key, lead, assignee, state, area_no, start, due in rows:
        task = PlanTask(
            plan_id=plan.id or 0,
            area_id=ids[f"area{area_no}"],
            key=f"task-{key}",
            position=len(ids),
            text=f"Nhiệm vụ {key}",
            lead_unit_id=unit_coded(org, lead).id,
        )
        org.add(task)
        org.flush()
        item = make_item(
            org,
            now=now,
            lead=lead,
            assignee=assignee,
            assigner=f"{lead.lower()}.truong",
            title=f"Việc {key}",
            state=state,
        )
        item.plan_task_id, item.start_on = task.id, start
        item.due_at = item.original_due_at = _due(due)
        item.created_at = datetime(2026, 1, 5, tzinfo=UTC)
        if key == "ext":
            item.original_due_at = _due(date(2026, 3, 31))
        if key == "late":
            item.escalation_level = 1
        org.add(item)
        org.flush()
        ids[key] = item.id or 0
    indicator = Indicator(area_id=ids["area1"], key="ind-1", name="Tỷ lệ hồ sơ trực tuyến")
    org.add(indicator)
    org.flush()
    org.add(
        IndicatorTarget(
            indicator_id=indicator.id or 0, year=2027, comparator=">=", value=80, text="80%"
        )
    )
    org.add(
        IndicatorReading(
            indicator_id=indicator.id or 0, value=40, as_of=date(2026, 2, 1), recorded_at=now
        )
    )
    org.flush()
    ids["indicator"] = indicator.id or 0
    return ids


def _sign_in(client: TestClient, org: Session, now: datetime, username: str) -> None:
    client.cookies.clear()
    token = issue_token(
        user_named(org, username), kind=TokenKind.SESSION, now=now, settings=get_settings()
    )
    client.cookies.set(SESSION_COOKIE, token)


# --- timeline ------------------------------------------------------------------------------


def test_timeline_bars_extension_today_and_milestones(
    org: Session, plan: dict[str, int], now: datetime
) -> None:
    director = user_named(org, "gd.minh")
    t = plan_timeline(
        session=org, user=director, plan_id=plan["plan"], now=now, settings=get_settings()
    )
    assert (t.first, t.last) == (date(2026, 1, 1), date(2027, 12, 31))
    assert [a.number for a in t.areas] == [1, 2]
    bars = {b.item_id: b for a in t.areas for task in a.tasks for b in task.bars}
    ext = bars[plan["ext"]]
    assert (ext.start, ext.due, ext.original_due) == (
        date(2026, 2, 2),
        date(2026, 4, 29),
        date(2026, 3, 31),
    )
    # The extension is drawn past the original deadline, up to the new one.
    assert ext.extension_left is not None and ext.original_at is not None
    assert ext.left < ext.original_at < ext.left + ext.width
    assert ext.extension_left + ext.extension_width == pytest.approx(ext.left + ext.width, 0.01)
    assert bars[plan["late"]].flag is Flag.OVERDUE and bars[plan["late"]].original_due is None
    assert t.areas[0].overdue == 1
    # Today (2 March 2026) two months into a two-year axis.
    assert t.today_at == pytest.approx(60 * 100 / 730, 0.01)
    assert [(m.year, m.indicators) for m in t.milestones] == [(2027, ("Tỷ lệ hồ sơ trực tuyến",))]
    assert len(t.months) == 24 and [y.start.year for y in t.years] == [2026, 2027]
    # Zoomed to the first quarter: three months, the milestone is outside it.
    q = plan_timeline(
        session=org,
        user=director,
        plan_id=plan["plan"],
        now=now,
        settings=get_settings(),
        zoom=Zoom.QUARTER,
        year=2026,
        quarter=1,
    )
    assert (q.first, q.last, len(q.months), q.milestones) == (
        date(2026, 1, 1),
        date(2026, 3, 31),
        3,
        [],
    )
    # A bar running past the window is cut at its edge.
    assert q.areas[0].tasks[0].bars[0].left + q.areas[0].tasks[0].bars[0].width <= 100.001


def test_timeline_shows_only_what_the_person_may_see(
    org: Session, plan: dict[str, int], now: datetime
) -> None:
    def items(username: str) -> set[int]:
        t = plan_timeline(
            session=org,
            user=user_named(org, username),
            plan_id=plan["plan"],
            now=now,
            settings=get_settings(),
        )
        return {b.item_id for a in t.areas for task in a.tasks for b in task.bars}

    assert items("gd.minh") == {plan["ext"], plan["late"], plan["t"]}
    assert items("cchc.truong") == {plan["ext"], plan["late"]}
    assert items("tcbc.hoa") == {plan["t"]}
    assert items("cchc.nam") == set()  # an officer of CCHC who holds none of them


def test_timeline_page(
    client: TestClient, org: Session, plan: dict[str, int], now: datetime
) -> None:
    _sign_in(client, org, now, "cchc.truong")
    page = client.get(f"/ui/plans/{plan['plan']}/timeline")
    assert page.status_code == 200
    html = page.text
    assert f'data-item="{plan["ext"]}"' in html and 'data-original-due="2026-03-31"' in html
    assert 'data-due="2026-04-29"' in html and 'id="today-line"' in html
    assert re.search(rf'class="g-bar overdue" href="/ui/items/{plan["late"]}"', html)
    assert f'data-item="{plan["t"]}"' not in html  # TCBC's, not the CCHC head's
    assert 'class="g-milestone" data-year="2027"' in html
    assert "@media print" in html
    year = client.get(f"/ui/plans/{plan['plan']}/timeline?zoom=year&year=2027")
    assert "01/01/2027 – 31/12/2027" in year.text and 'id="today-line"' not in year.text
    quarter = client.get(f"/ui/plans/{plan['plan']}/timeline?zoom=quarter&year=2026&q=2")
    assert "01/04/2026 – 30/06/2026" in quarter.text
    # A year far outside the plan: its default view, not an error.
    assert client.get(f"/ui/plans/{plan['plan']}/timeline?zoom=year&year=2090").status_code == 200
    assert client.get("/ui/plans/999999/timeline").status_code == 404


# --- deadline calendar ---------------------------------------------------------------------


def test_calendar_names_holidays_and_greys_days_off(
    org: Session, plan: dict[str, int], now: datetime
) -> None:
    linh = user_named(org, "cchc.linh")
    cal = deadline_calendar(
        session=org,
        user=linh,
        now=now,
        settings=get_settings(),
        lang="vi",
        anchor=date(2026, 4, 10),
    )
    days = {d.day: d for week in cal.weeks for d in week}
    assert (cal.first, cal.last) == (date(2026, 3, 30), date(2026, 5, 3))  # whole weeks
    assert all(len(week) == 7 for week in cal.weeks)
    victory = days[date(2026, 4, 30)]
    assert not victory.working and victory.name == "Ngày Chiến thắng"
    assert days[date(2026, 4, 27)].name == "Ngày Giỗ Tổ Hùng Vương (nghỉ bù)"
    assert not days[date(2026, 4, 4)].working and days[date(2026, 4, 4)].name == ""  # Saturday
    assert [e.item_id for e in days[date(2026, 4, 29)].entries] == [plan["ext"]]
    assert days[date(2026, 3, 31)].in_range is False and days[date(2026, 4, 1)].in_range
    english = deadline_calendar(
        session=org,
        user=linh,
        now=now,
        settings=get_settings(),
        lang="en",
        anchor=date(2026, 4, 10),
    )
    named = {d.day: d.name for week in english.weeks for d in week}
    assert named[date(2026, 4, 30)] == "Liberation Day/Reunification Day"
    # A week: Monday to Sunday around the anchor.
    week = deadline_calendar(
        session=org,
        user=linh,
        now=now,
        settings=get_settings(),
        lang="vi",
        view=View.WEEK,
        anchor=date(2026, 2, 18),
    )
    assert (week.first, week.last, week.previous) == (
        date(2026, 2, 16),
        date(2026, 2, 22),
        date(2026, 2, 9),
    )
    assert [d.working for d in week.weeks[0]] == [False] * 7  # Tết and the weekend
    late = [e for d in week.weeks[0] for e in d.entries]
    assert [(e.item_id, e.flag) for e in late] == [(plan["late"], Flag.OVERDUE)]


def test_calendar_scopes_and_visibility(org: Session, plan: dict[str, int], now: datetime) -> None:
    settings = get_settings()

    def entries(username: str, whose: Whose, **kw: int) -> set[int]:
        cal = deadline_calendar(
            session=org,
            user=user_named(org, username),
            now=now,
            settings=settings,
            lang="vi",
            anchor=date(2026, 3, 1),
            whose=whose,
            **kw,  # type: ignore[arg-type]
        )
        return {e.item_id for week in cal.weeks for d in week for e in d.entries}

    cchc = unit_coded(org, "CCHC").id or 0
    tcbc = unit_coded(org, "TCBC").id or 0
    # March's grid runs from 23 February to 5 April.
    assert entries("cchc.linh", Whose.MINE) == set()
    assert entries("tcbc.hoa", Whose.MINE) == {plan["t"]}
    assert entries("gd.minh", Whose.PLAN, plan_id=plan["plan"]) == {plan["t"]}
    assert entries("gd.minh", Whose.UNIT, unit_id=tcbc) == {plan["t"]}
    assert entries("cchc.nam", Whose.PLAN, plan_id=plan["plan"]) == set()
    assert entries("cchc.nam", Whose.UNIT, unit_id=cchc) == set()
    with pytest.raises(NotFound):  # another unit's calendar
        entries("cchc.truong", Whose.UNIT, unit_id=tcbc)


def test_calendar_page_month_week_and_hidden_days_off(
    client: TestClient, org: Session, plan: dict[str, int], now: datetime
) -> None:
    _sign_in(client, org, now, "cchc.linh")
    page = client.get("/ui/deadlines?day=2026-04-01")
    assert page.status_code == 200
    html = page.text
    cell = re.search(
        r'<td class="off[^"]*" data-day="2026-04-30" data-working="0">(.*?)</td>', html, re.S
    )
    assert cell and "Ngày Chiến thắng" in cell.group(1)
    ext = plan["ext"]
    assert f'<li class="on_track" data-item="{ext}"><a href="/ui/items/{ext}"' in html
    assert html.count("<th>") == 7
    # Hiding days off: no weekend columns in April; a weekday holiday is left blank.
    hidden = client.get("/ui/deadlines?day=2026-04-01&days_off=hide").text
    assert hidden.count("<th>") == 5 and 'data-day="2026-04-04"' not in hidden
    assert re.search(r'data-day="2026-04-30" data-hidden="1"></td>', hidden)
    # August 2026 works on Saturday 22/08 (for 31/08): the Saturday column stays.
    august = client.get("/ui/deadlines?day=2026-08-01&days_off=hide").text
    assert august.count("<th>") == 6 and 'data-day="2026-08-22" data-working="1"' in august
    week = client.get("/ui/deadlines?view=week&day=2026-02-18").text
    assert week.count("data-day=") == 7 and "Tết Nguyên Đán" in week
    assert f'data-item="{plan["late"]}"' in week
    # Another unit's calendar is not found; a nonsense date is today's month.
    tcbc = unit_coded(org, "TCBC").id
    assert client.get(f"/ui/deadlines?whose=unit&unit={tcbc}").status_code == 404
    assert client.get("/ui/deadlines?day=2026-13-40").status_code == 200


# --- director's dashboard ------------------------------------------------------------------


def test_director_board_says_who_is_behind_and_why(
    org: Session, plan: dict[str, int], now: datetime
) -> None:
    director = user_named(org, "gd.minh")
    board = director_board(
        session=org,
        scope=work_scope(session=org, user=director),
        now=now,
        calendar=load_calendar(session=org),
        tz=get_settings().timezone,
        at_risk_ratio=get_settings().indicator_at_risk_ratio,
    )
    units = {u.label: u for u in board.units}
    cchc = units["Phòng Cải cách hành chính"]
    assert cchc.behind and board.units[0] is cchc  # behind first
    assert cchc.why.overdue == 1 and cchc.why.escalated == 1 and cchc.why.not_accepted == 1
    assert cchc.why.max_days_late == 6  # after Friday 20/02, up to Monday 02/03
    assert cchc.due_by_now == 1 and cchc.expected == 0.5 and cchc.completion == 0.0
    tcbc = next(u for u in board.units if u.id == unit_coded(org, "TCBC").id)
    assert not tcbc.behind and tcbc.due_by_now == 0
    assert [a.label for a in board.areas] == ["1. Lĩnh vực 1", "2. Lĩnh vực 2"]
    assert board.areas[0].behind and not board.areas[1].behind
    assert [(i.id, i.working_days_overdue) for i in board.overdue] == [(plan["late"], 6)]
    assert board.escalation_levels == {1: 1}
    assert [e.item.id for e in board.escalations] == [plan["late"]]
    assert [(r.id, r.status) for r in board.indicators] == [(plan["indicator"], "off_track")]
    assert len(board.trend) == 4 and board.trend[-1].partial
    assert board.trend[-1].key == "2026Q1" and board.trend[-1].counts.total == 3
    assert 0 < board.elapsed < 0.2
    # A unit head's board: their unit only.
    head = user_named(org, "tcbc.truong")
    own = director_board(
        session=org,
        scope=work_scope(session=org, user=head),
        now=now,
        calendar=load_calendar(session=org),
        tz=get_settings().timezone,
        at_risk_ratio=0.9,
    )
    assert [u.id for u in own.units] == [unit_coded(org, "TCBC").id]
    assert own.overdue == [] and own.totals.total == 1


def test_director_page_and_refusal(
    client: TestClient, org: Session, plan: dict[str, int], now: datetime
) -> None:
    _sign_in(client, org, now, "gd.minh")
    page = client.get("/ui/director")
    assert page.status_code == 200
    html = page.text
    cchc = unit_coded(org, "CCHC").id
    assert re.search(rf'<tr class="behind" data-unit="{cchc}">', html)
    assert f'href="/ui/team?unit={cchc}&overdue=1"' in html
    assert f'href="/ui/plans/{plan["plan"]}?area={plan["area1"]}&state=overdue"' in html
    assert f'<tr class="overdue" data-item-id="{plan["late"]}">' in html
    assert 'id="escalation-levels"' in html and f'data-indicator="{plan["indicator"]}"' in html
    assert html.count("<figure data-key=") == 4
    assert 'id="nav-director"' in html
    # One plan's work only: the same here (all three items are the plan's).
    assert client.get(f"/ui/director?plan={plan['plan']}").status_code == 200
    _sign_in(client, org, now, "cchc.linh")
    refused = client.get("/ui/director")
    assert refused.status_code == 403 and 'id="nav-director"' not in refused.text


def test_items_outside_any_plan_are_their_own_area(
    org: Session, plan: dict[str, int], now: datetime
) -> None:
    item = org.get(WorkItem, plan["t"])
    assert item is not None
    item.plan_task_id = None
    org.add(item)
    org.flush()
    board = director_board(
        session=org,
        scope=work_scope(session=org, user=user_named(org, "gd.minh")),
        now=now,
        calendar=load_calendar(session=org),
        tz=get_settings().timezone,
        at_risk_ratio=0.9,
    )
    assert [a.id for a in board.areas][-1] is None


def test_trend_points_count_as_the_reports_do(
    org: Session, plan: dict[str, int], now: datetime
) -> None:
    """One scan for every quarter of the trend, classified as `grouped_counts` would."""
    from workflow.reporting.aggregate import Window, grouped_counts, headline_counts, merge
    from workflow.reporting.periods import quarter

    tz = get_settings().timezone
    calendar = load_calendar(session=org)
    windows = [
        Window.of(quarter(2025, 4), tz),
        Window(quarter(2026, 1).begin_at(tz), now, date(2026, 3, 2), tz),
    ]
    cchc = [unit_coded(org, "CCHC").id or 0]
    for units in (None, cchc):
        fast = headline_counts(org, windows, unit_ids=units)
        for window, got in zip(windows, fast, strict=True):
            want = merge(grouped_counts(org, window, calendar=calendar, unit_ids=units).values())
            assert (got.total, got.done_on_time, got.done_late, got.overdue) == (
                want.total,
                want.done_on_time,
                want.done_late,
                want.overdue,
            )
            assert got.in_progress_on_time == want.in_progress_on_time
    # Created on 5 January 2026: none in the last quarter of 2025.
    assert [c.total for c in headline_counts(org, windows)] == [0, 3]
