"""Request dependencies: one session per request (the API commit point), the clock, the user.

`get_session` commits once the route function has returned and rolls back if it raised;
callbacks registered with `AfterCommitDep` (enqueue a job, send a mail) run only after
that commit succeeded, so nothing leaves the process for a transaction that did not happen.

Two ways to authenticate: `Authorization: Bearer <access JWT>` (API clients) or the web
UI's session cookie. Cookie-authenticated unsafe requests must echo the CSRF cookie in the
`X-CSRF-Token` header or a `csrf_token` form field (double-submit).
"""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import datetime
from functools import lru_cache
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import ORMExecuteState
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from api.auth import (
    InvalidToken,
    TokenKind,
    check_token_user,
    decode_token,
    subject_id,
    user_for_claims,
)
from api.problems import ApiProblem, CsrfFailure, DatabaseBusy
from api.queries import load_user_with_calendar
from workflow.clock import utc_now
from workflow.db import get_engine
from workflow.models import User
from workflow.models.org import Role
from workflow.settings import Settings, get_settings

SESSION_COOKIE = "pf_session"
CSRF_COOKIE = "pf_csrf"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# GET routes that write (decision 0031): the OpenID provider's redirect back is a GET by the
# protocol, and the first sign-in links the account (its `state` is the request's CSRF check).
WRITING_GETS = frozenset({"/login/oidc/callback"})


def read_only_request(request: Request) -> bool:
    """Whether the request only reads (safe methods but the few `WRITING_GETS`)."""
    return request.method in SAFE_METHODS and request.url.path not in WRITING_GETS


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/auth/token", auto_error=False)


@lru_cache(maxsize=4)
def _autocommit(engine: Engine) -> Engine:
    # Reads need no transaction: under READ COMMITTED every statement sees committed data
    # either way, and this saves the BEGIN and COMMIT round trips of each page and list.
    return engine.execution_options(isolation_level="AUTOCOMMIT")


def _refuse_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a read-only (GET/HEAD) request tried to write")


def _refuse_dml(state: ORMExecuteState) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        raise RuntimeError("a read-only (GET/HEAD) request tried to write")


def _open_session(request: Request, *, read_only: bool) -> Session:
    # Tests bind the app to their rolled-back connection through app.state.session_factory.
    factory: Callable[[], Session] | None = getattr(request.app.state, "session_factory", None)
    if factory is not None:
        session = factory()
    elif read_only:
        session = Session(_autocommit(get_engine()), expire_on_commit=False)
    else:
        return Session(get_engine(), expire_on_commit=False)
    if read_only:
        # Statements autocommit one by one here, so a write must fail loudly instead.
        event.listen(session, "before_flush", _refuse_flush)
        event.listen(session, "do_orm_execute", _refuse_dml)
    return session


class ConnectionSlots:
    """At most as many sessions at once as the pool has connections, and on SQLite one
    writing request at a time.

    A request holds one connection from its first statement until its session closes.
    Without this gate, requests beyond the pool would each block a thread-pool thread
    waiting for a connection, starving the requests that hold one of the threads they need
    to finish. Here a request waits on the event loop, before opening its session, and a
    request admitted always finds a connection free. SQLite has one writer at a time: its
    writing requests queue here in order, rather than in SQLite's busy handler, which
    polls and may leave one writer waiting past its timeout ("database is locked").
    With one writer, one connection of the pool is the writer's own: the writer whose
    turn it is never queues behind the readers for a connection, and a writer waiting for
    its turn holds none. (Writer's turn, then a shared connection starved the writers at
    200 clients: 147 writes in 66 s; connection, then the writer's turn let 14 waiting
    writers hold every connection while readers timed out.) On SQLite the readers are also
    capped (`sqlite_reader_slots`): the requests' work is Python under one interpreter
    lock, so the writer's turn lasts as many time slices as there are readers beside it.
    """

    def __init__(
        self, size: int, timeout: float, *, one_writer: bool = False, readers: int | None = None
    ) -> None:
        self.size = size
        self.timeout = timeout
        self.one_writer = one_writer
        self._loop: asyncio.AbstractEventLoop | None = None
        # Readers share what the writer's own connection leaves (at least one), capped by
        # `readers` (SQLite: `sqlite_reader_slots`).
        shared = max(1, size - 1) if one_writer else size
        self.readers = min(shared, readers) if readers is not None else shared
        self._gate = asyncio.Semaphore(self.readers)
        self._writer = asyncio.Semaphore(1)

    def _semaphores(self) -> tuple[asyncio.Semaphore, asyncio.Semaphore]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            # A semaphore belongs to one event loop (each test client runs its own).
            self._loop = loop
            self._gate, self._writer = asyncio.Semaphore(self.readers), asyncio.Semaphore(1)
        return self._gate, self._writer

    @asynccontextmanager
    async def slot(self, settings: Settings, *, writes: bool = False) -> AsyncIterator[None]:
        """Hold a connection slot (on SQLite, a writing request: the writer's turn, which
        comes with its own connection) for the block; DatabaseBusy after `timeout` seconds."""
        gate, writer = self._semaphores()
        # One semaphore per request, so no request holds one thing while waiting for another.
        semaphore = writer if writes and self.one_writer else gate
        try:
            async with asyncio.timeout(self.timeout):
                await semaphore.acquire()  # a cancelled acquire holds nothing
        except TimeoutError:
            raise DatabaseBusy(settings) from None
        try:
            yield
        finally:
            semaphore.release()


def connection_slots(settings: Settings, *, scheduler: bool) -> ConnectionSlots:
    """The gate for the configured pool; the in-process scheduler keeps one connection."""
    size = settings.db_pool_size + settings.db_max_overflow - (1 if scheduler else 0)
    if not settings.database_url.startswith("sqlite"):
        return ConnectionSlots(max(1, size), settings.db_pool_timeout_seconds)
    return ConnectionSlots(
        max(1, size),
        settings.db_pool_timeout_seconds,
        one_writer=True,
        readers=settings.sqlite_reader_slots,
    )


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session: commit after the route succeeds, roll back on any error.

    Safe methods (GET, HEAD, OPTIONS) only read: their session runs without a transaction
    and refuses writes; closing it does no I/O, so it stays on the event loop. The one
    session serves the route and every dependency (the signed-in user's too), so a request
    uses one connection; it waits for a free one in `ConnectionSlots`.
    """
    slots: ConnectionSlots | None = getattr(request.app.state, "db_slots", None)
    async with AsyncExitStack() as stack:
        if slots is not None and getattr(request.app.state, "session_factory", None) is None:
            writes = not read_only_request(request)
            await stack.enter_async_context(slots.slot(get_settings(), writes=writes))
        yield await stack.enter_async_context(_request_session(request))


@asynccontextmanager
async def _request_session(request: Request) -> AsyncIterator[Session]:
    read_only = read_only_request(request)
    session = _open_session(request, read_only=read_only)
    after: list[Callable[[], None]] = []
    request.state.after_commit = after
    if read_only:
        try:
            yield session
        finally:
            session.close()
        return
    try:
        yield session
    except BaseException:
        await run_in_threadpool(_end, session, commit=False)
        raise
    # One trip to the thread pool for commit and close: on SQLite the writer's turn lasts
    # until the session is closed, and every trip waits for a thread and the event loop.
    await run_in_threadpool(_end, session, commit=True)
    for callback in after:
        callback()


def _end(session: Session, *, commit: bool) -> None:
    """Commit (or roll back) and close the request's session; close even if commit fails."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def get_after_commit(request: Request, _session: SessionDep) -> list[Callable[[], None]]:
    """Callbacks to run once this request's transaction has committed."""
    after: list[Callable[[], None]] = request.state.after_commit
    return after


async def get_now() -> datetime:
    """The request's notion of now (tests override it with a fixed instant)."""
    return utc_now()


async def settings_dep() -> Settings:
    return get_settings()


# scope="function": commit right after the route returns, before the response is sent.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
AfterCommitDep = Annotated[list[Callable[[], None]], Depends(get_after_commit)]
NowDep = Annotated[datetime, Depends(get_now)]
SettingsDep = Annotated[Settings, Depends(settings_dep)]


async def _cookie_token(request: Request) -> str | None:
    """The session cookie, if present and (for unsafe methods) backed by a matching CSRF token."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    if request.method in SAFE_METHODS:
        return token
    expected = request.cookies.get(CSRF_COOKIE, "")
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and "form" in request.headers.get("content-type", ""):
        value = (await request.form()).get(CSRF_FIELD)
        sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(expected, sent):
        raise CsrfFailure()
    return token


def _load_user(session: Session, claims: dict[str, Any], *, read_only: bool) -> User:
    if not read_only:
        return user_for_claims(session, claims)
    return check_token_user(load_user_with_calendar(session, subject_id(claims)), claims)


def _resolve_user(
    request: Request,
    session: Session,
    now: datetime,
    settings: Settings,
    bearer: str | None,
    cookie: str | None,
) -> User | None:
    try:
        if bearer:
            claims = decode_token(bearer, kind=TokenKind.ACCESS, now=now, settings=settings)
        elif cookie:
            claims = decode_token(cookie, kind=TokenKind.SESSION, now=now, settings=settings)
        else:
            return None
        return _load_user(session, claims, read_only=request.method in SAFE_METHODS)
    except InvalidToken:
        return None


def optional_user(
    request: Request,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    bearer: Annotated[str | None, Depends(oauth2_scheme)],
    cookie: Annotated[str | None, Depends(_cookie_token)],
) -> User | None:
    """The authenticated user, or None (pages redirect to the login form)."""
    return _resolve_user(request, session, now, settings, bearer, cookie)


async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The authenticated user; 401 otherwise."""
    if user is None:
        raise ApiProblem(401, "authentication required", {"WWW-Authenticate": "Bearer"})
    return user


def page_user(request: Request) -> User | None:
    """The user signed in with the session cookie, for pages made outside a route (the
    error pages of `problems.install`); None when signed out or on any doubt.

    The route's own session may be closed or rolled back by then, so this reads in one of
    its own; `now` follows the app's clock dependency (tests pin it).
    """
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    clock = request.app.dependency_overrides.get(get_now)
    now = clock() if clock is not None else utc_now()
    if not isinstance(now, datetime):
        now = utc_now()
    session = _open_session(request, read_only=True)
    try:
        claims = decode_token(token, kind=TokenKind.SESSION, now=now, settings=get_settings())
        return check_token_user(load_user_with_calendar(session, subject_id(claims)), claims)
    except InvalidToken:
        return None
    finally:
        session.close()


OptionalUser = Annotated[User | None, Depends(optional_user)]
CurrentUser = Annotated[User, Depends(current_user)]


def require_roles(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency admitting only users holding one of `roles` (403 otherwise)."""
    allowed = {r.value for r in roles}

    async def _check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise ApiProblem(403, "this operation needs role " + " or ".join(sorted(allowed)))
        return user

    return _check


AdminUser = Annotated[User, Depends(require_roles(Role.ADMIN))]
CoordinatorUser = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
