"""Migrations are additive from the frozen baseline (decision 0028): a database created at
revision 0001 with data in it upgrades to head on PostgreSQL and SQLite and keeps its rows;
the baseline file is never edited; the revisions form one line."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import Column, MetaData, Table
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

import notifications.models  # noqa: F401
import workflow.models  # noqa: F401
from notifications.models import Notification
from tests.conftest import blank_schema
from tests.workers_support import schema_name
from workflow.db import make_engine
from workflow.migrate import (
    BASELINE,
    MIGRATIONS_DIR,
    alembic_config,
    applied_revisions,
    head_revisions,
    upgrade,
)
from workflow.models import Evidence, Plan, ReportRun, Unit, User, WorkItem

# Changing this means someone edited or regenerated the baseline: production databases at
# 0001 would then not have the schema the code believes. Add a revision instead.
BASELINE_SHA256 = "618cc55f0be854b03c561c78e4a3b03e4e23e98f67bc1391c9163f4836a22ad9"
AT = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _insert(conn: Connection, table: str, **values: Any) -> int:
    """Insert one row with only the given columns (typed as the models type them), so the
    statement fits the baseline's table whatever columns later revisions add."""
    model_table = SQLModel.metadata.tables[table]
    cols = [Column(name, model_table.c[name].type) for name in values]
    if "id" not in values:
        cols.append(Column("id", model_table.c["id"].type, primary_key=True))
    light = Table(table, MetaData(), *cols)
    result = conn.execute(light.insert().values(**values).returning(light.c.id))
    return int(result.scalar_one())


def _populate(conn: Connection) -> dict[str, int]:
    """Rows in the tables a running agency has filled, written at the baseline schema."""
    ids: dict[str, int] = {}
    ids["unit"] = _insert(conn, "unit", code="CCHC", name="Phòng Cải cách hành chính",
                          is_board=False, kind="division")  # fmt: skip
    ids["user"] = _insert(
        conn, "app_user", username="cchc.linh", email="linh@so.gov.vn",
        full_name="Nguyễn Thị Linh", unit_id=ids["unit"], role="officer", language="vi",
        is_active=True, session_generation=0,
    )  # fmt: skip
    ids["plan"] = _insert(conn, "plan", key="ke-hoach-2026", title="Kế hoạch CCHC 2026",
                          imported_at=AT)  # fmt: skip
    ids["item"] = _insert(
        conn, "work_item", title="Rà soát thủ tục hành chính", state="in_progress",
        priority="normal", lead_unit_id=ids["unit"], assignee_id=ids["user"],
        assigner_id=ids["user"], start_on=date(2026, 11, 2), due_at=AT, original_due_at=AT,
        paused_working_days=0, escalation_level=0, progress_pct=40, version=3,
        created_at=AT, updated_at=AT,
    )  # fmt: skip
    ids["evidence"] = _insert(
        conn, "evidence", work_item_id=ids["item"], uploaded_by_id=ids["user"], created_at=AT,
        note="Biên bản rà soát", filename="bien-ban.pdf", content_type="application/pdf",
        size_bytes=1234, storage_path=f"evidence/{ids['item']}/abc.pdf",
    )  # fmt: skip
    ids["notification"] = _insert(
        conn, "notification", dedup_key="reminder:1:20261102:0", kind="reminder",
        recipient_email="linh@so.gov.vn", recipient_user_id=ids["user"], language="vi",
        status="pending", attempts=0, next_attempt_at=AT, created_at=AT,
        work_item_id=ids["item"],
    )  # fmt: skip
    ids["report"] = _insert(
        conn, "report_run", kind="quarterly", period_start=date(2026, 7, 1),
        period_end=date(2026, 9, 30), label="Quý III/2026", created_at=AT,
        snapshot={"period_key": "2026Q3"},
    )  # fmt: skip
    return ids


def _check_kept(engine: Engine, ids: dict[str, int]) -> None:
    """The rows written at the baseline read back through today's models, unchanged."""
    with Session(engine) as session:
        item = session.get(WorkItem, ids["item"])
        assert item is not None
        assert (item.title, item.state, item.progress_pct, item.version) == (
            "Rà soát thủ tục hành chính", "in_progress", 40, 3,
        )  # fmt: skip
        assert item.due_at == AT
        user = session.get(User, ids["user"])
        assert user is not None and user.username == "cchc.linh"
        unit = session.get(Unit, ids["unit"])
        assert unit is not None and unit.code == "CCHC"
        plan = session.get(Plan, ids["plan"])
        assert plan is not None and plan.title == "Kế hoạch CCHC 2026"
        evidence = session.get(Evidence, ids["evidence"])
        assert evidence is not None and evidence.storage_path == f"evidence/{ids['item']}/abc.pdf"
        mail = session.exec(select(Notification).where(Notification.id == ids["notification"]))
        assert mail.one().status == "pending"
        run = session.get(ReportRun, ids["report"])
        assert run is not None and run.snapshot == {"period_key": "2026Q3"}


def _upgrade_populated(engine: Engine) -> list[str]:
    """Create the baseline, fill it, upgrade to head; the revisions the upgrade applied."""
    with engine.begin() as conn:
        upgrade(connection=conn, to=BASELINE)
        assert applied_revisions(conn) == {BASELINE}
        ids = _populate(conn)
    with engine.begin() as conn:
        applied = upgrade(connection=conn)
        assert applied_revisions(conn) == head_revisions()
    _check_kept(engine, ids)
    return applied


def _after_baseline() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config())
    revs = list(script.iterate_revisions("head", BASELINE))
    return [f"{r.revision} {r.doc}" for r in reversed(revs) if r.revision != BASELINE]


@pytest.fixture
def pg_blank(worker_id: str) -> Iterator[Engine]:
    """An empty PostgreSQL schema of its own (never migrated)."""
    engine = blank_schema(schema_name(worker_id, "baseline"))
    yield engine
    engine.dispose()


def test_postgres_baseline_with_data_upgrades_to_head(pg_blank: Engine) -> None:
    assert _upgrade_populated(pg_blank) == _after_baseline()


def test_sqlite_baseline_with_data_upgrades_to_head(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pf.db'}")
    try:
        assert _upgrade_populated(engine) == _after_baseline()
    finally:
        engine.dispose()


def test_baseline_is_frozen() -> None:
    path = next((MIGRATIONS_DIR / "versions").glob(f"{BASELINE}_*.py"))
    assert hashlib.sha256(path.read_bytes()).hexdigest() == BASELINE_SHA256, (
        f"{path.name} changed: the baseline is frozen (decision 0028); revert it and add a "
        'revision with `bash migrations/new-revision.sh "what changes"`'
    )


def test_revisions_form_one_line_from_the_baseline() -> None:
    """Two branches that each added a revision meet as two heads: renumber one on top."""
    script = ScriptDirectory.from_config(alembic_config())
    assert len(script.get_heads()) == 1, f"several heads: {script.get_heads()}"
    assert script.get_bases() == [BASELINE]
    numbers = [r.revision for r in reversed(list(script.walk_revisions()))]
    assert numbers == [f"{n:04d}" for n in range(1, len(numbers) + 1)]
