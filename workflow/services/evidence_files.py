"""Evidence files (minh chứng): the size and type rules every way in shares (an upload on
the item page or the API, an attachment of a reply by mail) and how a file is stored.

The file goes to the file store (`workflow.services.files`, in the database) in the
caller's transaction, together with its evidence row: a refused or killed upload leaves
neither behind (decision 0028). Stored files no row names are swept by
`workflow.services.files.sweep_orphan_files`.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlmodel import Session

from workflow.errors import InvalidInput
from workflow.services.files import EVIDENCE_PREFIX, FileTooLarge, put_file, read_limited
from workflow.settings import Settings

_SAFE = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


class EvidenceRefused(InvalidInput):
    """A file the evidence rules refuse: too large (413) or of a type not accepted (415)."""

    def __init__(self, message: str, *, status: int, code: str) -> None:
        super().__init__(message, code=code)
        self.status = status


def accepted_type(content_type: str | None, *, settings: Settings) -> str:
    """The file's type without parameters, if evidence may be of it (EvidenceRefused: 415)."""
    found = (content_type or "").split(";")[0].strip().lower()
    if found not in settings.evidence_types:
        raise EvidenceRefused(
            f"file type {found or 'unknown'} is not accepted", status=415, code="evidence_type"
        )
    return found


def stored_name(item_id: int, filename: str) -> tuple[str, str]:
    """The original name kept as metadata (200 characters) and a random key to store under
    (`evidence/<item id>/<random>` with the name's safe suffix only)."""
    original = Path(filename).name[:200]
    suffix = "".join(c for c in Path(original).suffix if c in _SAFE)[:10]
    return original, f"{EVIDENCE_PREFIX}{item_id}/{secrets.token_hex(16)}{suffix}"


def read_evidence(read: Callable[[int], bytes], *, settings: Settings) -> bytes:
    """What `read` gives, refused past `evidence_max_bytes` (EvidenceRefused: 413) before
    more than the limit is held."""
    limit = settings.evidence_max_bytes
    try:
        return read_limited(read, limit=limit)
    except FileTooLarge as exc:
        raise EvidenceRefused(
            f"evidence files are limited to {limit} bytes", status=413, code="evidence_too_large"
        ) from exc


def store_evidence(
    *, session: Session, now: datetime, key: str, data: bytes, content_type: str
) -> None:
    """Store an evidence file under `key` in the caller's transaction (with its row)."""
    put_file(session=session, now=now, key=key, data=data, content_type=content_type)
