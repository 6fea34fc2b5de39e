"""`planflow simulate --copy [--policy]`: a policy previewed on a copy of the real data."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from typer.testing import CliRunner

import notifications.models  # noqa: F401 - the outbox tables are part of the copy
from api.cli import app
from tasks.sim_data import copy_database
from tests.conftest import fresh_schema, worker_schema
from workflow import db
from workflow.errors import InvalidInput
from workflow.models.org import Unit, User
from workflow.services.demo import seed_demo_items

pytestmark = pytest.mark.integration

SEEDED_AT = datetime(2026, 11, 2, 2, tzinfo=UTC)
PLAN = "deploy/sample/ke-hoach-cchc-so-noi-vu-2021-2030.txt"


@pytest.fixture
def agency(embedded_db: str) -> str:
    """The embedded database of a running agency: sample org, plan and a few open items."""
    out = CliRunner().invoke(app, ["plan", "import", PLAN])
    assert out.exit_code == 0, out.output
    with db.session_scope() as session:
        assert seed_demo_items(session=session, now=SEEDED_AT).created
    return embedded_db


def _counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in SQLModel.metadata.sorted_tables
        }


def _simulate(*extra: str) -> dict[str, int]:
    out = CliRunner().invoke(
        app, ["simulate", "--copy", "--from", "2026-11-02", "--to", "2026-12-31", *extra]
    )
    assert out.exit_code == 0, out.output
    total = re.search(r"total\D+(\d+)\D+(\d+)\D+(\d+)\D+(\d+)\D+(\d+)", out.output)
    assert total is not None, out.output
    names = ("reminders", "escalations", "reports", "on_time", "late")
    return dict(zip(names, map(int, total.groups()), strict=True))


def test_copy_keeps_every_row_and_the_cyclic_references(agency: str, worker_id: str) -> None:
    source = db.make_engine(agency)
    target = fresh_schema(f"{worker_schema(worker_id)}_copy")
    try:
        before = _counts(source)
        assert copy_database(source=source, target=target) == sum(before.values())
        assert _counts(target) == before
        with Session(source) as a, Session(target) as b:
            units = {u.code: u.overseer_id for u in a.exec(select(Unit)).scalars()}
            assert {u.code: u.overseer_id for u in b.exec(select(Unit)).scalars()} == units
            assert any(units.values())  # the unit → user → unit cycle was restored
            # New rows on the PostgreSQL copy get ids past the copied ones.
            unit = b.exec(select(Unit).where(Unit.code == "VP")).scalar_one()
            b.add(
                User(
                    username="moi",
                    email="moi@x.vn",
                    full_name="Mới",
                    unit_id=unit.id or 0,
                    role="officer",
                )
            )
            b.commit()
            newest = b.exec(select(func.max(User.id))).scalar_one()
            assert newest == before["app_user"] + 1
        assert _counts(source) == before  # the source is only read
    finally:
        source.dispose()
        target.dispose()


def test_a_policy_is_previewed_on_a_copy_and_the_data_is_untouched(
    agency: str, tmp_path: Path
) -> None:
    source = db.make_engine(agency)
    before = _counts(source)
    default = _simulate()
    assert default["reminders"] > 0 and default["escalations"] > 0
    quiet = tmp_path / "quiet.yaml"
    quiet.write_text("reminders: [0]\nescalations: [10]\n", encoding="utf-8")
    previewed = _simulate("--policy", str(quiet))
    # Only the due-day reminder, and one escalation level much later: fewer of both.
    assert previewed["reminders"] < default["reminders"]
    assert previewed["escalations"] < default["escalations"]
    assert _counts(source) == before
    source.dispose()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("reminders: [3, 1]\nescalate: [1]\n", "unknown keys escalate"),
        ("- 3\n- 1\n", "expected a mapping"),
        ("reminders: [-2]\n", "reminders"),
        ("{reminders: [1\n", "not JSON or YAML"),
    ],
)
def test_a_bad_policy_is_refused_with_exit_code_2(
    agency: str, tmp_path: Path, text: str, message: str
) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(text, encoding="utf-8")
    out = CliRunner().invoke(app, ["simulate", "--copy", "--policy", str(policy)])
    # `planflow` turns InvalidInput into "error: ..." and exit code 2 (checked below).
    assert isinstance(out.exception, InvalidInput) and message in str(out.exception)


def test_the_copy_never_goes_into_the_configured_database(agency: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "api.cli", "simulate", "--copy", "--db", agency],
        capture_output=True,
        text=True,
        check=False,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "error: --db must not be the configured database: the copy goes there"
    )
