"""`planflow user deactivate|reactivate|move` and `planflow absence add|list|cancel` on an
embedded database: what they print, exit code 2 on a refusal."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_ORG

pytestmark = pytest.mark.integration


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], capture_output=True, text=True, check=False
    )


def test_people_commands(embedded_db: str) -> None:
    moved = _cli("user", "move", "cchc.linh", "VP")
    assert (moved.returncode, moved.stdout.strip()) == (0, "moved cchc.linh to VP"), moved.stderr
    assert _cli("user", "deactivate", "cchc.nam").stdout.strip() == "deactivated cchc.nam"
    last_admin = _cli("user", "deactivate", "vp.admin")
    assert last_admin.returncode == 2 and "last active administrator" in last_admin.stderr
    assert _cli("user", "reactivate", "cchc.nam").returncode == 0
    unknown = _cli("user", "move", "cchc.nam", "KHONGCO")
    assert unknown.returncode == 2

    added = _cli(
        "absence", "add", "tt.binh", "--delegate", "tt.chanh", "--from", "01/12/2099",
        "--to", "05/12/2099", "--note", "Nghỉ phép",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert "absence #1: tt.binh 01/12/2099–05/12/2099, delegate tt.chanh" in added.stdout
    listed = _cli("absence", "list", "--as", "tt.chanh")
    assert "#1 tt.binh 01/12/2099–05/12/2099 → tt.chanh Nghỉ phép" in listed.stdout
    refused = _cli("absence", "cancel", "1", "--as", "cchc.nam")
    assert refused.returncode == 2 and "may not" in refused.stderr
    assert _cli("absence", "cancel", "1", "--as", "tt.binh").stdout.strip() == "absence #1 ended"
    bad = _cli("absence", "add", "tt.binh", "--delegate", "vp.an", "--from", "x", "--to", "y")
    assert bad.returncode == 2


def test_user_add_and_history(embedded_db: str, tmp_path: Path) -> None:
    added = _cli(
        "user", "add", "cchc.moi", "--email", "cchc.moi@sonoivu.example.vn",
        "--name", "Trần Văn Mới", "--unit", "CCHC", "--title", "Chuyên viên",
    )  # fmt: skip
    assert (added.returncode, added.stdout.strip()) == (0, "added cchc.moi to CCHC"), added.stderr
    taken = _cli(
        "user", "add", "cchc.khac", "--email", "CCHC.MOI@sonoivu.example.vn",
        "--name", "Người Khác", "--unit", "CCHC",
    )  # fmt: skip
    assert taken.returncode == 2 and "already used by account cchc.moi" in taken.stderr
    bad = _cli("user", "add", "Có Dấu", "--email", "x@y.vn", "--name", "X", "--unit", "CCHC")
    assert bad.returncode == 2 and "username" in bad.stderr
    assert _cli("user", "move", "cchc.moi", "VP").returncode == 0
    lines = _cli("user", "history", "cchc.moi").stdout.strip().splitlines()
    assert [line.split()[3] for line in lines] == ["moved", "created"], lines
    assert all(line.split()[2] == "-" for line in lines)  # the command line, no person
    assert "unit_id:" in lines[0] and "title: None -> Chuyên viên" in lines[1]
    # The organisation file's changes are audited too.
    org = SAMPLE_ORG.read_text(encoding="utf-8")
    changed = tmp_path / "org.yaml"
    changed.write_text(
        org.replace(
            "unit: CCHC, role: officer, title: Chuyên viên}",
            "unit: CCHC, role: officer, title: Chuyên viên chính}",
            1,
        ),
        encoding="utf-8",
    )
    assert _cli("org", "load", str(changed)).returncode == 0
    history = _cli("user", "history", "cchc.linh").stdout.strip().splitlines()
    assert len(history) == 1 and "updated title: Chuyên viên -> Chuyên viên chính" in history[0]
