"""Comments on a work item (ý kiến trao đổi)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import CurrentUser, NowDep, SessionDep
from api.schemas.common import Id
from api.schemas.items import CommentCreate, CommentPublic
from workflow.services.comments import add_comment, list_comments

router = APIRouter(prefix="/items/{item_id}/comments", tags=["items"])


@router.get("", response_model=list[CommentPublic])
def read_comments(item_id: Id, user: CurrentUser, session: SessionDep) -> list[CommentPublic]:
    """The item's comments, oldest first."""
    rows = list_comments(session=session, actor=user, item_id=item_id)
    return [CommentPublic.model_validate(c) for c in rows]


@router.post("", response_model=CommentPublic, status_code=201)
def create_comment(
    item_id: Id, body: CommentCreate, user: CurrentUser, session: SessionDep, now: NowDep
) -> CommentPublic:
    """Add a comment to an item the user can see."""
    comment = add_comment(session=session, now=now, actor=user, item_id=item_id, body=body.body)
    return CommentPublic.model_validate(comment)
