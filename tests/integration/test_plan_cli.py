"""`planflow plan import` as a user runs it: a real process on an embedded SQLite database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from api.cli import main
from tests.conftest import ROOT, SAMPLE_PLAN
from workflow.migrate import upgrade


def test_import_dry_run_json_and_idempotency(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    upgrade(url)
    env = {**os.environ, "PLANFLOW_DATABASE_URL": url}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "api.cli", "plan", "import", *args, str(SAMPLE_PLAN)]
        done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done

    dry = run("--dry-run")
    assert "1. Cải cách thể chế" in dry.stdout and "chỉ tiêu" in dry.stdout
    assert "would be 73 created" in dry.stdout
    payload = json.loads(run("--dry-run", "--json").stdout)
    assert payload["plan"]["counts"]["tasks"] == 23 and payload["dry_run"] is True
    assert len(payload["changes"]) == 73  # the first dry run wrote nothing

    first = run()
    assert "created task 1." in first.stdout
    assert "73 created, 0 updated, 0 withdrawn, 0 removed, 0 unchanged" in first.stdout
    second = run()
    assert "0 created, 0 updated, 0 withdrawn, 0 removed, 73 unchanged" in second.stdout


_PLAN = "**KẾ HOẠCH**\n**Năm 2026**\n## 1. Thể chế\na) Mục tiêu\nHoàn thiện.\nb) Nhiệm vụ\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "line 1: the file is empty"),
        (b"abc\n\x00\x00\x00", "line 2: binary data"),
        (b"PK\x03\x04broken", "not a valid .docx"),
        ("Chỉ có văn bản.\n".encode(), "no reform areas found"),
        (f"{_PLAN}- Việc A.\n- Việc B.\n- Việc A.\n".encode(), "line 9: the same task as line 7"),
        (f"{_PLAN}1.1. Việc A\n1.1.1. Con\n1.1.1.1. Cháu\n".encode(), "line 9: a third level"),
    ],
)
def test_bad_file_exits_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    content: bytes,
    message: str,
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    monkeypatch.setattr(sys, "argv", ["planflow", "plan", "import", str(bad)])
    with pytest.raises(SystemExit) as exited:
        main()
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
