"""`planflow plan issue KEY`: the sample plan issued on an embedded database as `make run`
does (after `demo seed`); `--dry-run --json` writes nothing; bad input exits 2."""

from __future__ import annotations

import json
import sys

import pytest
from sqlmodel import col, select

from api.cli import main
from tests.conftest import ROOT, SAMPLE_PLAN
from workflow.db import session_scope
from workflow.models import IssuedTask, User, WorkItem

SAMPLE_UNITS = ROOT / "deploy" / "sample" / "task-units.yaml"
PLAN_KEY = "cai-cach-hanh-chinh-so-noi-vu-giai-doan-2021-2030"  # as in the Makefile


def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["planflow", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    out = capsys.readouterr()
    return int(exited.value.code or 0), out.out, out.err


@pytest.fixture
def distributed(
    embedded_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The sample plan imported, its tasks distributed and the demo items seeded."""
    for args in (
        ("plan", "import", str(SAMPLE_PLAN)),
        ("plan", "units", PLAN_KEY, str(SAMPLE_UNITS)),
        ("demo", "seed"),
    ):
        code, _out, err = cli(monkeypatch, capsys, *args)
        assert code == 0, err


def tasks_with_work() -> int:
    """Plan tasks the demo already gave work (issuing keeps it)."""
    with session_scope() as session:
        return len({t for t in session.exec(select(WorkItem.plan_task_id)).all() if t})


def count_items() -> int:
    with session_scope() as session:
        return len(session.exec(select(WorkItem.id)).all())


def test_dry_run_json_then_issue_then_nothing_more(
    distributed: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    before, taken = count_items(), tasks_with_work()
    assert 0 < taken < 25
    code, out, err = cli(monkeypatch, capsys, "plan", "issue", PLAN_KEY, "--dry-run", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["dry_run"] is True and payload["plan_key"] == PLAN_KEY
    assert set(payload["counts"]) == {
        "create",
        "move_due",
        "propose_cancel",
        "cancel",
        "unchanged",
        "skipped",
    }
    creates = [r for r in payload["rows"] if r["action"] == "create"]
    # Every distributed leaf task (25): those with demo work keep it.
    assert len(creates) == 25 - taken and payload["counts"]["unchanged"] == taken
    row = creates[0]
    for key in ("task_key", "lead_unit", "assignee", "supporting_units", "due_text", "due"):
        assert key in row
    assert row["assignee"] and row["due"] and row["due_kind"] in ("fixed", "year_end")
    assert count_items() == before  # a dry run writes nothing

    code, out, err = cli(monkeypatch, capsys, "plan", "issue", PLAN_KEY)
    assert code == 0, err
    summary = f"create {25 - taken}, move due 0, propose cancel 0, cancel 0, unchanged {taken}"
    assert out.strip().splitlines()[-1].endswith(summary + ", skipped 0")
    assert count_items() == before + 25 - taken
    with session_scope() as session:
        assert len(session.exec(select(IssuedTask)).all()) == 25
        # The new items went to the heads of their lead units (several units' heads).
        issued = session.exec(select(WorkItem).order_by(col(WorkItem.id).desc()).limit(25 - taken))
        heads = set()
        for item in issued:
            head = session.get(User, item.assignee_id)
            assert head is not None and head.role == "unit_head"
            assert head.unit_id == item.lead_unit_id
            heads.add(head.username)
        assert len(heads) >= 3

    code, out, err = cli(monkeypatch, capsys, "plan", "issue", PLAN_KEY, "--json")
    assert code == 0, err
    again = json.loads(out)
    assert again["counts"]["create"] == 0 and again["created_item_ids"] == []
    assert again["counts"]["unchanged"] == 25
    assert count_items() == before + 25 - taken


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("plan", "issue", "khong-co-ke-hoach"), "no plan with id or key"),
        (("plan", "issue", PLAN_KEY, "--as", "cchc.linh"), "may not issue plans"),
        (("plan", "issue", PLAN_KEY, "--as", "khong.co"), "no user"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    distributed: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    message: str,
) -> None:
    before = count_items()
    code, _out, err = cli(monkeypatch, capsys, *args)
    assert code == 2 and message in err
    assert len(err.strip().splitlines()) == 1
    assert count_items() == before
