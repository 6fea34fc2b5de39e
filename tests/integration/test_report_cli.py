"""`planflow report build` and `report send` end to end on an embedded (SQLite) database:
same numbers as on PostgreSQL, files written, mails in the maildir, and a second run
reuses the frozen report and sends nothing. `--now` keeps them off the wall clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from api.cli import app
from tests.conftest import SAMPLE_ORG
from tests.integration.report_fixture import BUILD_NOW, seed
from workflow.db import get_engine, session_scope
from workflow.migrate import upgrade
from workflow.services.org import load_org
from workflow.settings import get_settings

NOW = ["--now", BUILD_NOW.isoformat()]


@pytest.fixture
def sqlite_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    monkeypatch.setenv("PLANFLOW_DATABASE_URL", url)
    monkeypatch.setenv("PLANFLOW_VAR_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("PLANFLOW_MAIL_BACKEND", "maildir")
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
    args = ["report", "build", "--kind", "quarterly", "--period", "2026Q1", "--out", str(out), *NOW]
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
    assert "(frozen 2026-03-17 02:00 UTC)" in first


def test_report_send_queues_once_and_delivers_to_the_maildir(
    sqlite_db: str, tmp_path: Path
) -> None:
    import mailbox

    args = ["report", "send", "--kind", "quarterly", "--period", "2026Q1", *NOW]
    result = CliRunner().invoke(app, [*args, "--deliver"])
    assert result.exit_code == 0, result.output
    assert "report quarterly quý I năm 2026: 4 mail(s) queued" in result.output
    assert "deliver_outbox: relayed=0 sent=4 failed=0" in result.output
    box = mailbox.Maildir(tmp_path / "var" / "mail", create=False)
    assert len(box) == 4
    again = CliRunner().invoke(app, [*args, "--deliver"])
    assert again.exit_code == 0, again.output
    assert "0 mail(s) queued" in again.output and "sent=0" in again.output
    assert len(box) == 4


def test_now_without_a_zone_is_agency_time_and_a_running_period_is_refused(
    sqlite_db: str,
) -> None:
    # 14/03/2026 23:59 in Hanoi: Q1 2026 (15/12-14/03) is not over yet.
    args = ["report", "send", "--kind", "quarterly", "--period", "2026Q1"]
    early = CliRunner().invoke(app, [*args, "--now", "2026-03-14T23:59"])
    assert early.exit_code != 0
    assert "is not over" in str(early.exception)
    bad = CliRunner().invoke(app, [*args, "--now", "soon"])
    assert "not an ISO 8601" in str(bad.exception)


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
