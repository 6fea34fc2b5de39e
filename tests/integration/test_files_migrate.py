"""`planflow files migrate`: files written under the data folder before the file store
(decision 0028) move into the database; idempotent; a file no row names stays where it is."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlmodel import select

from tests.workers_support import make_item, officer
from workflow.db import session_scope
from workflow.models import Evidence, ReportRun, StoredFile
from workflow.services.files import get_file
from workflow.settings import ROOT, get_settings

NOW = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


def _migrate(tmp_path: Path, url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(
        PLANFLOW_DATABASE_URL=url,
        PLANFLOW_VAR_DIR=str(tmp_path),
        PLANFLOW_ENV_FILE=str(tmp_path / "none"),
        PYTHONPATH=str(ROOT),
    )
    return subprocess.run(
        [sys.executable, "-m", "api.cli", "files", "migrate", *args],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_local_files_move_into_the_store(embedded_db: str, tmp_path: Path) -> None:
    with session_scope() as session:
        item = make_item(session, now=NOW, due_at=NOW + timedelta(days=5), next_action_at=None)
        user = officer(session)
        key = f"evidence/{item.id}/0123abcd.pdf"
        session.add(
            Evidence(work_item_id=item.id or 0, uploaded_by_id=user.id or 0, created_at=NOW,
                     filename="bien-ban.pdf", content_type="application/pdf", storage_path=key)
        )  # fmt: skip
        run = ReportRun(kind="quarterly", period_start=date(2026, 7, 1),
                        period_end=date(2026, 9, 30), label="Quý III/2026", created_at=NOW,
                        snapshot={"period_key": "2026Q3"})  # fmt: skip
        session.add(run)
        session.flush()
        run_id = run.id
    evidence = tmp_path / key
    evidence.parent.mkdir(parents=True)
    evidence.write_bytes(b"%PDF-1.4 bien ban")
    stray = evidence.parent / "nobody.pdf"  # a file no row names (a killed old upload)
    stray.write_bytes(b"%PDF stray")
    document = tmp_path / "reports" / str(run_id) / "bao-cao-quarterly-2026Q3.docx"
    document.parent.mkdir(parents=True)
    document.write_bytes(b"PK docx")

    first = _migrate(tmp_path, embedded_db, "--remove-local")
    assert first.returncode == 0, first.stderr
    assert "1 evidence and 1 report file(s) stored, 0 already stored, 1 left" in first.stdout
    assert "nobody.pdf: no row names it" in first.stderr
    assert not evidence.exists() and not document.exists() and stray.is_file()
    with session_scope() as session:
        stored = {f.key: f for f in session.exec(select(StoredFile))}
        assert set(stored) == {key, f"reports/{run_id}/bao-cao-quarterly-2026Q3.docx"}
        assert stored[key].content_type == "application/pdf" and stored[key].size_bytes == 17
        found = get_file(session=session, key=key, settings=get_settings())
        assert found is not None and found.data == b"%PDF-1.4 bien ban"

    # Again (the local copies kept this time): nothing stored twice.
    evidence.write_bytes(b"%PDF-1.4 bien ban")
    again = _migrate(tmp_path, embedded_db)
    assert again.returncode == 0, again.stderr
    assert "0 evidence and 0 report file(s) stored, 1 already stored" in again.stdout
    assert evidence.is_file()
    with session_scope() as session:
        assert len(session.exec(select(StoredFile)).all()) == 2
