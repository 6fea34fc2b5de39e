"""Extension requests (đề nghị gia hạn) on a work item and their decision."""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import col, select

from api.deps import CurrentUser, NowDep, SessionDep
from api.schemas.common import Id
from api.schemas.items import ExtensionCreate, ExtensionDecision, ExtensionPublic
from workflow.models import ExtensionRequest
from workflow.services.extensions import decide_extension, request_extension
from workflow.services.scope import get_visible_item

router = APIRouter(prefix="/items/{item_id}/extensions", tags=["items"])


@router.get("", response_model=list[ExtensionPublic])
def list_extensions(item_id: Id, user: CurrentUser, session: SessionDep) -> list[ExtensionPublic]:
    """Requests on the item, oldest first (the original due date stays on the item)."""
    get_visible_item(session=session, user=user, item_id=item_id)
    rows = session.exec(
        select(ExtensionRequest)
        .where(ExtensionRequest.work_item_id == item_id)
        .order_by(col(ExtensionRequest.id))
    ).all()
    return [ExtensionPublic.model_validate(r) for r in rows]


@router.post("", response_model=ExtensionPublic, status_code=201)
def create_extension(
    item_id: Id, body: ExtensionCreate, user: CurrentUser, session: SessionDep, now: NowDep
) -> ExtensionPublic:
    """Ask for a later due date, with a reason."""
    get_visible_item(session=session, user=user, item_id=item_id)
    row = request_extension(
        session=session,
        now=now,
        actor=user,
        item_id=item_id,
        requested_due_on=body.requested_due_on,
        reason=body.reason,
    )
    return ExtensionPublic.model_validate(row)


@router.post("/{request_id}/decision", response_model=ExtensionPublic)
def decide(
    item_id: Id,
    request_id: Id,
    body: ExtensionDecision,
    user: CurrentUser,
    session: SessionDep,
    now: NowDep,
) -> ExtensionPublic:
    """Approve or refuse a pending request (the lead unit's head, or above)."""
    get_visible_item(session=session, user=user, item_id=item_id)
    row = decide_extension(
        session=session,
        now=now,
        actor=user,
        item_id=item_id,
        request_id=request_id,
        approve=body.approve,
        note=body.note,
    )
    return ExtensionPublic.model_validate(row)
