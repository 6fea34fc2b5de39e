"""`planflow user deactivate|reactivate|move` and `planflow absence add|list|cancel` on an
embedded database: what they print, exit code 2 on a refusal."""

from __future__ import annotations

import subprocess
import sys

import pytest

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
