"""The search results page (`/ui/search`): the box in every page's header submits here.

The results come from `workflow.services.search.search`, the same service as `GET /search`:
ranked, without diacritics, only what the signed-in person may see.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import render, to_login
from api.pages.unit_names import unit_names
from workflow.errors import InvalidInput
from workflow.models.search import SEARCH_KINDS
from workflow.services.search import SearchHit, search

router = APIRouter(include_in_schema=False)

PAGE_SIZE = 20


def hit_url(hit: SearchHit) -> str:
    """Where a result leads: the item's page (at the comment or the evidence), the plan's
    page at the task."""
    if hit.kind == "task":
        return f"/ui/plans/{hit.plan_id}#task-{hit.plan_task_id}"
    anchor = {"comment": "#thread-list", "evidence": "#evidence"}.get(hit.kind, "")
    return f"/ui/items/{hit.work_item_id}{anchor}"


@router.get("/ui/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
    q: Annotated[str, Query(max_length=1000)] = "",
    kind: Annotated[str, Query(max_length=10)] = "",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
) -> Response:
    if user is None:
        return to_login(request)
    context: dict[str, object] = {
        "search_q": q,
        "kind": kind if kind in SEARCH_KINDS else "",
        "kinds": SEARCH_KINDS,
        "hits": [],
        "error": None,
        "page": page,
        "has_more": False,
        "tz": settings.timezone,
    }
    if not q.strip():
        return render(request, "search.html", context, user=user)
    try:
        result = search(
            session=session,
            user=user,
            query=q,
            kinds=[kind] if kind in SEARCH_KINDS else None,
            page=page,
            page_size=PAGE_SIZE,
        )
    except InvalidInput as exc:
        context["error"] = msg.ERROR_CODES.get(exc.code or "", msg.ERROR_GENERIC)
        return render(request, "search.html", context, user=user, status_code=422)
    _units, names, _ = unit_names(session, language(request, user))
    context |= {
        "hits": [{"hit": h, "url": hit_url(h)} for h in result.hits],
        "has_more": result.has_more,
        "units": names,
    }
    return render(request, "search.html", context, user=user)
