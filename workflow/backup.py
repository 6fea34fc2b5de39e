"""`planflow db backup` / `db restore`: the database and the files under var_dir in one archive.

An archive is a gzipped tar holding `manifest.json` (what it is: database kind, schema
revision, row counts), the database (`database.pgdump` from pg_dump's custom format, or
`database.sqlite` made with SQLite's online backup API, both consistent while the
application runs; it holds the evidence files (minh chứng) and report documents, decision
0028) and `files/`: those still under var_dir from before the file store. Restore checks
everything before it writes: the archive, the kind of the configured database, and that
the target is empty (`force` replaces it). PostgreSQL is restored in one transaction;
nothing half-written is left by a failed restore.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine, make_url

from workflow import migrate
from workflow.db import make_engine
from workflow.errors import InvalidInput

FORMAT = "planflow-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
PG_DUMP = "database.pgdump"
SQLITE_DB = "database.sqlite"
FILES = "files"
# Directories under var_dir whose files rows name, from before the file store (decision 0028).
FILE_DIRS = ("evidence", "reports")
# Row counts shown in the manifest and after a restore (what an operator checks first).
COUNTED = (
    "unit",
    "app_user",
    "plan",
    "plan_task",
    "work_item",
    "work_item_event",
    "evidence",
    "report_run",
    "stored_file",
    "notification",
)


@dataclass(frozen=True)
class Outcome:
    """What a backup wrote or a restore brought back."""

    path: Path
    database: str
    revision: list[str]
    counts: dict[str, int]
    files: int


def _kind(url: str) -> str:
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise InvalidInput(f"backups cover SQLite and PostgreSQL, not {name}")
    return name


def _counts(engine: Engine) -> dict[str, int]:
    present = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            t: int(conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one())  # noqa: S608
            for t in COUNTED
            if t in present
        }


def _revision(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(migrate.applied_revisions(conn))


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for pg_dump/pg_restore (the password goes in the environment, not argv)."""
    parsed: URL = make_url(url)
    env = dict(os.environ)
    if parsed.password:
        env["PGPASSWORD"] = str(parsed.password)
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _schema_of(url: str) -> str | None:
    """The schema a `?options=-csearch_path=NAME` URL works in (None: the default)."""
    options = make_url(url).query.get("options")
    value = options if isinstance(options, str) else (options[0] if options else "")
    for part in value.split():
        if part.startswith("-csearch_path="):
            return part.removeprefix("-csearch_path=").split(",")[0].strip()
    return None


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise InvalidInput(
            f"{name} not found: install the PostgreSQL client (apt-get install postgresql-client)"
        )
    return found


def _run(argv: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise InvalidInput(f"{what} failed: {reason}")


def _count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file()) if root.is_dir() else 0


def backup(*, url: str, var_dir: Path, target: Path, now: datetime) -> Outcome:
    """Write the archive of the database at `url` and var_dir's files to `target`."""
    kind = _kind(url)
    if target.exists() and target.is_dir():
        raise InvalidInput(f"{target} is a directory: give a file name, e.g. planflow.tar.gz")
    if not target.parent.is_dir():
        raise InvalidInput(f"{target.parent} does not exist")
    engine = make_engine(url)
    try:
        revision = _revision(engine)
        if not revision:
            raise InvalidInput("the database has no planflow schema: nothing to back up")
        counts = _counts(engine)
    finally:
        engine.dispose()
    with tempfile.TemporaryDirectory(prefix="planflow-backup-") as tmp:
        work = Path(tmp)
        if kind == "postgresql":
            dump = work / PG_DUMP
            uri, env = _libpq(url)
            argv = [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges"]
            schema = _schema_of(url)
            if schema:
                argv.append(f"--schema={schema}")
            _run([*argv, f"--file={dump}", f"--dbname={uri}"], env, "pg_dump")
        else:
            source = Path(make_url(url).database or "")
            dump = work / SQLITE_DB
            src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            dst = sqlite3.connect(dump)
            try:
                src.backup(dst)  # a consistent copy while others write (WAL included)
            finally:
                dst.close()
                src.close()
        files = sum(_count_files(var_dir / d) for d in FILE_DIRS)
        manifest = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "database": kind,
            "revision": revision,
            "created_at": now.isoformat(),
            "counts": counts,
            "files": files,
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = target.with_name(target.name + ".partial")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(work / MANIFEST, arcname=MANIFEST)
            tar.add(dump, arcname=dump.name)
            for d in FILE_DIRS:
                if (var_dir / d).is_dir():
                    tar.add(var_dir / d, arcname=f"{FILES}/{d}")
        partial.replace(target)  # a finished archive or none: never half a file under its name
    return Outcome(target, kind, revision, counts, files)


def read_manifest(archive: Path) -> dict[str, Any]:
    """The archive's manifest, or InvalidInput saying why it is not a planflow backup."""
    if not archive.is_file():
        raise InvalidInput(f"{archive}: no such file")
    try:
        with tarfile.open(archive, "r:*") as tar:
            member = tar.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(member.read().decode("utf-8"))
    except (tarfile.TarError, KeyError, ValueError, OSError) as exc:
        raise InvalidInput(f"{archive}: not a planflow backup ({type(exc).__name__})") from None
    if manifest.get("format") != FORMAT or manifest.get("version") != FORMAT_VERSION:
        raise InvalidInput(f"{archive}: not a planflow backup of format {FORMAT_VERSION}")
    return manifest


def _target_contents(url: str, kind: str) -> dict[str, int] | None:
    """Row counts of the target database if it holds planflow tables, else None."""
    if kind == "sqlite":
        path = Path(make_url(url).database or "")
        if not path.exists() or path.stat().st_size == 0:
            return None
    engine = make_engine(url)
    try:
        if not inspect(engine).get_table_names():
            return None
        return _counts(engine)
    finally:
        engine.dispose()


def restore(*, url: str, var_dir: Path, archive: Path, force: bool = False) -> Outcome:
    """Restore `archive` into the database at `url` and var_dir; refuse a non-empty target
    unless `force` (then the target's tables and files are replaced)."""
    manifest = read_manifest(archive)
    kind = _kind(url)
    if manifest["database"] != kind:
        raise InvalidInput(
            f"{archive} holds a {manifest['database']} database, the configured one is {kind}"
        )
    existing = _target_contents(url, kind)
    files_there = sum(_count_files(var_dir / d) for d in FILE_DIRS)
    if (existing is not None or files_there) and not force:
        items = existing.get("work_item", 0) if existing else 0
        raise InvalidInput(
            f"the target is not empty ({items} work items, {files_there} files under "
            f"{var_dir}): restore into an empty database, or add --force to replace it"
        )
    with tempfile.TemporaryDirectory(prefix="planflow-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:*") as tar:
            tar.extractall(work, filter="data")  # no absolute paths, links or devices
        if kind == "postgresql":
            _restore_postgres(url, work / PG_DUMP, force=force and existing is not None)
        else:
            _restore_sqlite(url, work / SQLITE_DB)
        for d in FILE_DIRS:
            if force:
                shutil.rmtree(var_dir / d, ignore_errors=True)
            source = work / FILES / d
            if source.is_dir():
                shutil.copytree(source, var_dir / d, dirs_exist_ok=True)
    engine = make_engine(url)
    try:
        counts, revision = _counts(engine), _revision(engine)
    finally:
        engine.dispose()
    files = sum(_count_files(var_dir / d) for d in FILE_DIRS)
    return Outcome(archive, kind, revision, counts, files)


def _restore_postgres(url: str, dump: Path, *, force: bool) -> None:
    if not dump.is_file():
        raise InvalidInput(f"the archive has no {PG_DUMP}")
    uri, env = _libpq(url)
    argv = [_tool("pg_restore"), "--no-owner", "--no-privileges", "--single-transaction"]
    if force:
        argv += ["--clean", "--if-exists"]
    _run([*argv, f"--dbname={uri}", str(dump)], env, "pg_restore")


def _restore_sqlite(url: str, copy: Path) -> None:
    if not copy.is_file():
        raise InvalidInput(f"the archive has no {SQLITE_DB}")
    path = Path(make_url(url).database or "")
    path.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
    dst = sqlite3.connect(path)
    try:
        src.backup(dst)  # page by page into the target, replacing what it held
    finally:
        dst.close()
        src.close()
