"""Evidence files (minh chứng / sản phẩm) as the API and the item page share them: storing
an upload with size and type limits, and serving a stored file to who may see its item.

Files live under `settings.var_dir/evidence/<item id>/` with a random name; the original
name is only metadata. A file is served only to users who may see its item, as an
attachment with `nosniff`, so an uploaded HTML page can never run in the site's origin.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from fastapi import UploadFile
from fastapi.responses import FileResponse
from sqlmodel import Session

from api.problems import ApiProblem
from api.schemas.forms import validated
from api.schemas.items import EvidenceIn
from workflow.errors import InvalidInput, NotFound
from workflow.models import Evidence, User
from workflow.services.evidence_files import (
    EvidenceRefused,
    accepted_type,
    store_file,
    stored_name,
)
from workflow.services.scope import get_visible_item
from workflow.services.work_items import add_evidence
from workflow.settings import Settings


def _store(upload: UploadFile, *, target: Path, limit: int) -> int:
    """Copy the upload to `target`, refusing (413) past `limit` bytes; returns the size."""
    try:
        return store_file(upload.file.read, target=target, limit=limit)
    except EvidenceRefused as exc:
        raise ApiProblem(exc.status, str(exc)) from exc


def attach_evidence(
    *,
    session: Session,
    now: datetime,
    actor: User,
    item_id: int,
    settings: Settings,
    note: str | None,
    file: UploadFile | None,
) -> Evidence:
    """Attach a note and/or a stored file to an item: the one path of the API and the page.

    Checks the scope (NotFound), the file's type (415) and size (413), then lets
    `add_evidence` check who may attach. A stored file is removed again when anything after
    storing it fails, so a refused upload leaves neither a row nor a file behind.
    """
    get_visible_item(session=session, user=actor, item_id=item_id, now=now)
    codes = {"note:string_too_long": "note_too_long"}
    note = validated(EvidenceIn, {"note": note}, codes=codes).note
    note = note if (note or "").strip() else None
    if file is None or not file.filename:
        if note is None:
            raise InvalidInput("evidence needs a note or a file", code="evidence_empty")
        row = add_evidence(session=session, now=now, actor=actor, item_id=item_id, note=note)
        session.flush()  # the row's id, for the answer
        return row
    try:
        content_type = accepted_type(file.content_type, settings=settings)
    except EvidenceRefused as exc:
        raise ApiProblem(exc.status, str(exc)) from exc
    original, target = stored_name(settings, item_id, file.filename)
    size = _store(file, target=target, limit=settings.evidence_max_bytes)
    try:
        row = add_evidence(
            session=session,
            now=now,
            actor=actor,
            item_id=item_id,
            note=note,
            filename=original,
            content_type=content_type,
            size_bytes=size,
            storage_path=str(target.relative_to(settings.var_dir)),
        )
        session.flush()
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return row


def evidence_file(
    *, session: Session, user: User, item_id: int, evidence_id: int, settings: Settings
) -> FileResponse:
    """The stored file of an evidence row, to users who may see its item (NotFound else).

    Sent as an attachment with `nosniff`, so an uploaded HTML page never runs in the site.
    """
    get_visible_item(session=session, user=user, item_id=item_id)
    row = session.get(Evidence, evidence_id)
    if row is None or row.work_item_id != item_id or not row.storage_path:
        raise NotFound(f"evidence {evidence_id} not found")
    path = (settings.var_dir / row.storage_path).resolve()
    if not path.is_relative_to(settings.var_dir.resolve()) or not path.is_file():
        raise NotFound(f"evidence {evidence_id} has no stored file")
    return FileResponse(
        path,
        media_type=row.content_type or "application/octet-stream",
        filename=row.filename or path.name,
        headers={"X-Content-Type-Options": "nosniff"},
        content_disposition_type="attachment",
    )
