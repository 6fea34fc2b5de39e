"""Evidence files (minh chứng / sản phẩm) as the API and the item page share them: storing
an upload with size and type limits, and serving a stored file to who may see its item.

Files are kept by the file store (`workflow.services.files`, in the database with their
row) under `evidence/<item id>/<random name>`; the original name is only metadata. A file
is served only to users who may see its item, as an attachment with `nosniff`, so an
uploaded HTML page can never run in the site's origin.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import UploadFile
from fastapi.responses import Response
from sqlmodel import Session

from api.downloads import attachment
from api.problems import ApiProblem
from api.schemas.forms import validated
from api.schemas.items import EvidenceIn
from workflow.errors import InvalidInput, NotFound
from workflow.models import Evidence, User
from workflow.services.evidence_files import (
    EvidenceRefused,
    accepted_type,
    read_evidence,
    store_evidence,
    stored_name,
)
from workflow.services.files import get_file
from workflow.services.scope import get_visible_item
from workflow.services.work_items import add_evidence
from workflow.settings import Settings


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
    `add_evidence` check who may attach. The file is stored in the request's transaction
    with its row, so a refused upload leaves neither behind.
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
        data = read_evidence(file.file.read, settings=settings)
    except EvidenceRefused as exc:
        raise ApiProblem(exc.status, str(exc)) from exc
    original, key = stored_name(item_id, file.filename)
    row = add_evidence(
        session=session,
        now=now,
        actor=actor,
        item_id=item_id,
        note=note,
        filename=original,
        content_type=content_type,
        size_bytes=len(data),
        storage_path=key,
    )
    store_evidence(session=session, now=now, key=key, data=data, content_type=content_type)
    session.flush()
    return row


def evidence_file(
    *, session: Session, user: User, item_id: int, evidence_id: int, settings: Settings
) -> Response:
    """The stored file of an evidence row, to users who may see its item (NotFound else).

    Sent as an attachment with `nosniff`, so an uploaded HTML page never runs in the site.
    """
    get_visible_item(session=session, user=user, item_id=item_id)
    row = session.get(Evidence, evidence_id)
    if row is None or row.work_item_id != item_id or not row.storage_path:
        raise NotFound(f"evidence {evidence_id} not found")
    stored = get_file(session=session, key=row.storage_path, settings=settings)
    if stored is None:
        raise NotFound(f"evidence {evidence_id} has no stored file")
    return attachment(
        stored.data,
        media_type=row.content_type or stored.content_type,
        filename=row.filename or stored.name,
    )
