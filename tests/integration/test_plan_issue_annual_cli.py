"""`planflow plan issue` on the sample annual plan for 2027 (deploy/sample/ke-hoach-cchc-2027,
as `make run` imports it from Word): deadlines read from its phrases onto working days spread
through 2027, recurring work on the plan's reporting day, and its group-led tasks issued as
one item per member unit (decision 0015)."""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from api.cli import main
from tests.conftest import ROOT
from workflow.calendar import load_calendar, local_date
from workflow.db import session_scope
from workflow.models import IssuedTask, User, WorkItem

ANNUAL = ROOT / "deploy" / "sample" / "ke-hoach-cchc-2027"
ANNUAL_KEY = "cai-cach-hanh-chinh-nam-2027-cua-so-noi-vu"  # as in the Makefile
SELF_CHECK = "Tự kiểm tra văn bản do phòng tham mưu ban hành năm 2026"
JOB_POSTS = "Cập nhật vị trí việc làm, bản mô tả công việc của phòng, đơn vị"
# The day `make run` was first tried with this plan: its deadlines are all ahead.
TODAY = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["planflow", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out, out.err


@pytest.fixture
def annual(
    embedded_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("api.cli.plan.utc_now", lambda: TODAY)
    code, _out, err = cli(monkeypatch, capsys, "plan", "import", f"{ANNUAL}.docx")
    assert code == 0, err


@pytest.mark.parametrize("suffix", [".docx", ".pdf"])
def test_the_word_and_pdf_plans_preview_the_same_rows(
    embedded_db: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    suffix: str,
) -> None:
    monkeypatch.setattr("api.cli.plan.utc_now", lambda: TODAY)
    code, _out, err = cli(monkeypatch, capsys, "plan", "import", f"{ANNUAL}{suffix}")
    assert code == 0, err
    code, out, err = cli(monkeypatch, capsys, "plan", "issue", ANNUAL_KEY, "--dry-run", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["plan_year"] == 2027
    # 27 tasks: 26 with a readable deadline (one of them the "+" sub-task, its heading has
    # none of its own), one ("Sau khi có hướng dẫn…") waits for a date; the group-led tasks
    # are a row per unit.
    assert payload["task_counts"]["create"] == 26 and payload["counts"]["create"] == 42
    skipped = [r for r in payload["rows"] if r["action"] == "skipped"]
    assert [(r["reason"], r["due_text"]) for r in skipped] == [
        ("needs_due", "Sau khi có hướng dẫn của Bộ Nội vụ")
    ]
    shares = [r for r in payload["rows"] if r["title"] == SELF_CHECK]
    assert [(r["lead_group"], r["lead_unit"], r["assignee"]) for r in shares] == [
        ("Các phòng chuyên môn", "Phòng Tổ chức biên chế", "Đặng Văn Tuấn"),
        ("Các phòng chuyên môn", "Phòng Xây dựng chính quyền", "Lý Văn Sơn"),
        ("Các phòng chuyên môn", "Phòng Công chức viên chức", "Dương Văn Long"),
        ("Các phòng chuyên môn", "Phòng Cải cách hành chính", "Mai Văn Phúc"),
    ]
    assert {r["due"] for r in shares} == {"2027-06-30"}
    assert {r["supporting_units"][0] for r in shares} == {"Thanh tra"}
    posts = [r for r in payload["rows"] if r["title"] == JOB_POSTS]
    assert len(posts) == 9  # every unit but the board
    # "Trước 31/10" is a Sunday: the item is due the Monday after, shown as such.
    assert {(r["due"], r["due_working_day"]) for r in posts} == {("2027-10-31", "2027-11-01")}


def test_make_run_issues_dated_work_through_2027_and_a_second_run_creates_none(
    annual: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(monkeypatch, capsys, "plan", "issue", ANNUAL_KEY)
    assert code == 0, err
    lines = out.strip().splitlines()
    assert any(
        "(Các phòng chuyên môn → Phòng Tổ chức biên chế: Đặng Văn Tuấn) due 2027-06-30" in line
        for line in lines
    )
    assert lines[-2].startswith("tasks: create 26,")
    assert lines[-1].endswith(
        "create 42, move due 0, propose cancel 0, cancel 0, unchanged 0, skipped 1"
    )
    with session_scope() as session:
        calendar = load_calendar(session=session)
        items = session.exec(select(WorkItem)).all()
        assert len(items) == 42
        dues = [local_date(i.due_at, tz="Asia/Ho_Chi_Minh") for i in items]
        assert all(calendar.is_working_day(d) and d.year == 2027 for d in dues)
        assert len({d.month for d in dues}) >= 8  # spread through the year
        # Recurring and ongoing work falls on the plan's reporting day (the 10th).
        firsts = [i for i in items if i.series_id is not None]
        assert firsts and {i.occurrence_on.day for i in firsts if i.occurrence_on} == {10}
        for item in items:
            head = session.get(User, item.assignee_id)
            assert head is not None and head.role == "unit_head"
            assert head.unit_id == item.lead_unit_id
        shares = [i for i in items if i.title == SELF_CHECK]
        assert len(shares) == 4 and len({i.lead_unit_id for i in shares}) == 4
        assert len(session.exec(select(IssuedTask)).all()) == 42
        # Every unit head finds work (the nine units besides the board).
        assert len({i.assignee_id for i in items}) == 9
    code, out, err = cli(monkeypatch, capsys, "plan", "issue", ANNUAL_KEY, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["created_item_ids"] == [] and again["counts"]["unchanged"] == 42
    assert date(2027, 1, 1) <= date.fromisoformat(again["rows"][0]["due"])
