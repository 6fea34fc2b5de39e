"""The unit board page (`/ui/board`, bảng công việc): `workflow.services.board` drawn as
columns, and the move of a card (drag and drop, or the card's "Chuyển sang" control, which
works from the keyboard, on a phone and without JavaScript).

A move is one form POST to `/ui/board/items/{id}/move`; sent by HTMX (the drop, or the control
with JavaScript) the answer is the board again, with what was done or why not, in place; sent
as a plain form, a redirect back to the board (PRG) or the board with the refusal. A move the
state table allows only with a reason, evidence or another person opens the item page's own
form for that action (`/ui/items/{id}?do=ACTION`), which comes back to the board after.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import render, to_login
from api.pages.unit_names import unit_label
from api.schemas.common import Id
from workflow.errors import NotFound, WorkflowError
from workflow.models import User, WorkItem
from workflow.services.board import Swimlane, board_units, move_card, unit_board

router = APIRouter(include_in_schema=False)

# A refused move, worded by the page (the service's codes, then the status).
MOVE_ERRORS = {
    "board_no_move": msg.BOARD_NO_MOVE,
    "board_not_yours": msg.BOARD_NOT_YOURS,
}
STATUS_ERRORS = {403: msg.BOARD_NOT_YOURS, 409: msg.BOARD_NO_MOVE, 412: msg.ERROR_STALE}


def _int(text: str) -> int | None:
    return int(text) if text.strip().isdigit() else None


def _lane(text: str) -> Swimlane:
    return Swimlane(text) if text in {s.value for s in Swimlane} else Swimlane.NONE


def board_url(unit_id: int, lane: Swimlane, **extra: Any) -> str:
    query = {"unit": unit_id, **({"lane": lane.value} if lane is not Swimlane.NONE else {})}
    return "/ui/board?" + urlencode({**query, **extra})


def _board_page(
    request: Request,
    session: SessionDep,
    *,
    user: User,
    unit_id: int | None,
    lane: Swimlane,
    now: NowDep,
    settings: SettingsDep,
    notice: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
    fragment: bool = False,
) -> Response:
    units = board_units(session=session, user=user)
    if not units:
        return render(request, "board.html", {"board": None, "units": []}, user=user)
    chosen = unit_id if unit_id is not None else user.unit_id
    if chosen not in {u.id for u in units}:
        if unit_id is not None:
            return render(request, "not_found.html", {}, user=user, status_code=404)
        chosen = units[0].id or 0
    board = unit_board(
        session=session, user=user, unit_id=chosen, now=now, settings=settings, swimlane=lane
    )
    lang = language(request, user)
    context = {
        "board": board,
        "units": [(u.id, unit_label(u, lang)) for u in units],
        "unit_name": unit_label(board.unit, lang),
        "lane": lane.value,
        "lanes": [s.value for s in Swimlane],
        "self_url": board_url(chosen, lane),
        "notice": notice,
        "error": error,
        "tz": settings.timezone,
    }
    name = "_board.html" if fragment else "board.html"
    return render(request, name, context, user=user, status_code=status_code)


@router.get("/ui/board", response_class=HTMLResponse)
def board_page(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    unit: Annotated[str, Query(max_length=12)] = "",
    lane: Annotated[str, Query(max_length=12)] = "",
    moved: Annotated[str, Query(max_length=12)] = "",
) -> Response:
    """The board of a unit the user may open (their own by default)."""
    if user is None:
        return to_login(request)
    notice = None
    moved_id = _int(moved)
    if moved_id is not None:
        item = session.get(WorkItem, moved_id)
        notice = _notice(item) if item is not None else None
    return _board_page(
        request,
        session,
        user=user,
        unit_id=_int(unit),
        lane=_lane(lane),
        now=now,
        settings=settings,
        notice=notice,
    )


def _notice(item: WorkItem) -> dict[str, Any]:
    return {"title": item.title, "state": item.state}


@router.post("/ui/board/items/{item_id}/move")
def board_move(
    request: Request,
    item_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    to: Annotated[str, Form(max_length=20)] = "",
    version: Annotated[int | None, Form()] = None,
    unit: Annotated[str, Form(max_length=12)] = "",
    lane: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    """Move a card: the action the state table allows this user towards `to`."""
    if user is None:
        return RedirectResponse(f"/login?next={quote('/ui/board')}", status_code=303)
    htmx = request.headers.get("hx-request") == "true"
    swimlane = _lane(lane)
    unit_id = _int(unit)
    # The board again, as the move left it (a fragment for htmx).
    board_again = partial(
        _board_page,
        request,
        session,
        user=user,
        unit_id=unit_id,
        lane=swimlane,
        now=now,
        settings=settings,
    )
    try:
        result = move_card(
            session=session,
            now=now,
            actor=user,
            item_id=item_id,
            target=to,
            expected_version=version,
        )
    except NotFound:
        return render(request, "not_found.html", {}, user=user, status_code=404)
    except WorkflowError as exc:
        session.rollback()
        error = MOVE_ERRORS.get(exc.code or "") or STATUS_ERRORS.get(exc.status, msg.ERROR_INVALID)
        return board_again(error=error, status_code=exc.status, fragment=htmx)
    back = board_url(unit_id or 0, swimlane) if unit_id is not None else "/ui/board"
    if result.needs_form:
        target = "/ui/items/{}?{}#act".format(
            item_id, urlencode({"do": result.action.value, "back": back})
        )
        if htmx:
            return Response(status_code=200, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)
    if htmx:
        item = session.get(WorkItem, item_id)
        return board_again(notice=_notice(item) if item is not None else None, fragment=True)
    separator = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{separator}moved={item_id}", status_code=303)
