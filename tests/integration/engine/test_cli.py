"""`planflow item` and `planflow calendar` end to end on the embedded SQLite database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from api.cli import app


@pytest.fixture
def cli(embedded_db: str) -> Iterator[CliRunner]:
    yield CliRunner()


def run(cli: CliRunner, *args: str) -> str:
    result = cli.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_assign_act_show_and_calendar(cli: CliRunner) -> None:
    out = run(
        cli,
        "item",
        "assign",
        "Rà soát TTHC",
        "--as",
        "cchc.truong",
        "--unit",
        "CCHC",
        "--assignee",
        "cchc.linh",
        "--start",
        "2030-03-04",
        "--days",
        "5",
        "--support",
        "VP",
        "--evidence",
        "Báo cáo rà soát",
    )
    assert out.startswith("#1\tassigned\ton_track\t11/03/2030\tv1")
    run(cli, "item", "act", "1", "accept", "--as", "cchc.linh", "--version", "1")
    run(cli, "item", "act", "1", "start", "--as", "cchc.linh")
    out = run(cli, "item", "act", "1", "submit", "--as", "cchc.linh", "--evidence", "BC số 3")
    assert "\tawaiting_review\t" in out
    refused = cli.invoke(app, ["item", "act", "1", "approve", "--as", "cchc.linh"])
    assert refused.exit_code != 0 and "may not approve" in str(refused.exception)
    run(cli, "calendar", "add", "2030-03-06", "--off", "--reason", "QĐ 1", "--as", "vp.cchc")
    assert "2030-03-06\toff\tQĐ 1" in run(cli, "calendar", "list", "--year", "2030")
    show = run(cli, "item", "show", "1", "--as", "cchc.truong")
    assert "12/03/2030" in show and "may: approve, request_rework" in show
    assert "calendar_recomputed" in show and "support: VP" in show
    assert "1 item(s)" in run(cli, "item", "list", "--unit", "CCHC", "--state", "awaiting_review")
    run(cli, "calendar", "remove", "2030-03-06", "--as", "vp.cchc")
