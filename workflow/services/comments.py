"""Comments and annotations (ý kiến, bút phê) on a work item.

Anyone who may see an item may comment on it; visibility is checked through the scope
query, so an item outside the actor's scope is simply not found.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from workflow.errors import InvalidInput
from workflow.models import Comment, User
from workflow.services.scope import get_visible_item
from workflow.services.work_items.audit import record_change, snapshot


def add_comment(
    *, session: Session, now: datetime, actor: User, item_id: int, body: str
) -> Comment:
    """Add a comment to an item the actor can see."""
    item = get_visible_item(session=session, user=actor, item_id=item_id)
    text = body.strip()
    if not text:
        raise InvalidInput("a comment needs some text", code="comment_empty")
    comment = Comment(work_item_id=item.id or 0, author_id=actor.id or 0, body=text, created_at=now)
    session.add(comment)
    session.flush()
    # One thread per item: the comment joins the history, and the event relay mails it to
    # the people on the item. No version bump: a comment changes nothing anyone is editing.
    record_change(
        session=session,
        now=now,
        item=item,
        actor=actor,
        action="comment",
        before=snapshot(item),
        comment=text,
        extra={"comment_id": comment.id},
        bump=False,
    )
    return comment


def list_comments(*, session: Session, actor: User, item_id: int) -> list[Comment]:
    """The item's comments, oldest first."""
    get_visible_item(session=session, user=actor, item_id=item_id)
    return list(
        session.exec(
            select(Comment)
            .where(Comment.work_item_id == item_id)
            .order_by(col(Comment.created_at), col(Comment.id))
        ).all()
    )
