"""The item lists' shared parts: filters from the URL, saved views, export, bulk actions.

Both lists ("Công việc của tôi" `/my`, everything the user may see; "Công việc của đơn vị"
`/ui/team`, the items of the units the user answers for) read their filters with
`workflow.services.views.ViewFilters` and their rows with `api.queries.list_items`. Export
(`/ui/export/{list}/{xlsx|csv}`) takes the same URL and writes the same rows
(`workflow.reporting.list_export`); bulk actions (`/ui/items/bulk`) go through
`workflow.services.work_items.bulk_act`, item by item under the state table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Annotated, Any
from urllib.parse import parse_qsl, quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.ui import is_local_path, refusal, render, safe_next, to_login
from api.pages.unit_names import unit_names
from api.queries import due_soon_limit, item_filter, list_items
from api.schemas.common import Id
from workflow.calendar import local_date
from workflow.dates import parse_day
from workflow.deadlines import flag_of
from workflow.errors import InvalidInput, WorkflowError
from workflow.i18n import N_, translate
from workflow.models import Area, Plan, PlanTask, User
from workflow.reporting.dashboard import manages_units, units_in, work_scope
from workflow.reporting.list_export import (
    EXPORT_FORMATS,
    EXPORT_LIMIT,
    ExportRow,
    to_csv,
    to_xlsx,
)
from workflow.services.views import (
    InvalidFilters,
    SortKey,
    ViewFilters,
    delete_view,
    save_view,
    saved_views,
)
from workflow.services.work_items import BulkAction, bulk_act
from workflow.settings import Settings
from workflow.states import State, state_label

router = APIRouter(include_in_schema=False)

LIST_LIMIT = 200
LIST_PATHS = {"my": "/my", "team": "/ui/team"}
LIST_TITLES = {"my": N_("Công việc của tôi"), "team": N_("Công việc của đơn vị")}
# The filters' names as people read them (a bad value's message names its field).
FILTER_LABELS = {
    "unit": N_("Đơn vị chủ trì"),
    "assignee": N_("Người xử lý"),
    "area": N_("Lĩnh vực"),
    "plan": N_("Kế hoạch"),
    "state": N_("Trạng thái"),
    "flag": N_("Tình trạng hạn"),
    "due_from": N_("Hạn từ ngày"),
    "due_to": N_("Hạn đến ngày"),
    "sort": N_("Sắp xếp"),
}
FILTER_ERROR = N_("Bộ lọc không hợp lệ: %(fields)s. Sửa hoặc bỏ giá trị đó rồi lọc lại.")


@dataclass
class ListView:
    """One list as its page, its export and its bulk form need it."""

    list_name: str
    view: ViewFilters
    rows: list[Any] = field(default_factory=list)
    more: bool = False
    error: str | None = None
    unit_ids: tuple[int, ...] | None = None
    unit_choices: list[tuple[int, str]] = field(default_factory=list)


class Refused(Exception):
    """The list is not this user's to see (the unit page for an officer, another unit)."""


def filter_error(lang: str, exc: InvalidFilters) -> str:
    fields = ", ".join(translate(lang, FILTER_LABELS.get(f, f)) for f in exc.fields)
    return translate(lang, FILTER_ERROR, fields=fields)


def read_list(
    request: Request,
    session: Session,
    *,
    user: User,
    list_name: str,
    now: datetime,
    settings: Settings,
    limit: int = LIST_LIMIT,
) -> ListView:
    """The list's rows for the filters in the request's URL (Refused: not this user's)."""
    lang = language(request, user)
    params = list(request.query_params.multi_items())
    try:
        view = ViewFilters.parse(params)
        error = None
    except InvalidFilters as exc:
        view, error = ViewFilters(), filter_error(lang, exc)
    out = ListView(list_name=list_name, view=view, error=error)
    if list_name == "team":
        scope = work_scope(session=session, user=user)
        if not scope.manages:
            raise Refused
        in_scope = units_in(session=session, scope=scope)
        _units, names, _ = unit_names(session, lang)
        out.unit_choices = [(u.id or 0, names[u.id or 0]) for u in in_scope]
        # Units are no secret (GET /units lists them): one outside the scope is a 403.
        if view.unit is not None and view.unit not in {u.id for u in in_scope}:
            raise Refused
        out.unit_ids = scope.unit_ids
    else:
        _units, names, _ = unit_names(session, lang)
        out.unit_choices = sorted(names.items(), key=lambda pair: pair[1])
    if error is not None:
        return out
    rows, more = list_items(
        session=session,
        user=user,
        filters=item_filter(view, tz=settings.timezone, unit_ids=out.unit_ids),
        sort=view.sort,
        page=1,
        page_size=limit,
        now=now,
        soon=due_soon_limit(session, now=now, settings=settings),
    )
    out.rows, out.more = rows, more
    return out


def _people(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = session.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id or 0: u.full_name for u in found}


def list_context(
    request: Request,
    session: Session,
    *,
    user: User,
    listed: ListView,
    now: datetime,
    settings: Settings,
) -> dict[str, Any]:
    """What `_list_tools.html` and `_items_table.html` show for a list."""
    lang = language(request, user)
    soon = due_soon_limit(session, now=now, settings=settings)
    _units, unit_name, _ = unit_names(session, lang)
    people = _people(session, {r.assignee_id for r in listed.rows})
    plans = session.exec(select(Plan).order_by(col(Plan.id).desc())).all()
    areas = session.exec(select(Area).order_by(col(Area.plan_id).desc(), col(Area.number))).all()
    assignees = session.exec(
        select(User)
        .where(col(User.is_active).is_(True))
        .where(
            col(User.unit_id).in_(listed.unit_ids)
            if listed.unit_ids is not None
            else col(User.id).is_not(None)
        )
        .order_by(col(User.full_name))
    ).all()
    bulk = manages_units(user)
    query = listed.view.query_string()
    path = LIST_PATHS[listed.list_name]
    return {
        "list_name": listed.list_name,
        "list_path": path,
        "list_url": path + (f"?{query}" if query else ""),
        "view": listed.view,
        "view_query": query,
        "filter_error": listed.error,
        "rows": [{"item": r, "flag": flag_of(r, now=now, soon=soon).value} for r in listed.rows],
        "more": listed.more,
        "limit": LIST_LIMIT,
        "units": unit_name,
        "people": people,
        "tz": settings.timezone,
        "filter_units": listed.unit_choices,
        "filter_people": [(u.id, u.full_name) for u in assignees],
        "filter_plans": [(p.id, p.title) for p in plans],
        "filter_areas": [(a.id, a.plan_id, f"{a.number}. {a.title}") for a in areas],
        "filter_states": [s.value for s in State],
        "filter_sorts": [s.value for s in SortKey],
        "saved": saved_views(session=session, user=user, list_name=listed.list_name),
        "bulk": bulk,
        "bulk_people": [(u.id, u.full_name) for u in assignees] if bulk else [],
        "today": local_date(now, tz=settings.timezone).isoformat(),
    }


@router.get("/my", response_class=HTMLResponse)
def my_items(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """The items the user may see, most urgent first, flagged overdue / due soon, with the
    URL's filters (open items by default)."""
    if user is None:
        return to_login(request)
    listed = read_list(request, session, user=user, list_name="my", now=now, settings=settings)
    context = list_context(request, session, user=user, listed=listed, now=now, settings=settings)
    status = 422 if listed.error else 200
    return render(request, "my_items.html", context, user=user, status_code=status)


# --- export --------------------------------------------------------------------------------


def export_rows(
    session: Session, rows: list[Any], *, lang: str, now: datetime, settings: Settings
) -> list[ExportRow]:
    """The list's rows as the files show them, in `lang`."""
    soon = due_soon_limit(session, now=now, settings=settings)
    _units, unit_name, _ = unit_names(session, lang)
    people = _people(session, {r.assignee_id for r in rows})
    task_ids = {r.plan_task_id for r in rows if r.plan_task_id is not None}
    plan_of: dict[int, str] = {}
    if task_ids:
        pairs = session.exec(
            select(PlanTask.id, Plan.title)
            .join(Plan, col(Plan.id) == col(PlanTask.plan_id))
            .where(col(PlanTask.id).in_(task_ids))
        ).all()
        plan_of = {tid or 0: title for tid, title in pairs}
    flags = {
        "overdue": N_("Quá hạn"),
        "due_soon": N_("Sắp đến hạn"),
        "on_track": N_("Trong hạn"),
        "closed": N_("Đã đóng"),
    }
    base = settings.base_url.rstrip("/")
    tz = settings.timezone
    out: list[ExportRow] = []
    for r in rows:
        out.append(
            ExportRow(
                id=r.id,
                title=r.title,
                lead_unit=unit_name.get(r.lead_unit_id, ""),
                assignee=people.get(r.assignee_id, ""),
                state=state_label(r.state, lang),
                progress_pct=r.progress_pct,
                start_on=r.start_on,
                due_on=local_date(r.due_at, tz=tz),
                original_due_on=local_date(r.original_due_at, tz=tz),
                flag=translate(lang, flags[flag_of(r, now=now, soon=soon).value]),
                plan=plan_of.get(r.plan_task_id or 0, ""),
                link=f"{base}/ui/items/{r.id}",
            )
        )
    return out


def filters_line(lang: str, view: ViewFilters) -> str:
    """The filters applied, for the file's second line ("Bộ lọc: state=…")."""
    query = view.query_string()
    return translate(lang, N_("Bộ lọc: %(filters)s"), filters=query or translate(lang, N_("không")))


@router.get("/ui/export/{list_name}/{fmt}")
def export_list(
    request: Request,
    list_name: str,
    fmt: str,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """The list with the URL's filters as XLSX or CSV (every row, up to EXPORT_LIMIT)."""
    if user is None:
        return to_login(request)
    if list_name not in LIST_PATHS or fmt not in EXPORT_FORMATS:
        return refusal(request, user, msg.ERROR_GENERIC, status=404, back="/my")
    back = LIST_PATHS[list_name]
    try:
        listed = read_list(
            request,
            session,
            user=user,
            list_name=list_name,
            now=now,
            settings=settings,
            limit=EXPORT_LIMIT,
        )
    except Refused:
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    lang = language(request, user)
    if listed.error is not None:
        return refusal(request, user, listed.error, status=422, back=back)
    if listed.more:
        message = translate(lang, msg.ERROR_EXPORT_TOO_MANY, max=f"{EXPORT_LIMIT:,}")
        return refusal(request, user, message, status=422, back=back)
    rows = export_rows(session, listed.rows, lang=lang, now=now, settings=settings)
    stamp = local_date(now, tz=settings.timezone).strftime("%Y%m%d")
    name = f"cong-viec-{list_name}-{stamp}.{fmt}"
    if fmt == "xlsx":
        title = translate(lang, LIST_TITLES[list_name])
        body = to_xlsx(rows, lang=lang, title=title, filters=filters_line(lang, listed.view))
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = to_csv(rows, lang=lang)
        media = "text/csv; charset=utf-8"
    headers = {
        "Content-Disposition": f"attachment; filename=\"{name}\"; filename*=UTF-8''{quote(name)}"
    }
    return Response(body, media_type=media, headers=headers)


# --- saved views ---------------------------------------------------------------------------


@router.post("/ui/views")
def save_view_form(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    list_name: Annotated[str, Form(alias="list", max_length=10)] = "",
    name: Annotated[str, Form(max_length=400)] = "",
    query: Annotated[str, Form(max_length=4000)] = "",
) -> Response:
    """Save the list's current filters under a name (the same name replaces it)."""
    if user is None:
        return to_login(request)
    back = LIST_PATHS.get(list_name, "/my")
    try:
        view = ViewFilters.parse(parse_qsl(query))
        saved = save_view(
            session=session, user=user, list_name=list_name, name=name, filters=view, now=now
        )
    except InvalidFilters as exc:
        return refusal(
            request, user, filter_error(language(request, user), exc), status=422, back=back
        )
    except WorkflowError as exc:
        message = msg.ERROR_CODES.get(exc.code or "", msg.ERROR_GENERIC)
        return refusal(request, user, message, status=exc.status, back=back)
    target = back + (f"?{saved.query}" if saved.query else "")
    return RedirectResponse(target, status_code=303)


@router.post("/ui/views/{view_id}/delete")
def delete_view_form(
    request: Request, view_id: Id, session: SessionDep, user: OptionalUser
) -> Response:
    if user is None:
        return to_login(request)
    try:
        delete_view(session=session, user=user, view_id=view_id)
    except WorkflowError as exc:
        message = msg.ERROR_NOT_ALLOWED if exc.status == 403 else msg.ERROR_GENERIC
        return refusal(request, user, message, status=exc.status, back="/my")
    back = request.headers.get("referer", "")
    base = str(request.base_url)
    target = "/" + back[len(base) :] if back.startswith(base) else "/my"
    return RedirectResponse(safe_next(target), status_code=303)


# --- bulk actions --------------------------------------------------------------------------


def _day(text: str) -> date | None:
    if not text.strip():
        return None
    day = parse_day(text)
    if day is None:
        raise InvalidInput("not a date", code="date")
    return day


@router.post("/ui/items/bulk", response_class=HTMLResponse)
def bulk_form(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    ids: Annotated[list[int], Form(max_length=400)] = [],  # noqa: B006
    action: Annotated[str, Form(max_length=20)] = "",
    assignee: Annotated[str, Form(max_length=12)] = "",
    due_on: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=5000)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/my",
) -> Response:
    """Reassign, extend or cancel the selected items; the page names each refusal."""
    if user is None:
        return to_login(request)
    back = back if is_local_path(back) else "/my"
    try:
        outcomes = bulk_act(
            session=session,
            now=now,
            actor=user,
            item_ids=ids,
            action=action,
            assignee_id=int(assignee) if assignee.strip().isdigit() else None,
            due_on=_day(due_on),
            reason=reason,
        )
    except WorkflowError as exc:
        message = msg.ERROR_CODES.get(exc.code or "", msg.ERROR_GENERIC)
        return refusal(request, user, message, status=exc.status, back=back)
    done = [o for o in outcomes if o.done]
    refused = [
        {"o": o, "why": msg.ERROR_CODES.get(o.code or "", msg.ERROR_GENERIC)}
        for o in outcomes
        if not o.done
    ]
    context = {"action": BulkAction(action).value, "done": done, "refused": refused, "back": back}
    return render(request, "bulk_result.html", context, user=user)


__all__ = ["LIST_PATHS", "ListView", "Refused", "list_context", "read_list"]
