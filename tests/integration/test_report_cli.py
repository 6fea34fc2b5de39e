"""`planflow report build` end to end on an embedded (SQLite) database: same numbers as
on PostgreSQL, files written, and a second run reuses the frozen report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import SAMPLE_ORG
from tests.integration.report_fixture import seed
from workflow.db import get_engine, session_scope
from workflow.migrate import upgrade
from workflow.services.org import load_org
from workflow.settings import get_settings


@pytest.fixture
def sqlite_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    monkeypatch.setenv("PLANFLOW_DATABASE_URL", url)
    get_settings.cache_clear()
    get_engine.cache_clear()
    upgrade(url=url)
    with session_scope(get_engine(url)) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        seed(session)
    yield url
    get_engine(url).dispose()
    get_engine.cache_clear()
    get_settings.cache_clear()


def test_report_build_prints_numbers_and_writes_files(sqlite_db: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["report", "build", "--kind", "quarterly", "--period", "2026Q1", "--out", str(out)]
    result = CliRunner().invoke(app, [*args, "--no-pdf"])
    assert result.exit_code == 0, result.output
    total = next(line for line in result.output.splitlines() if line.startswith("TOTAL"))
    assert total.split()[1:8] == ["12", "3", "2", "3", "4", "18", "2"]
    assert "Cải cách thể chế" in result.output
    assert (out / "bao-cao-quarterly-2026Q1.docx").stat().st_size > 10_000
    assert (out / "bao-cao-quarterly-2026Q1-phu-luc.xlsx").exists()
    first = next(line for line in result.output.splitlines() if line.startswith("report "))
    again = CliRunner().invoke(app, [*args, "--no-pdf"])
    assert again.exit_code == 0
    assert first in again.output  # same frozen run, same creation time


def test_a_bad_period_is_one_line_and_exit_2(sqlite_db: str) -> None:
    import subprocess
    import sys

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "report",
            "build",
            "--kind",
            "quarterly",
            "--period",
            "2026H1",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "error: period '2026H1' is six_month, not quarterly"
