"""Migrations produce exactly the models' schema, on PostgreSQL and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

import notifications.models  # noqa: F401
import workflow.models  # noqa: F401
from workflow.db import make_engine
from workflow.migrate import upgrade
from workflow.search_index import is_engine_table


def _not_engine_table(name: str | None, type_: str, _parents: object) -> bool:
    return not (type_ == "table" and is_engine_table(name))


def _diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_name": _not_engine_table}
        )
        return list(compare_metadata(ctx, SQLModel.metadata))


def test_postgres_migrations_match_models(pg_engine: Engine) -> None:
    assert _diff(pg_engine) == []


def test_sqlite_migrations_match_models(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pf.db'}")
    upgrade(f"sqlite:///{tmp_path / 'pf.db'}")
    assert _diff(engine) == []
    assert "work_item" in inspect(engine).get_table_names()


def test_partial_index_on_open_items_exists(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn:
        indexdef = conn.execute(
            text(
                "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_work_item_next_action_open'"
                " AND schemaname = current_schema()"
            )
        ).scalar_one()
    assert "WHERE" in indexdef and "in_progress" in indexdef and "done" not in indexdef


def test_state_check_constraint_rejects_unknown_state(pg_engine: Engine) -> None:
    with pg_engine.connect() as conn, conn.begin():
        conn.execute(text("INSERT INTO unit (code, name, is_board) VALUES ('X', 'X', false)"))
        with pytest.raises(IntegrityError, match="ck_app_user_role"):
            conn.execute(
                text(
                    "INSERT INTO app_user (username, email, full_name, unit_id, role, language,"
                    " is_active, session_generation) SELECT 'u', 'u@x', 'U', id, 'emperor', 'vi',"
                    " true, 0 FROM unit WHERE code = 'X'"
                )
            )
        conn.rollback()
