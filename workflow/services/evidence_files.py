"""Evidence files without a row: removed once they are old enough to be nobody's upload.

An upload stores its file first and its row in the request's transaction; a process killed
between the two (kill -9, power loss) or a rollback the request did not see leaves a file
no row names. Such a file is removed when it is older than `orphan_file_grace_minutes`
(an upload still being committed is younger), by the `sweep_orphan_files` job.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from workflow.models import Evidence
from workflow.settings import Settings

EVIDENCE_DIR = "evidence"


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
