"""Shared fixtures: a real PostgreSQL schema per xdist worker, one rolled-back transaction per test.

Under CI=true an unreachable PostgreSQL or Redis fails the run instead of skipping.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from workflow.db import make_engine

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_ORG = ROOT / "deploy" / "sample" / "org.yaml"
SAMPLE_PLAN = ROOT / "deploy" / "sample" / "ke-hoach-cchc-so-noi-vu-2021-2030.txt"
PG_BASE_URL = os.environ.get(
    "PLANFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("PLANFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
IN_CI = os.environ.get("CI", "").lower() == "true"
# Building a report renders its PDF with LibreOffice (seconds each): only the tests of that
# path turn it on (and subprocesses inherit the default).
os.environ.setdefault("PLANFLOW_REPORT_PDF_ON_BUILD", "false")

# Property tests check behaviour, not speed: a busy 2-core machine must not fail them on
# hypothesis' 200 ms per-example deadline (speed targets live in bench/).
hypothesis_settings.register_profile("planflow", deadline=None)
hypothesis_settings.load_profile("planflow")


def service_missing(what: str, exc: BaseException) -> None:
    """Skip locally, fail under CI: a missing service must never pass silently there."""
    message = f"{what} is not reachable: {exc}"
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def worker_schema(worker_id: str) -> str:
    """A schema per checkout and xdist worker, so parallel checkouts never share tables."""
    checkout = hashlib.sha1(str(ROOT).encode(), usedforsecurity=False).hexdigest()[:6]
    return f"pf_test_{checkout}_{worker_id}".replace("-", "_")


def schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_BASE_URL else "?"
    return f"{PG_BASE_URL}{sep}options=-csearch_path%3D{schema}"


def blank_schema(schema: str) -> Engine:
    """Drop and recreate `schema` (empty, never migrated); an engine bound to it."""
    admin = make_engine(PG_BASE_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:
        service_missing("PostgreSQL", exc)
    finally:
        admin.dispose()
    return make_engine(schema_url(schema))


def fresh_schema(schema: str) -> Engine:
    """Drop and recreate `schema`, migrate it, and return an engine bound to it."""
    from workflow.migrate import upgrade

    engine = blank_schema(schema)
    with engine.begin() as conn:
        upgrade(connection=conn)
    return engine


@pytest.fixture(scope="session")
def pg_engine(worker_id: str) -> Iterator[Engine]:
    """A migrated schema of its own for this xdist worker."""
    engine = fresh_schema(worker_schema(worker_id))
    yield engine
    engine.dispose()


@pytest.fixture
def session(pg_engine: Engine) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test (savepoint pattern)."""
    with pg_engine.connect() as conn:
        trans = conn.begin()
        db = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        try:
            yield db
        finally:
            db.close()
            trans.rollback()


@pytest.fixture
def now() -> datetime:
    """A fixed, aware 'now' for tests (a Monday morning, 09:00 in Hanoi)."""
    return datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def org(session: Session) -> Session:
    """The sample organisation, loaded into the test transaction."""
    from workflow.services.org import load_org

    load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
    return session


@pytest.fixture
def embedded_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Embedded mode on a fresh SQLite file: migrated, sample org loaded, maildir under tmp_path.

    Yields the database URL. A test needing more settings sets them with monkeypatch and
    calls `get_settings.cache_clear()`.
    """
    from workflow import db
    from workflow.migrate import upgrade
    from workflow.services.org import load_org
    from workflow.settings import get_settings

    url = f"sqlite:///{tmp_path / 'pf.db'}"
    monkeypatch.setenv("PLANFLOW_DATABASE_URL", url)
    monkeypatch.setenv("PLANFLOW_VAR_DIR", str(tmp_path))
    monkeypatch.setenv("PLANFLOW_MAIL_BACKEND", "maildir")
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    upgrade(url)
    with db.session_scope() as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
    yield url
    db.get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real local Redis (db 15 for tests); skipped locally, fails under CI."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except Exception as exc:
        service_missing("Redis", exc)
    return REDIS_URL
