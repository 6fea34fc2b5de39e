"""Search, saved list views and bulk actions over the API (the pages' twins).

`GET /search` is `workflow.services.search.search` (the results page's service);
`/me/views` are the caller's saved views (`workflow.services.views`); `POST /items/bulk`
is `workflow.services.work_items.bulk_act`, one outcome per item, each refusal named.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal
from urllib.parse import parse_qsl

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from api.deps import CurrentUser, NowDep, SessionDep
from api.pages.search import hit_url
from api.schemas.common import Id
from workflow.models.search import SEARCH_KINDS
from workflow.services.search import search
from workflow.services.views import (
    MAX_VIEW_NAME,
    ViewFilters,
    delete_view,
    save_view,
    saved_views,
)
from workflow.services.work_items import BulkAction, bulk_act

router = APIRouter(tags=["search and views"])

Kind = Literal["item", "task", "comment", "evidence"]
assert set(Kind.__args__) == set(SEARCH_KINDS)  # type: ignore[attr-defined]


class SearchHitOut(BaseModel):
    kind: Kind
    object_id: int
    title: str
    excerpt: str
    url: str
    work_item_id: int | None
    plan_id: int | None
    plan_task_id: int | None
    state: str | None
    due_at: datetime | None


class SearchOut(BaseModel):
    query: str
    words: list[str]
    hits: list[SearchHitOut]
    page: int
    page_size: int
    has_more: bool


@router.get("/search", response_model=SearchOut)
def search_api(
    session: SessionDep,
    user: CurrentUser,
    q: Annotated[str, Query(max_length=1000)],
    kind: Annotated[list[Kind] | None, Query(max_length=4)] = None,
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    page_size: Annotated[int, Query(ge=1, le=100)] = 20,
) -> SearchOut:
    """Work items, plan tasks, comments and evidence matching `q` (diacritics and case
    ignored, each word a prefix), best first, among what the caller may see."""
    result = search(
        session=session, user=user, query=q, kinds=list(kind or []), page=page, page_size=page_size
    )
    return SearchOut(
        query=result.query,
        words=result.words,
        hits=[
            SearchHitOut(
                kind=h.kind,
                object_id=h.object_id,
                title=h.title,
                excerpt="".join(text for text, _ in h.excerpt.parts),
                url=hit_url(h),
                work_item_id=h.work_item_id,
                plan_id=h.plan_id,
                plan_task_id=h.plan_task_id,
                state=h.state,
                due_at=h.due_at,
            )
            for h in result.hits
        ],
        page=result.page,
        page_size=result.page_size,
        has_more=result.has_more,
    )


class SavedViewIn(BaseModel):
    list: Literal["my", "team"]
    name: str = Field(min_length=1, max_length=MAX_VIEW_NAME)
    # The list's query string ("state=in_progress&flag=overdue"), checked as the pages do.
    query: str = Field(default="", max_length=4000)


class SavedViewOut(BaseModel):
    id: int
    list: str
    name: str
    query: str
    url: str


def _out(view: object) -> SavedViewOut:
    list_name = getattr(view, "list_name")  # noqa: B009
    query = getattr(view, "query")  # noqa: B009
    path = "/my" if list_name == "my" else "/ui/team"
    return SavedViewOut(
        id=getattr(view, "id"),  # noqa: B009
        list=list_name,
        name=getattr(view, "name"),  # noqa: B009
        query=query,
        url=path + (f"?{query}" if query else ""),
    )


@router.get("/me/views", response_model=list[SavedViewOut], tags=["me"])
def list_saved_views(session: SessionDep, user: CurrentUser) -> list[SavedViewOut]:
    """The caller's saved list views."""
    return [_out(v) for v in saved_views(session=session, user=user)]


@router.post("/me/views", response_model=SavedViewOut, status_code=201, tags=["me"])
def create_saved_view(
    body: SavedViewIn, session: SessionDep, user: CurrentUser, now: NowDep
) -> SavedViewOut:
    """Save a list's filters under a name (the same name replaces it); bad filters: 422."""
    filters = ViewFilters.parse(parse_qsl(body.query))
    view = save_view(
        session=session, user=user, list_name=body.list, name=body.name, filters=filters, now=now
    )
    return _out(view)


@router.delete("/me/views/{view_id}", status_code=204, tags=["me"])
def remove_saved_view(view_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """Delete one of the caller's saved views (another person's: 404)."""
    delete_view(session=session, user=user, view_id=view_id)
    return Response(status_code=204)


class BulkIn(BaseModel):
    action: BulkAction
    item_ids: list[Id] = Field(min_length=1, max_length=200)
    assignee_id: Id | None = None
    due_on: date | None = None
    reason: str | None = Field(default=None, max_length=5000)


class BulkOutcomeOut(BaseModel):
    item_id: int
    done: bool
    code: str | None
    detail: str | None


class BulkOut(BaseModel):
    done: int
    refused: int
    outcomes: list[BulkOutcomeOut]


@router.post("/items/bulk", response_model=BulkOut, tags=["items"])
def bulk_items(body: BulkIn, session: SessionDep, user: CurrentUser, now: NowDep) -> BulkOut:
    """Reassign, extend the due date of, or cancel the given items: each through the state
    table and the caller's relations; refused items are left as they were and named."""
    outcomes = bulk_act(
        session=session,
        now=now,
        actor=user,
        item_ids=list(body.item_ids),
        action=body.action,
        assignee_id=body.assignee_id,
        due_on=body.due_on,
        reason=body.reason,
    )
    out = [
        BulkOutcomeOut(item_id=o.item_id, done=o.done, code=o.code, detail=o.message)
        for o in outcomes
    ]
    return BulkOut(
        done=sum(o.done for o in out), refused=sum(not o.done for o in out), outcomes=out
    )
