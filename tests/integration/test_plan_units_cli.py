"""`planflow plan units PLAN_ID FILE`: the sample plan distributed from YAML on an embedded
database, as `make run` does; bad input exits 2 with one line and writes nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from sqlmodel import select

from api.cli import main
from tests.conftest import ROOT, SAMPLE_PLAN
from workflow.db import session_scope
from workflow.models import Plan, PlanTask, Unit

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


def distributed() -> dict[str, list[str]]:
    """Task key → [lead code, supporting codes...] of the tasks that have units."""
    with session_scope() as session:
        codes = {u.id: u.code for u in session.exec(select(Unit)).all()}
        return {
            t.key: [codes.get(t.lead_unit_id, "-"), *t.supporting_unit_codes]
            for t in session.exec(select(PlanTask)).all()
            if t.lead_unit_id is not None or t.supporting_unit_codes
        }


@pytest.fixture
def imported(
    embedded_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> int:
    code, _out, err = cli(monkeypatch, capsys, "plan", "import", str(SAMPLE_PLAN))
    assert code == 0, err
    with session_scope() as session:
        return session.exec(select(Plan.id)).one() or 0


def test_the_sample_mapping_loads_by_key_and_again_by_id(
    imported: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(monkeypatch, capsys, "plan", "units", PLAN_KEY, str(SAMPLE_UNITS))
    assert code == 0, err
    assert "set task 2.bca2c8a3: lead CCHC, support CCVC, TCBC, XDCQ, TDKT, BTG, VTLT" in out
    assert out.strip().splitlines()[-1] == "25 task(s) changed, 0 unchanged"
    units = distributed()
    assert len(units) == 25 and units["3.8d4e365c"] == ["TCBC", "CCVC", "VP"]
    code, out, err = cli(
        monkeypatch, capsys, "plan", "units", str(imported), str(SAMPLE_UNITS), "--as", "vp.cchc"
    )
    assert (code, out.strip()) == (0, "0 task(s) changed, 25 unchanged"), err


@pytest.mark.parametrize(
    ("content", "args", "message"),
    [
        ('"2.bca2c8a3": {lead: CCHC}\n"9.khong-co": {lead: VP}\n', (), "task '9.khong-co'"),
        ('"2.bca2c8a3": {lead: CCHC}\n"2.c20a5b12": {lead: ZZ}\n', (), "unknown unit 'ZZ'"),
        ('"2.bca2c8a3": {lead: CCHC, support: [CCHC]}\n', (), "cannot both lead and support"),
        ('"2.bca2c8a3": [CCHC\n', (), "is not valid YAML"),
        ("- CCHC\n", (), "expected a mapping of task keys"),
        ('"2.bca2c8a3": {lead: CCHC}\n', ("--as", "cchc.truong"), "may not distribute"),
        ('"2.bca2c8a3": {lead: CCHC}\n', ("--as", "khong.co"), "no user 'khong.co'"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_writes_nothing(
    imported: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
    args: tuple[str, ...],
    message: str,
) -> None:
    bad = tmp_path / "units.yaml"
    bad.write_text(content, encoding="utf-8")
    code, _out, err = cli(monkeypatch, capsys, "plan", "units", str(imported), str(bad), *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1, err
    assert distributed() == {}


def test_an_unknown_plan_or_file_exits_2(
    imported: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _out, err = cli(monkeypatch, capsys, "plan", "units", "khong-co", str(SAMPLE_UNITS))
    assert code == 2 and "no plan with id or key 'khong-co'" in err
    code, _out, err = cli(monkeypatch, capsys, "plan", "units", "987654", str(SAMPLE_UNITS))
    assert code == 2 and "plan 987654 not found" in err
    code, _out, err = cli(monkeypatch, capsys, "plan", "units", PLAN_KEY, str(tmp_path / "x.yaml"))
    assert code == 2 and "cannot read" in err
    assert distributed() == {}
