"""Server-rendered pages (Vietnamese first): sign-in, forgotten password, my items, one
item, the plan tree.

Pages authenticate with the session cookie; forms carry the CSRF token (double-submit).
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session, col, select

from api.auth import (
    MIN_PASSWORD_LENGTH,
    InvalidToken,
    LoginGuard,
    LoginOutcome,
    TokenKind,
    issue_token,
    revoke_sessions,
    set_password,
    user_for_reset_token,
)
from api.deps import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    NowDep,
    OptionalUser,
    SessionDep,
    SettingsDep,
    page_user,
)
from api.pages import messages as msg
from api.pages.i18n import LANG_COOKIE, language
from api.pages.indicator_views import plan_indicators
from api.pages.item_detail import item_details
from api.pages.plan_tracking import plan_tracking_context
from api.pages.unit_names import plan_units_context, unit_label
from api.plan_tree import plan_tree
from api.problems import ApiProblem, CsrfFailure
from api.queries import due_soon_limit
from api.schemas.auth import LoginIn, PasswordResetConfirm, PasswordResetRequest
from api.schemas.common import Id
from api.schemas.forms import typed, validated
from api.schemas.items import ActionIn
from api.sign_in import client_ip, login_guard, queue_reset_link, reset_link_sender, sign_in
from api.templating import templates
from workflow.calendar import local_date
from workflow.deadlines import flag_of
from workflow.errors import InvalidInput, NotFound, WorkflowError
from workflow.models import Evidence, Plan, Unit, User, WorkItem, WorkItemEvent
from workflow.models.org import Role
from workflow.services.indicators import may_record
from workflow.services.plan_units import may_import_plans
from workflow.services.scope import get_visible_item
from workflow.services.task_assignment import assign_scope
from workflow.services.work_items import (
    act,
    actions_for,
    actor_relations,
    reassign_candidates,
)
from workflow.settings import Settings, get_settings
from workflow.states import Action, State, next_step, rule_for

router = APIRouter(include_in_schema=False)


def is_local_path(target: str | None) -> bool:
    """True for a same-site path ("/ui/items/7?x=1"), the only place a redirect may go.

    Refused: another site ("https://…", "//evil", "/\\evil", which browsers read as
    "//evil"), a scheme ("javascript:"), and control characters or spaces, which browsers
    strip or split on before they read the URL.
    """
    if not target or len(target) > 2000 or not target.startswith("/"):
        return False
    if target.startswith("//") or "\\" in target:
        return False
    if any(ord(c) < 33 or ord(c) == 127 for c in target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


def safe_next(target: str | None, default: str = "/my") -> str:
    """Only same-site relative paths: never redirect off the site after sign-in."""
    return target if target is not None and is_local_path(target) else default


# Where each role lands after signing in (without a page to return to): those who answer
# for units their dashboard, officers their own items, administrators the plans they
# distribute. The dashboard ("/") stays every signed-in user's "Tổng quan".
ROLE_HOMES = {
    Role.DIRECTOR.value: "/",
    Role.DEPUTY_DIRECTOR.value: "/",
    Role.UNIT_HEAD.value: "/",
    Role.COORDINATOR.value: "/",
    Role.OFFICER.value: "/my",
    Role.ADMIN.value: "/ui/plans",
}


def home_for(user: User) -> str:
    """The page `user` lands on after signing in."""
    return ROLE_HOMES.get(user.role, "/my")


# The error pages' "home" link.
templates.env.globals["home_for"] = home_for


def csrf_token(request: Request) -> str:
    return request.cookies.get(CSRF_COOKIE) or secrets.token_urlsafe(24)


def _csrf_ok(request: Request, sent: str) -> bool:
    """The form echoes the CSRF cookie (double-submit); forms without a session check it."""
    expected = request.cookies.get(CSRF_COOKIE, "")
    return bool(expected) and hmac.compare_digest(expected, sent)


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    user: User | None,
    status_code: int = 200,
    lang_user: User | None = None,
) -> HTMLResponse:
    """A page in the language of the switch, else of `user` (signed in) or `lang_user`
    (the account a page is about, e.g. a reset link's, without signing it in)."""
    lang = language(request, user or lang_user)
    token = csrf_token(request)
    response = templates.TemplateResponse(
        request,
        name,
        {**context, "lang": lang, "me": user, "csrf": token},
        status_code=status_code,
    )
    if request.cookies.get(CSRF_COOKIE) != token:
        response.set_cookie(
            CSRF_COOKIE,
            token,
            httponly=False,
            samesite="strict",
            secure=get_settings().secure_cookies,
        )
    return response


def to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def not_found(request: Request, user: User | None) -> HTMLResponse:
    return render(request, "not_found.html", {}, user=user, status_code=404)


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, user: OptionalUser, next: str | None = None, reset: bool = False
) -> Response:
    if user is not None:
        return RedirectResponse(safe_next(next, home_for(user)), status_code=303)
    # An empty `next` lands the user on their role's home once signed in.
    notice = msg.RESET_DONE if reset else None
    context = {"next": safe_next(next, ""), "error": None, "notice": notice}
    return render(request, "login.html", login_context(request) | context, user=None)


def login_context(request: Request, **context: Any) -> dict[str, Any]:
    """What the sign-in page shows besides its form: the directory's button, whether local
    passwords (and so "Quên mật khẩu?") are on, and an error's values."""
    settings = get_settings()
    base: dict[str, Any] = {
        "oidc_name": settings.oidc_name if settings.oidc_enabled else None,
        "local_passwords": settings.local_passwords_on,
        "ldap": settings.ldap_enabled,
        "error_args": {},
    }
    return base | context


def _set_session_cookie(response: Response, user: User, *, now: NowDep, settings: Settings) -> None:
    token = issue_token(user, kind=TokenKind.SESSION, now=now, settings=settings)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=settings.session_cookie_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
    )


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
    guard: Any = Depends(login_guard),
) -> Response:
    def refused(status: int) -> HTMLResponse:
        context = login_context(
            request, next=safe_next(next, ""), error=msg.LOGIN_FAILED, notice=None
        )
        return render(request, "login.html", context, user=None, status_code=status)

    if not _csrf_ok(request, csrf_token):
        return refused(403)
    try:
        # The same model as POST /auth/token's form.
        form = validated(LoginIn, {"username": username, "password": password}, codes={})
    except InvalidInput:
        return refused(422)
    result = sign_in(request, session=session, guard=guard, body=form, now=now, settings=settings)
    if result.user is None:
        error = {
            LoginOutcome.LOCKED: msg.LOGIN_LOCKED,
            LoginOutcome.RATE_LIMITED: msg.LOGIN_LIMITED,
            LoginOutcome.NOT_LINKED: msg.PEOPLE_DIRECTORY_NOT_LINKED,
            LoginOutcome.INACTIVE: msg.PEOPLE_DIRECTORY_INACTIVE,
        }.get(result.outcome, msg.LOGIN_FAILED)
        status = {
            LoginOutcome.RATE_LIMITED: 429,
            LoginOutcome.NOT_LINKED: 403,
            LoginOutcome.INACTIVE: 403,
        }.get(result.outcome, 401)
        context = login_context(
            request,
            next=safe_next(next, ""),
            error=error,
            notice=None,
            error_args={"email": result.email or ""},
        )
        return render(request, "login.html", context, user=None, status_code=status)
    return signed_in_redirect(safe_next(next, home_for(result.user)), result.user, now=now)


def signed_in_redirect(target: str, user: User, *, now: datetime) -> RedirectResponse:
    """The answer that signs `user` in (the session cookie) and sends them to `target`: the
    sign-in form's and the directory sign-in's alike."""
    settings = get_settings()
    response = RedirectResponse(target, status_code=303)
    _set_session_cookie(response, user, now=now, settings=settings)
    # A CSRF token planted before sign-in (a shared computer, a sibling subdomain) must
    # not survive it: the signed-in session gets a fresh one.
    response.set_cookie(
        CSRF_COOKIE,
        secrets.token_urlsafe(24),
        httponly=False,
        samesite="strict",
        secure=settings.secure_cookies,
    )
    return response


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_form(request: Request, settings: SettingsDep, sent: bool = False) -> Response:
    """Ask for the account's username or e-mail; `sent` shows the neutral answer."""
    context = {"sent": sent, "error": None, "hours": settings.password_reset_hours}
    return render(request, "forgot.html", context, user=None)


@router.post("/forgot-password")
def forgot_submit(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    login: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    guard: LoginGuard = Depends(login_guard),
) -> Response:
    """Queue a reset link through the outbox, then answer the same for every input.

    The redirect (PRG) goes to one neutral page whether the account exists, is inactive
    or was asked for too often, so the form tells nobody which accounts there are.
    """
    if not _csrf_ok(request, csrf_token):
        context = {"sent": False, "error": msg.ERROR_CSRF, "hours": settings.password_reset_hours}
        return render(request, "forgot.html", context, user=None, status_code=403)
    try:
        body = validated(PasswordResetRequest, {"login": login}, codes={})
    except InvalidInput:
        body = None  # nothing to look up: the same neutral answer
    if body is not None:
        queue_reset_link(
            session=session,
            login=body.login,
            send=reset_link_sender(request),
            guard=guard,
            ip=client_ip(request),
            now=now,
            settings=settings,
        )
    return RedirectResponse("/forgot-password?sent=1", status_code=303)


def _reset_user(session: Session, token: str, *, now: datetime, settings: Settings) -> User | None:
    """The account a reset token is valid for, or None (forged, expired, used, inactive)."""
    if not token or len(token) > 1000:
        return None
    try:
        return user_for_reset_token(session, token, now=now, settings=settings)
    except InvalidToken:
        return None


def _reset_page(
    request: Request,
    *,
    token: str,
    user: User | None,
    error: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = {
        "token": token,
        "username": user.username if user is not None else "",
        "invalid": user is None,
        "error": error,
        "min_length": MIN_PASSWORD_LENGTH,
    }
    code = 400 if user is None else status_code
    return render(request, "reset.html", context, user=None, status_code=code, lang_user=user)


@router.get("/reset-password", response_class=HTMLResponse)
def reset_form(
    request: Request, session: SessionDep, now: NowDep, settings: SettingsDep, token: str = ""
) -> Response:
    """The page a reset link opens: choose a new password, or say the link is no good.

    Opening it changes nothing (mail scanners fetch links); only the form's POST does.
    """
    user = _reset_user(session, token, now=now, settings=settings)
    return _reset_page(request, token=token if user is not None else "", user=user)


@router.post("/reset-password", response_class=HTMLResponse)
def reset_submit(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=2000)] = "",
    password: Annotated[str, Form()] = "",
    password_confirm: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Set the new password, which also spends the link (it names the old password)."""
    user = _reset_user(session, token, now=now, settings=settings)
    if user is None:
        return _reset_page(request, token="", user=None)
    if not _csrf_ok(request, csrf_token):
        return _reset_page(request, token=token, user=user, error=msg.ERROR_CSRF, status_code=403)
    try:
        # The same model as POST /auth/password-reset/confirm.
        body = validated(
            PasswordResetConfirm,
            {"token": token, "new_password": password},
            codes={"new_password": msg.PASSWORD_TOO_SHORT},
        )
        if password != password_confirm:  # the page's second field: no API counterpart
            raise InvalidInput("the passwords differ", code=msg.PASSWORD_MISMATCH)
    except InvalidInput as exc:
        error = exc.code or msg.PASSWORD_TOO_SHORT
        return _reset_page(request, token=token, user=user, error=error, status_code=400)
    set_password(session=session, user=user, password=body.new_password)
    return RedirectResponse("/login?reset=1", status_code=303)


@router.post("/logout")
def logout(request: Request, user: OptionalUser, session: SessionDep) -> Response:
    """Sign out: the session is revoked on the server (a copied cookie stops working too),
    on every device of the user."""
    if user is not None:
        revoke_sessions(session=session, user=user)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    response.delete_cookie(CSRF_COOKIE)
    return response


@router.get("/lang/{code}")
def switch_language(code: str, next: str | None = None) -> Response:
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(LANG_COOKIE, "en" if code == "en" else "vi", samesite="lax")
    return response


def _names(
    session: Session, items: list[Any], *, lang: str, more_users: set[int] | None = None
) -> tuple[dict[int, str], dict[int, str]]:
    """Unit names (English ones when the page is English and they exist) and people's names."""
    unit_ids = {i.lead_unit_id for i in items}
    user_ids = {i.assignee_id for i in items} | (more_users or set())
    units = session.exec(select(Unit).where(col(Unit.id).in_(unit_ids))).all()
    users = session.exec(select(User).where(col(User.id).in_(user_ids))).all()
    return {u.id or 0: unit_label(u, lang) for u in units}, {u.id or 0: u.full_name for u in users}


def _item_context(
    request: Request,
    session: Session,
    *,
    user: User,
    item: WorkItem,
    now: datetime,
    settings: Settings,
) -> dict[str, Any]:
    soon = due_soon_limit(session, now=now, settings=settings)
    events = session.exec(
        select(WorkItemEvent)
        .where(WorkItemEvent.work_item_id == item.id)
        .order_by(col(WorkItemEvent.at), col(WorkItemEvent.id))
    ).all()
    evidence = session.exec(
        select(Evidence).where(Evidence.work_item_id == item.id).order_by(col(Evidence.id))
    ).all()
    lang = language(request, user)
    details = item_details(session, user=user, item=item, lang=lang, settings=settings, now=now)
    actors = {e.actor_id for e in events if e.actor_id} | {e.uploaded_by_id for e in evidence}
    actors |= details.pop("user_ids")
    units, people = _names(session, [item], lang=lang, more_users=actors)
    actions = [a.value for a in actions_for(session=session, item=item, actor=user, now=now)]
    # The action under the title is the one the state machine would take next (attaching
    # evidence first when submitting needs it), never one it would refuse.
    step = next_step(
        item,
        actor_relations(session=session, item=item, actor=user, now=now),
        has_evidence=bool(evidence),
    )
    rules = {a: rule_for(State(item.state), Action(a)) for a in actions}
    # "Giao lại" needs the new assignee: the lead unit's other people, as the service checks.
    candidates = (
        reassign_candidates(session=session, item=item) if Action.REASSIGN in actions else []
    )
    return {
        "item": item,
        "flag": flag_of(item, now=now, soon=soon).value,
        "units": units,
        "people": people,
        "events": events,
        "evidence": evidence,
        "actions": actions,
        "next_step": step,
        "reassign_to": [(u.id, u.full_name) for u in candidates],
        # Marked with * on the page: these refuse to run without a reason.
        "needs_reason": {a for a, rule in rules.items() if rule is not None and rule.needs_comment},
        "tz": settings.timezone,
        "error": None,
        **details,
    }


@router.get("/ui/items/{item_id}", response_class=HTMLResponse)
def item_page(
    request: Request,
    item_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    do: Annotated[str, Query(max_length=20)] = "",
    back: Annotated[str, Query(max_length=500)] = "",
) -> Response:
    """One item: details, deadline flag, history, and the buttons this user may press;
    `do` names the action a board move asked for, `back` the board to return to."""
    if user is None:
        return to_login(request)
    try:
        item = get_visible_item(session=session, user=user, item_id=item_id, now=now)
    except NotFound:
        return not_found(request, user)
    context = _item_context(request, session, user=user, item=item, now=now, settings=settings)
    # From the board (api/pages/board.py): the move's action needs this form (a reason,
    # evidence or a person); the page says so and goes back to the board after.
    context["do_action"] = do if do in context["actions"] else None
    context["back"] = back if is_local_path(back) and back.startswith("/ui/board") else None
    return render(request, "item.html", context, user=user)


def item_refused(
    request: Request,
    session: Session,
    *,
    user: User,
    item_id: int,
    now: datetime,
    settings: Settings,
    status: int,
    extra: dict[str, Any],
) -> HTMLResponse:
    """The item page again after a refused form, with `extra` (the reason) and `status`."""
    # Nothing of the refused form may be committed with the page we render.
    session.rollback()
    item = get_visible_item(session=session, user=user, item_id=item_id, now=now)
    context = _item_context(request, session, user=user, item=item, now=now, settings=settings)
    return render(request, "item.html", context | extra, user=user, status_code=status)


# Why an action was refused, as the page says it (msgids: the template translates them).
ACTION_ERRORS = {
    403: msg.ERROR_NOT_ALLOWED,
    409: msg.ERROR_TRANSITION,
    412: msg.ERROR_STALE,
    422: msg.ERROR_INVALID,
}


# The action form's fields the model refuses → their code (msg.ERROR_CODES words it).
ACTION_CODES = {"comment:string_too_long": "note_too_long"}


@router.post("/ui/items/{item_id}/actions/{action}")
def item_action(
    request: Request,
    item_id: Id,
    action: Action,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    # Lengths and types are the API's (`ActionIn`), so the page can say what is wrong.
    comment: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form()] = None,
    assignee_id: Annotated[str, Form(max_length=40)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """A button on the item page: take the action, then show the item again (PRG).

    A refusal (state changed, someone else was faster, not allowed, reason missing) shows
    the item page again with the reason, in the page's language, and the refusal's status.
    """
    if user is None:
        return RedirectResponse(f"/login?next={quote(f'/ui/items/{item_id}')}", status_code=303)
    try:
        get_visible_item(session=session, user=user, item_id=item_id, now=now)
        body = validated(
            ActionIn,
            {"comment": comment or None, "assignee_id": typed(assignee_id)},
            codes=ACTION_CODES,
        )
        act(
            session=session,
            now=now,
            actor=user,
            item_id=item_id,
            action=action,
            comment=body.comment,
            expected_version=version,
            assignee_id=body.assignee_id if action == Action.REASSIGN else None,
        )
    except NotFound:
        return not_found(request, user)
    except WorkflowError as exc:
        error = ACTION_ERRORS.get(exc.status, msg.ERROR_INVALID)
        if exc.code in ACTION_CODES.values():
            error = msg.ERROR_CODES.get(exc.code or "", error)
        return item_refused(
            request,
            session,
            user=user,
            item_id=item_id,
            now=now,
            settings=settings,
            status=exc.status,
            extra={"error": error},
        )
    # Back to the board the move came from, else the item again.
    back = next if next.startswith("/ui/board") else ""
    return RedirectResponse(safe_next(back, f"/ui/items/{item_id}"), status_code=303)


# Browser routes: their errors are pages, not problem+json.
PAGE_PATHS = (
    "/ui/",
    "/my",
    "/login",
    "/logout",
    "/forgot-password",
    "/reset-password",
    "/dev/mailbox",
    "/unsubscribe/",
)


def refusal(
    request: Request, user: User | None, message: str, *, status: int, back: str
) -> HTMLResponse:
    """The error page (`message`: an i18n key) with a way back, with the given status."""
    context = {"message": message, "back": back}
    return render(request, "error.html", context, user=user, status_code=status)


def _browser_typo(request: Request) -> bool:
    """A browser opening a URL no route serves (a typo, an old bookmark); an API route's
    own 404 stays problem+json whoever asks."""
    return (
        request.method == "GET"
        and "endpoint" not in request.scope
        and "text/html" in request.headers.get("accept", "")
    )


def html_problem(request: Request, status: int, exc: Exception) -> Response | None:
    """An error on a browser route as a page in the user's language (None for API routes).

    The page knows who is signed in: their menu and name, no "Đăng nhập" link. A visitor
    sent to sign in comes back to the page they asked for.
    """
    path = request.url.path
    if not path.startswith(PAGE_PATHS) and not (status == 404 and _browser_typo(request)):
        return None
    if status == 401:
        if request.method == "GET":
            return to_login(request)
        return RedirectResponse("/login", status_code=303)
    user = None
    if status != 503:  # a busy database: the page must not queue for a connection too
        try:
            user = page_user(request)
        except Exception:  # the error being shown may be the database's own
            user = None
    if status == 404:
        return not_found(request, user)
    if isinstance(exc, CsrfFailure):
        message = msg.ERROR_CSRF
    elif status == 503:
        message = msg.ERROR_BUSY
    elif status >= 500:
        message = msg.ERROR_SERVER
    else:
        message = ACTION_ERRORS.get(status, msg.ERROR_GENERIC)
    # Back to the page the form was on, if it was one of ours.
    referer, base = request.headers.get("referer", ""), str(request.base_url)
    home = home_for(user) if user is not None else "/login"
    back = safe_next("/" + referer[len(base) :] if referer.startswith(base) else None, home)
    page = refusal(request, user, message, status=status, back=back)
    if isinstance(exc, ApiProblem):
        page.headers.update(exc.headers)  # e.g. Retry-After on 503
    return page


@router.get("/ui/plans", response_class=HTMLResponse)
def plans_page(request: Request, session: SessionDep, user: OptionalUser) -> Response:
    if user is None:
        return to_login(request)
    plans = session.exec(select(Plan).order_by(col(Plan.id).desc())).all()
    context = {"plans": plans, "may_import": may_import_plans(user)}
    return render(request, "plans.html", context, user=user)


@router.get("/ui/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(
    request: Request,
    plan_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
) -> Response:
    """The plan tree: areas with objectives and tasks, then the indicators (targets, latest
    reading, the report's judgement; api/pages/indicator_views.py)."""
    if user is None:
        return to_login(request)
    try:
        tree = plan_tree(session, plan_id)
    except NotFound:
        return not_found(request, user)
    # The "Giao việc" link next to each task this user may assign (api/pages/assign.py).
    can_assign = assign_scope(session=session, actor=user).allows
    context: dict[str, Any] = {
        "plan": tree,
        "can_assign": can_assign,
        **plan_tracking_context(session, tree, user=user, now=now, params=request.query_params),
        "indicator_areas": plan_indicators(
            session,
            tree,
            today=local_date(now, tz=settings.timezone),
            at_risk_ratio=settings.indicator_at_risk_ratio,
            lang=language(request, user),
        ),
        "may_record_readings": may_record(user),
        "tz": settings.timezone,
    }
    # Each task's units and the "Phân công" link for who distributes (api/pages/plan_units.py).
    context |= plan_units_context(request, session, user)
    return render(request, "plan.html", context, user=user)
