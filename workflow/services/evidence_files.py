"""Evidence files (minh chứng): the size and type rules every way in shares (an upload on
the item page or the API, an attachment of a reply by mail), where they are stored, and
files without a row, removed once they are old enough to be nobody's upload.

An upload stores its file first and its row in the request's transaction; a process killed
between the two (kill -9, power loss) or a rollback the request did not see leaves a file
no row names. Such a file is removed when it is older than `orphan_file_grace_minutes`
(an upload still being committed is younger), by the `sweep_orphan_files` job.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from workflow.errors import InvalidInput
from workflow.models import Evidence
from workflow.settings import Settings

EVIDENCE_DIR = "evidence"
CHUNK = 64 * 1024
_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


class EvidenceRefused(InvalidInput):
    """A file the evidence rules refuse: too large (413) or of a type not accepted (415)."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message, code=code)
        self.status = status


def evidence_dir(settings: Settings, item_id: int) -> Path:
    return settings.var_dir / EVIDENCE_DIR / str(item_id)


def accepted_type(content_type: str | None, *, settings: Settings) -> str:
    """The file's type without parameters, if evidence may be of it (EvidenceRefused: 415)."""
    found = (content_type or "").split(";")[0].strip().lower()
    if found not in settings.evidence_types:
        raise EvidenceRefused(
            f"file type {found or 'unknown'} is not accepted", status=415, code="evidence_type"
        )
    return found


def stored_name(settings: Settings, item_id: int, filename: str) -> tuple[str, Path]:
    """The original name kept as metadata (200 characters) and a random path to store under
    (the name's safe suffix only)."""
    original = Path(filename).name[:200]
    suffix = "".join(c for c in Path(original).suffix if c in _SAFE)[:10]
    return original, evidence_dir(settings, item_id) / f"{secrets.token_hex(16)}{suffix}"


def store_file(read: Callable[[int], bytes], *, target: Path, limit: int) -> int:
    """Copy what `read` gives to `target`, refusing past `limit` bytes (EvidenceRefused: 413,
    nothing left behind); returns the size."""
    target.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    with target.open("xb") as out:
        while chunk := read(CHUNK):
            size += len(chunk)
            if size > limit:
                out.close()
                target.unlink(missing_ok=True)
                raise EvidenceRefused(
                    f"evidence files are limited to {limit} bytes",
                    status=413,
                    code="evidence_too_large",
                )
            out.write(chunk)
    return size


def sweep_orphan_files(*, session: Session, now: datetime, settings: Settings) -> int:
    """Delete evidence files older than the grace period that no evidence row names;
    returns how many were deleted. Files are under `var_dir/evidence/<item id>/`."""
    root = settings.var_dir / EVIDENCE_DIR
    if not root.is_dir():
        return 0
    cutoff = now.timestamp() - settings.orphan_file_grace_minutes * 60
    removed = 0
    for item_dir in sorted(root.iterdir()):
        if not item_dir.is_dir() or not item_dir.name.isdigit():
            continue
        old = [p for p in item_dir.iterdir() if p.is_file() and p.stat().st_mtime < cutoff]
        if not old:
            continue
        # Only directories holding old files cost a query, so a sweep stays cheap.
        named = set(
            session.exec(
                select(Evidence.storage_path).where(Evidence.work_item_id == int(item_dir.name))
            ).all()
        )
        for path in old:
            if str(path.relative_to(settings.var_dir)) not in named:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
