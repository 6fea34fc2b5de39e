"""Evidence (minh chứng / sản phẩm): upload with size and type limits, scoped download.

Files are kept by the file store (`workflow.services.files`, in the database with their
row) under `evidence/<item id>/<random name>`; the original name is only metadata. A file
is served only to users who may see its item, as an attachment with `nosniff`, so an
uploaded HTML page can never run in the site's origin.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from sqlmodel import col, select

from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from api.evidence_store import attach_evidence, evidence_file
from api.schemas.common import Id
from api.schemas.items import EvidencePublic
from workflow.models import Evidence
from workflow.services.scope import get_visible_item

router = APIRouter(prefix="/items/{item_id}/evidence", tags=["items"])


@router.post("", response_model=EvidencePublic, status_code=201, responses={413: {}, 415: {}})
def upload_evidence(
    item_id: Id,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
    # Checked by `EvidenceIn` in `attach_evidence`, for this route and the page alike.
    note: Annotated[str | None, Form()] = None,
) -> EvidencePublic:
    """Attach a file and/or a note to an item (the assignee or the lead unit's head)."""
    row = attach_evidence(
        session=session,
        now=now,
        actor=user,
        item_id=item_id,
        settings=settings,
        note=note,
        file=file,
    )
    return EvidencePublic.model_validate(row)


@router.get("", response_model=list[EvidencePublic])
def list_evidence(item_id: Id, user: CurrentUser, session: SessionDep) -> list[EvidencePublic]:
    """The item's evidence, oldest first."""
    get_visible_item(session=session, user=user, item_id=item_id)
    rows = session.exec(
        select(Evidence).where(Evidence.work_item_id == item_id).order_by(col(Evidence.id))
    ).all()
    return [EvidencePublic.model_validate(r) for r in rows]


@router.get(
    "/{evidence_id}/file",
    response_class=Response,
    # Served with the type it was uploaded with (text/plain, application/pdf, ...).
    responses={200: {"content": {"*/*": {}}}, 404: {}},
)
def download_evidence(
    item_id: Id, evidence_id: Id, user: CurrentUser, session: SessionDep, settings: SettingsDep
) -> Response:
    """The stored file, to users who may see the item only."""
    return evidence_file(
        session=session, user=user, item_id=item_id, evidence_id=evidence_id, settings=settings
    )
