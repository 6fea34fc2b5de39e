"""The one file store (tệp lưu trữ): evidence uploads and generated report documents are kept
in the database, in the same transaction as the rows that name them (decision 0028).

Every API host, worker and CLI reaches the same database, so a file stored through one host
is served by any other; the database's backup holds the files; and a file is written with
its row or not at all, so no upload leaves a file without a row. Keys are paths such as
`evidence/12/<random>.pdf` or `reports/5/bao-cao-quarterly-2026Q1.docx`.

Files written before this store lived under `settings.var_dir` by the same key: they are
still served from there until `planflow files migrate` moves them in (`migrate_local_files`).
A report document rendered during a read (a run without stored documents) is kept there
too, as this host's cache (`cache_locally`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, exists, func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from workflow.errors import InvalidInput
from workflow.models import Evidence, ReportRun, StoredFile
from workflow.settings import Settings

CHUNK = 64 * 1024
EVIDENCE_PREFIX = "evidence/"
REPORTS_PREFIX = "reports/"
# Suffixes of files found under var_dir when migrating, by the types they are served with.
_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".pdf": "application/pdf",
    ".png": "image/png",
}


class FileTooLarge(InvalidInput):
    """A file over its size limit; nothing was stored."""

    status = 413
    title = "File too large"


@dataclass(frozen=True)
class FileContent:
    """A file's bytes with what it is served as."""

    key: str
    content_type: str
    data: bytes

    @property
    def name(self) -> str:
        return self.key.rsplit("/", 1)[-1]


def read_limited(read: Callable[[int], bytes], *, limit: int) -> bytes:
    """Read to the end in chunks (`read(n)`, e.g. a file's), refusing (FileTooLarge) once
    past `limit` bytes, so an oversized upload is never held whole."""
    parts: list[bytes] = []
    size = 0
    while chunk := read(CHUNK):
        size += len(chunk)
        if size > limit:
            raise FileTooLarge(f"files are limited to {limit} bytes", code="file_too_large")
        parts.append(chunk)
    return b"".join(parts)


def put_file(
    *,
    session: Session,
    now: datetime,
    key: str,
    data: bytes,
    content_type: str,
) -> StoredFile:
    """Store `data` under `key` in the caller's transaction (flushed, never committed).

    A key already stored is kept as it is: keys of uploads are random, and documents
    rendered from a frozen report are the same whoever renders them first.
    """
    found = session.exec(select(StoredFile).where(StoredFile.key == key)).first()
    if found is not None:
        return found
    row = StoredFile(
        key=key,
        content_type=content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=now,
        data=data,
    )
    try:
        # A savepoint: a concurrent writer of the same key wins without spoiling our work.
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        winner = session.exec(select(StoredFile).where(StoredFile.key == key)).first()
        if winner is None:
            raise
        return winner
    return row


def get_file(*, session: Session, key: str, settings: Settings) -> FileContent | None:
    """The file stored under `key`, or the not yet migrated one under var_dir; None if neither."""
    found = session.exec(
        select(StoredFile.content_type, StoredFile.data).where(StoredFile.key == key)
    ).first()
    if found is not None:
        return FileContent(key=key, content_type=found[0], data=found[1])
    local = _local_path(settings, key)
    if local is None:
        return None
    return FileContent(key=key, content_type=_type_of(local), data=local.read_bytes())


def cache_locally(*, settings: Settings, key: str, data: bytes) -> None:
    """Keep a document rendered during a read (which may not write the database) under
    var_dir by its key, where `get_file` finds it next time on this host. Written aside and
    renamed: two first requests at once never serve half a file."""
    path = settings.var_dir / key
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(tmp, path)


def stored_keys(*, session: Session, prefix: str) -> list[str]:
    """Keys stored under `prefix`, sorted (the files' bytes are not read)."""
    return list(
        session.exec(
            select(StoredFile.key)
            .where(col(StoredFile.key).startswith(prefix, autoescape=True))
            .order_by(col(StoredFile.key))
        ).all()
    )


def _local_path(settings: Settings, key: str) -> Path | None:
    root = settings.var_dir.resolve()
    path = (root / key).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


def _type_of(path: Path) -> str:
    return _TYPES.get(path.suffix.lower(), "application/octet-stream")


def sweep_orphan_files(*, session: Session, now: datetime, settings: Settings) -> int:
    """Delete stored evidence files that no evidence row names and that are older than
    `orphan_file_grace_minutes`; returns how many. A file is stored with its row, so only
    a row removed without its file (by hand, or a future edit) leaves one."""
    cutoff = now - timedelta(minutes=settings.orphan_file_grace_minutes)
    named = exists().where(col(Evidence.storage_path) == col(StoredFile.key))
    result = session.exec(
        delete(StoredFile).where(
            col(StoredFile.key).startswith(EVIDENCE_PREFIX),
            col(StoredFile.created_at) < cutoff,
            ~named,
        )
    )
    return int(result.rowcount or 0)


@dataclass
class MigratedFiles:
    """What `migrate_local_files` moved into the store."""

    evidence: int = 0
    reports: int = 0
    already: int = 0
    unnamed: list[str] = field(default_factory=list)
    moved: list[Path] = field(default_factory=list)


def _local_files(root: Path) -> Iterator[Path]:
    return (p for p in sorted(root.rglob("*")) if p.is_file() and not p.name.endswith(".part"))


def migrate_local_files(*, session: Session, now: datetime, settings: Settings) -> MigratedFiles:
    """Store the files written under var_dir before this store: evidence files a row names
    (by their storage_path, which becomes their key) and the documents of existing report
    runs. Files already stored are left; a file no row names is listed, not stored.
    The caller commits, then may remove `moved` (each is in the database by then)."""
    out = MigratedFiles()
    var = settings.var_dir
    named = {
        p
        for p in session.exec(
            select(Evidence.storage_path).where(col(Evidence.storage_path).is_not(None))
        ).all()
        if p
    }
    runs = {str(i) for i in session.exec(select(ReportRun.id)).all()}
    stored = set(
        session.exec(
            select(StoredFile.key).where(
                col(StoredFile.key).startswith(EVIDENCE_PREFIX)
                | col(StoredFile.key).startswith(REPORTS_PREFIX)
            )
        ).all()
    )
    for top, known in (("evidence", None), ("reports", runs)):
        root = var / top
        if not root.is_dir():
            continue
        for path in _local_files(root):
            key = path.relative_to(var).as_posix()
            if known is None and key not in named:
                out.unnamed.append(key)
                continue
            if known is not None and key.split("/")[1] not in known:
                out.unnamed.append(key)
                continue
            if key in stored:
                out.already += 1
            else:
                put_file(
                    session=session,
                    now=now,
                    key=key,
                    data=path.read_bytes(),
                    content_type=_type_of(path),
                )
                if top == "evidence":
                    out.evidence += 1
                else:
                    out.reports += 1
            out.moved.append(path)
    return out


def stored_totals(*, session: Session) -> tuple[int, int]:
    """How many files are stored and their total size in bytes."""
    count, size = session.exec(
        select(func.count(), func.coalesce(func.sum(StoredFile.size_bytes), 0))
    ).one()
    return int(count), int(size)
