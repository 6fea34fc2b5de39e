"""Work item routes: the scoped list with filters, and one item's detail."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime
from sqlmodel import Session, col, select

from api.deps import CurrentUser, NowDep, SessionDep, SettingsDep
from api.problems import ApiProblem
from api.queries import ItemFilter, due_soon_limit, list_items, page_json
from api.schemas.common import Id
from api.schemas.items import (
    ActionIn,
    BulkAssignIn,
    BulkAssignOut,
    EventPublic,
    ItemUnitPublic,
    ProgressIn,
    WorkItemCreate,
    WorkItemDetail,
    WorkItemPage,
)
from workflow.calendar import local_date
from workflow.deadlines import Flag, flag_of
from workflow.errors import InvalidInput, NotFound
from workflow.models import Area, PlanTask, User, WorkItem, WorkItemEvent, WorkItemUnit
from workflow.services.scope import get_visible_item
from workflow.services.views import SortKey
from workflow.services.work_items import (
    act,
    actions_for,
    assign,
    bulk_assign_area,
    report_progress,
)
from workflow.settings import Settings
from workflow.states import Action, State

router = APIRouter(prefix="/items", tags=["items"])


def allowed_action_names(
    *, session: Session, user: User, item: WorkItem, now: datetime
) -> list[str]:
    """The actions `user` may take on `item` now, from the state table (workflow.states);
    a delegate standing in for the absent assignee gets the assignee's."""
    return [a.value for a in actions_for(session=session, item=item, actor=user, now=now)]


def parse_if_match(value: str | None) -> int | None:
    """The item version an `If-Match` header names ("3", W/"3" or 3); None when absent."""
    if value is None or value.strip() == "*":
        return None
    tag = value.strip().removeprefix("W/").strip('"')
    try:
        return int(tag)
    except ValueError as exc:
        raise ApiProblem(400, "If-Match must be the item version from its ETag") from exc


def item_detail(
    *, session: Session, user: User, item: WorkItem, now: datetime, settings: Settings
) -> WorkItemDetail:
    soon = due_soon_limit(session, now=now, settings=settings)
    units = session.exec(select(WorkItemUnit).where(WorkItemUnit.work_item_id == item.id)).all()
    events = session.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.work_item_id == item.id)
        .order_by(col(WorkItemEvent.at), col(WorkItemEvent.id))
    ).all()
    return WorkItemDetail.model_validate(
        item,
        update={
            "flag": flag_of(item, now=now, soon=soon),
            "units": [ItemUnitPublic.model_validate(u) for u in units],
            "events": [EventPublic.model_validate(e) for e in events],
            "allowed_actions": allowed_action_names(session=session, user=user, item=item, now=now),
        },
    )


def tagged_detail(
    response: Response,
    *,
    session: Session,
    user: User,
    item: WorkItem,
    now: datetime,
    settings: Settings,
) -> WorkItemDetail:
    """The answer of every route that returns one item: its detail, with its version as the
    ETag a later write sends back in If-Match."""
    response.headers["ETag"] = f'"{item.version}"'
    return item_detail(session=session, user=user, item=item, now=now, settings=settings)


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
) -> Response:
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
    body = page_json(rows, now=now, soon=soon, page=page, page_size=page_size, has_more=has_more)
    # Serialized once from the rows; the declared response_model documents the shape.
    return Response(body, media_type="application/json")


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
    item = get_visible_item(session=session, user=user, item_id=item_id, now=now)
    return tagged_detail(
        response, session=session, user=user, item=item, now=now, settings=settings
    )


@router.post("", response_model=WorkItemDetail, status_code=201)
def create_work_item(
    body: WorkItemCreate,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    response: Response,
) -> WorkItemDetail:
    """Assign a work item (giao việc) to an officer of the lead unit."""
    spec = body.spec(start_on=body.start_on or local_date(now, tz=settings.timezone))
    if body.plan_task_id is not None and session.get(PlanTask, body.plan_task_id) is None:
        raise InvalidInput(f"no plan task with id {body.plan_task_id}")
    item = assign(session=session, now=now, actor=user, spec=spec)
    response.headers["Location"] = f"/items/{item.id}"
    return tagged_detail(
        response, session=session, user=user, item=item, now=now, settings=settings
    )


@router.post("/bulk-assign", response_model=BulkAssignOut, status_code=201)
def bulk_assign(
    body: BulkAssignIn, session: SessionDep, user: CurrentUser, now: NowDep, settings: SettingsDep
) -> BulkAssignOut:
    """Assign every active task of a plan area at once (all or nothing; idempotent)."""
    if session.get(Area, body.area_id) is None:
        raise NotFound(f"area {body.area_id} not found")
    result = bulk_assign_area(
        session=session,
        now=now,
        actor=user,
        area_id=body.area_id,
        start_on=body.start_on or local_date(now, tz=settings.timezone),
        due_on=body.due_on,
        due_working_days=body.due_working_days,
        evidence_required=body.evidence_required,
    )
    return BulkAssignOut(created=[i.id or 0 for i in result.created], skipped=result.skipped)


@router.post(
    "/{item_id}/actions/{action}",
    response_model=WorkItemDetail,
    responses={400: {}, 403: {}, 404: {}, 409: {}, 412: {}},
)
def take_action(
    item_id: Id,
    action: Action,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    response: Response,
    body: ActionIn | None = None,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> WorkItemDetail:
    """Take an action from the state table; 409 if the state forbids it, 412 if stale."""
    get_visible_item(session=session, user=user, item_id=item_id, now=now)
    item = act(
        session=session,
        now=now,
        actor=user,
        item_id=item_id,
        action=action,
        comment=body.comment if body else None,
        expected_version=parse_if_match(if_match),
        assignee_id=body.assignee_id if body else None,
    )
    return tagged_detail(
        response, session=session, user=user, item=item, now=now, settings=settings
    )


@router.post(
    "/{item_id}/progress",
    response_model=WorkItemDetail,
    responses={403: {}, 404: {}, 409: {}, 412: {}},
)
def post_progress(
    item_id: Id,
    body: ProgressIn,
    session: SessionDep,
    user: CurrentUser,
    now: NowDep,
    settings: SettingsDep,
    response: Response,
    if_match: Annotated[str | None, Header(max_length=100)] = None,
) -> WorkItemDetail:
    """The assignee reports progress (0-100 %) with a note; 409 unless work is owed."""
    get_visible_item(session=session, user=user, item_id=item_id, now=now)
    item = report_progress(
        session=session,
        now=now,
        actor=user,
        item_id=item_id,
        percent=body.percent,
        note=body.note,
        expected_version=parse_if_match(if_match),
    )
    return tagged_detail(
        response, session=session, user=user, item=item, now=now, settings=settings
    )
