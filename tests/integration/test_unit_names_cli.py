"""`planflow plan import` with unit groups and aliases, `planflow org alias|groups|resolve`,
as a user runs them (the CLI's entry point on an embedded SQLite database)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import select

from api.cli import main
from tests.plan_docs import TABLE_ROWS, table_markdown
from workflow import db
from workflow.models import Plan, PlanTask, UnitAlias

ROWS = [
    *[list(r) for r in TABLE_ROWS[:2]],
    ["1", "Rà soát thủ tục", "Phòng CCHC", "Các phòng, đơn vị thuộc Sở", "Quý IV/2024", "Báo cáo"],
    ["2", "Tự kiểm tra công vụ", "Các phòng chuyên môn", "VP Sở", "Tháng 6/2024", ""],
    ["3", "Phối hợp kiểm tra", "Phòng Tư pháp", "Các đơn vị liên quan", "Quý II/2024", ""],
]
DIVISIONS = [
    "Phòng Tổ chức biên chế",
    "Phòng Xây dựng chính quyền",
    "Phòng Công chức viên chức",
    "Phòng Cải cách hành chính",
]


def cli(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    """Run `planflow ARGS` in this process: (exit code, stdout, stderr)."""
    monkeypatch.setattr(sys, "argv", ["planflow", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    path = tmp_path / "plan.md"
    path.write_text(table_markdown(ROWS), encoding="utf-8")
    return path


def counts() -> tuple[int, int, int]:
    with db.session_scope() as session:
        return tuple(  # type: ignore[return-value]
            int(session.exec(select(func.count()).select_from(m)).one())
            for m in (Plan, PlanTask, UnitAlias)
        )


def test_refused_import_lists_names_in_every_form(
    embedded_db: str,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = counts()
    code, out, err = cli(
        monkeypatch, capsys, "plan", "import", "--dry-run", "--json", str(plan_file)
    )
    assert code == 2
    payload = json.loads(out)
    unresolved = {u["name"]: u for u in payload["unresolved_units"]}
    assert set(unresolved) == {"Phòng Tư pháp", "Các đơn vị liên quan"}
    assert unresolved["Phòng Tư pháp"]["loc"] == "line 21"
    assert len(unresolved["Phòng Tư pháp"]["nearest"]) == 3
    assert unresolved["Các đơn vị liên quan"]["reason"] == "vague"
    assert payload["changes"] == []
    tasks = payload["plan"]["areas"][0]["tasks"]
    # What did resolve is shown all the same.
    assert tasks[1]["lead_group"] == "Các phòng chuyên môn"
    assert tasks[1]["lead_unit_names"] == DIVISIONS

    code, out, err = cli(monkeypatch, capsys, "plan", "import", "--dry-run", str(plan_file))
    assert code == 2
    assert "Rà soát thủ tục" in out and "chủ trì CCHC" in out
    assert "2 unit names not resolved" in err and "line 21: 'Phòng Tư pháp'" in err

    code, out, err = cli(monkeypatch, capsys, "plan", "import", str(plan_file))
    assert code == 2 and "'Các đơn vị liên quan': too vague" in err
    assert counts() == before


def test_mapped_names_import_and_are_kept(
    embedded_db: str,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, err = cli(monkeypatch, capsys, "org", "alias", "add", "Phòng Tư pháp", "TTRA")
    assert code == 0 and "added alias 'Phòng Tư pháp' → Thanh tra" in out
    args = ["plan", "import", "--json", "--map", "Các đơn vị liên quan=kind:division"]
    code, out, err = cli(monkeypatch, capsys, *args, str(plan_file))
    assert code == 0, err
    payload = json.loads(out)
    assert payload["unresolved_units"] == []
    tasks = payload["plan"]["areas"][0]["tasks"]
    assert tasks[0]["lead_unit_name"] == "Phòng Cải cách hành chính"
    assert tasks[0]["supporting_unit_names"][:3] == [
        "Văn phòng",
        "Thanh tra",
        "Phòng Tổ chức biên chế",
    ]
    assert "Phòng Cải cách hành chính" not in tasks[0]["supporting_unit_names"]
    assert "Ban Giám đốc" not in tasks[0]["supporting_unit_names"]
    assert tasks[1]["lead_unit_name"] is None and tasks[1]["lead_unit_names"] == DIVISIONS
    assert tasks[1]["supporting_unit_names"] == ["Văn phòng"]
    assert tasks[2]["lead_unit_name"] == "Thanh tra"
    assert tasks[2]["supporting_unit_names"] == DIVISIONS
    # Both mappings are kept: the next import resolves every name by itself.
    code, out, err = cli(monkeypatch, capsys, "plan", "import", str(plan_file))
    assert code == 0 and "0 created, 0 updated" in out, err
    code, out, _err = cli(monkeypatch, capsys, "org", "alias", "list")
    assert "Các đơn vị liên quan → kind:division Các phòng chuyên môn (mapped)" in out
    assert "VP Sở → VP Văn phòng\n" in out


def test_a_bad_map_writes_nothing(
    embedded_db: str,
    plan_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    before = counts()
    code, _out, err = cli(
        monkeypatch, capsys, "plan", "import", "--map", "Phòng Tư pháp", str(plan_file)
    )
    assert code == 2 and "expected NAME=UNIT_CODE or NAME=GROUP" in err
    code, _out, err = cli(
        monkeypatch, capsys, "plan", "import", "--map", "Phòng Tư pháp=TTRA", str(plan_file)
    )
    # The message names what is left unresolved, not the name the map resolved (a log line
    # on stderr may mention the map, depending on how an earlier test set logging up).
    error = err[err.index("error:") :]
    assert code == 2 and "'Các đơn vị liên quan'" in error and "Phòng Tư pháp'" not in error
    assert counts() == before  # the map of a refused import is not kept


def test_alias_commands(
    embedded_db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(monkeypatch, capsys, "org", "alias", "add", "Tổ CĐS", "NOPE")
    assert code == 2 and "unknown unit or group 'NOPE'" in err
    code, out, err = cli(monkeypatch, capsys, "org", "resolve", "Tổ CĐS")
    assert code == 2 and "'Tổ CĐS': unknown unit or group (nearest: " in err
    code, out, _err = cli(monkeypatch, capsys, "org", "alias", "add", "Tổ CĐS", "KHOI_VP")
    assert code == 0 and "→ Khối văn phòng" in out
    code, out, _err = cli(monkeypatch, capsys, "org", "resolve", "to cds")
    assert code == 0 and out.startswith("'to cds' → group KHOI_VP (Khối văn phòng): VP, TTRA")
    code, out, _err = cli(monkeypatch, capsys, "org", "groups")
    assert "kind:division: Các phòng chuyên môn = TCBC, XDCQ, CCVC, CCHC" in out
    assert "all: Các phòng, đơn vị thuộc Sở = VP, TTRA," in out
    code, out, _err = cli(monkeypatch, capsys, "org", "alias", "remove", "TO CĐS")
    assert code == 0 and "removed alias 'Tổ CĐS'" in out
    code, out, err = cli(monkeypatch, capsys, "org", "alias", "remove", "Tổ CĐS")
    assert code == 2 and "no alias 'Tổ CĐS'" in err
