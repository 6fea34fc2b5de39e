"""Work item routes: the scoped list with filters, and one item's detail."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import AwareDatetime
from sqlmodel import Session, col, select

from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from api.queries import ItemFilter, due_soon_limit, flag_of, list_items, to_public
from api.schemas.common import Id
from api.schemas.items import (
    EventPublic,
    Flag,
    ItemUnitPublic,
    SortKey,
    WorkItemDetail,
    WorkItemPage,
)
from workflow.models import User, WorkItem, WorkItemEvent, WorkItemUnit
from workflow.services.scope import get_visible_item
from workflow.states import State

router = APIRouter(prefix="/items", tags=["items"])


def allowed_action_names(*, session: Session, user: User, item: WorkItem) -> list[str]:
    """The actions `user` may take on `item` now (from the state table once the engine lands)."""
    return []


@router.get("", response_model=WorkItemPage)
def list_work_items(
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    state: Annotated[list[State] | None, Query(max_length=10)] = None,
    unit_id: Id | None = None,
    assignee_id: Id | None = None,
    due_before: AwareDatetime | None = None,
    due_after: AwareDatetime | None = None,
    flag: Flag | None = None,
    area_id: Id | None = None,
    plan_id: Id | None = None,
    mine: bool = False,
    sort: SortKey = SortKey.DUE,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=200)] = 50,
) -> WorkItemPage:
    """Items the user may see (giao cho tôi, đơn vị chủ trì/phối hợp), filtered and sorted."""
    filters = ItemFilter(
        states=state or [],
        unit_id=unit_id,
        assignee_id=assignee_id,
        due_before=due_before,
        due_after=due_after,
        flag=flag,
        area_id=area_id,
        plan_id=plan_id,
        mine=mine,
    )
    soon = due_soon_limit(session, now=now, settings=settings)
    rows, has_more = list_items(
        session=session,
        user=user,
        filters=filters,
        sort=sort,
        page=page,
        page_size=page_size,
        now=now,
        soon=soon,
    )
    return WorkItemPage(
        items=[to_public(r, now=now, soon=soon) for r in rows],
        page=page,
        page_size=page_size,
        has_more=has_more,
    )


@router.get("/{item_id}", response_model=WorkItemDetail)
def get_work_item(
    item_id: Id,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    response: Response,
) -> WorkItemDetail:
    """One item with its units, audit trail and the actions this user may take now."""
    item = get_visible_item(session=session, user=user, item_id=item_id)
    soon = due_soon_limit(session, now=now, settings=settings)
    units = session.exec(select(WorkItemUnit).where(WorkItemUnit.work_item_id == item.id)).all()
    events = session.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.work_item_id == item.id)
        .order_by(col(WorkItemEvent.at), col(WorkItemEvent.id))
    ).all()
    response.headers["ETag"] = f'"{item.version}"'
    return WorkItemDetail.model_validate(
        item,
        update={
            "flag": flag_of(item, now=now, soon=soon),
            "units": [ItemUnitPublic.model_validate(u) for u in units],
            "events": [EventPublic.model_validate(e) for e in events],
            "allowed_actions": allowed_action_names(session=session, user=user, item=item),
        },
    )
