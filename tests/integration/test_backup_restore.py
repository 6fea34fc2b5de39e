"""The restore drill: back up a database with work, evidence and a report, restore it into
an empty database, and find the same items and the same report; a non-empty target is
refused (exit 2) unless --force. PostgreSQL (pg_dump/pg_restore) and SQLite (backup API)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from tests.conftest import PG_BASE_URL, ROOT, SAMPLE_ORG, fresh_schema, schema_url
from tests.integration.report_fixture import BUILD_NOW, seed
from workflow.calendar import load_calendar
from workflow.db import make_engine
from workflow.migrate import upgrade
from workflow.models import WorkItem
from workflow.models.report import ReportRun
from workflow.reporting.build import build_report, compute_snapshot
from workflow.reporting.periods import parse_period
from workflow.reporting.snapshot import ReportSnapshot
from workflow.services.org import load_org
from workflow.settings import Settings

pytestmark = pytest.mark.integration
EVIDENCE = b"%PDF-1.4 bien ban nghiem thu"
REPORT_FILE = b"PK docx of the Q1 report"


def _cli(url: str, var_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PLANFLOW_DATABASE_URL": url, "PLANFLOW_VAR_DIR": str(var_dir)}
    command = [sys.executable, "-m", "api.cli", "db", *args]
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)


def _populate(engine: Engine, var_dir: Path) -> None:
    """The sample org, the report fixture's plan and items, its Q1 run, and files."""
    with Session(engine) as session:
        load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
        seed(session)
        run = build_report(session=session, now=BUILD_NOW, kind="quarterly", period="2026Q1")
        session.commit()
        run_id = run.id
    (var_dir / "evidence" / "7").mkdir(parents=True)
    (var_dir / "evidence" / "7" / "bien-ban.pdf").write_bytes(EVIDENCE)
    (var_dir / "reports" / str(run_id)).mkdir(parents=True)
    (var_dir / "reports" / str(run_id) / "bao-cao.docx").write_bytes(REPORT_FILE)


def _state(engine: Engine) -> tuple[int, str, dict[str, object]]:
    """Item count, the stored Q1 run's snapshot, and Q1 computed afresh from the rows."""
    with Session(engine) as session:
        items = len(session.exec(select(WorkItem.id)).all())
        stored = session.exec(select(ReportRun)).one().snapshot
        fresh = compute_snapshot(
            session=session,
            now=ReportSnapshot.from_json(stored).generated_at,
            period=parse_period("2026Q1", "quarterly"),
            calendar=load_calendar(session=session),
            settings=Settings(),
        )
    return items, stored, fresh.to_json()


def _stored_files(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, sha256 FROM stored_file")).all()
    return {key: digest for key, digest in rows}


def _check_drill(
    source: Engine, target_url: str, src_var: Path, dst_var: Path, archive: Path
) -> None:
    restored = _cli(target_url, dst_var, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "work_item 15" in restored.stdout
    target = make_engine(target_url)
    try:
        items, stored, fresh = _state(target)
        want_items, want_stored, want_fresh = _state(source)
        assert items == want_items == 15
        assert stored == want_stored  # the frozen run came back as it was
        assert fresh == want_fresh == stored  # and the rows give the same report again
        # The files kept in the database (the run's documents, decision 0028) came back.
        kept = _stored_files(source)
        assert any(key.endswith(".docx") for key in kept)
        assert _stored_files(target) == kept
    finally:
        target.dispose()
    for rel in ("evidence/7/bien-ban.pdf",):
        assert (dst_var / rel).read_bytes() == EVIDENCE
    [report_file] = (dst_var / "reports").rglob("bao-cao.docx")
    assert report_file.read_bytes() == REPORT_FILE
    # Again over what is now there: refused with one line and exit 2, nothing touched...
    again = _cli(target_url, dst_var, "restore", str(archive))
    assert again.returncode == 2
    assert "not empty" in again.stderr and "--force" in again.stderr
    assert "Traceback" not in again.stderr
    # ...unless forced: the target is replaced by the archive's contents.
    (dst_var / "evidence" / "stray.txt").write_text("not in the backup")
    forced = _cli(target_url, dst_var, "restore", str(archive), "--force")
    assert forced.returncode == 0, forced.stderr
    assert "work_item 15" in forced.stdout
    assert not (dst_var / "evidence" / "stray.txt").exists()


@pytest.fixture
def pg_source(tmp_path: Path) -> Iterator[tuple[Engine, str]]:
    schema = f"pf_backup_{uuid.uuid4().hex[:10]}"
    engine = fresh_schema(schema)
    yield engine, schema
    engine.dispose()
    admin = make_engine(PG_BASE_URL)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def empty_pg_database() -> Iterator[str]:
    """A new, empty database on the same server (dropped afterwards)."""
    name = f"pf_restore_{uuid.uuid4().hex[:10]}"
    admin = make_engine(PG_BASE_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(PG_BASE_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_postgresql_restore_drill(
    pg_source: tuple[Engine, str], empty_pg_database: str, tmp_path: Path
) -> None:
    source, schema = pg_source
    src_var, dst_var = tmp_path / "src", tmp_path / "dst"
    src_var.mkdir()
    dst_var.mkdir()
    _populate(source, src_var)
    archive = tmp_path / "planflow.tar.gz"
    done = _cli(schema_url(schema), src_var, "backup", str(archive))
    assert done.returncode == 0, done.stderr
    assert "backed up postgresql" in done.stdout and "work_item 15" in done.stdout
    # The empty database gets the schema the source worked in (pg_dump --schema).
    sep = "&" if "?" in empty_pg_database else "?"
    target_url = f"{empty_pg_database}{sep}options=-csearch_path%3D{schema}"
    _check_drill(source, target_url, src_var, dst_var, archive)
    # A PostgreSQL archive is refused by an embedded (SQLite) installation.
    wrong = _cli(f"sqlite:///{tmp_path / 'x.db'}", tmp_path / "x", "restore", str(archive))
    assert wrong.returncode == 2 and "holds a postgresql database" in wrong.stderr


def test_sqlite_restore_drill(tmp_path: Path) -> None:
    src_var, dst_var = tmp_path / "src", tmp_path / "dst"
    src_var.mkdir()
    source_url = f"sqlite:///{src_var / 'planflow.db'}"
    upgrade(source_url)
    source = make_engine(source_url)
    try:
        _populate(source, src_var)
        archive = tmp_path / "planflow.tar.gz"
        done = _cli(source_url, src_var, "backup", str(archive))
        assert done.returncode == 0, done.stderr
        _check_drill(source, f"sqlite:///{dst_var / 'planflow.db'}", src_var, dst_var, archive)
    finally:
        source.dispose()


def test_backup_and_restore_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    missing = _cli(url, tmp_path, "restore", str(tmp_path / "nope.tar.gz"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    (tmp_path / "junk.tar.gz").write_bytes(b"not an archive")
    junk = _cli(url, tmp_path, "restore", str(tmp_path / "junk.tar.gz"))
    assert junk.returncode == 2 and "not a planflow backup" in junk.stderr
    nowhere = _cli(url, tmp_path, "backup", str(tmp_path / "no" / "dir" / "b.tar.gz"))
    assert nowhere.returncode == 2 and "does not exist" in nowhere.stderr
    unmigrated = _cli(url, tmp_path, "backup", str(tmp_path / "b.tar.gz"))
    assert unmigrated.returncode == 2 and "no planflow schema" in unmigrated.stderr
    assert not (tmp_path / "b.tar.gz").exists()
    for done in (missing, junk, nowhere, unmigrated):
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
