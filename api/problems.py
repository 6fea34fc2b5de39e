"""Errors as `application/problem+json` (RFC 9457), titled in Vietnamese or English.

The title language follows `Accept-Language` (Vietnamese unless English is preferred);
`detail` carries the specific message. Out-of-scope objects are reported as 404 by the
callers, so nothing here ever says "forbidden" about an object the user cannot see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from workflow.errors import WorkflowError
from workflow.i18n import N_, translate
from workflow.settings import Settings, get_settings

MEDIA_TYPE = "application/problem+json"

# status → its title, as a msgid of the catalogs (workflow.i18n), translated per request.
TITLES: dict[int, str] = {
    400: N_("Yêu cầu không hợp lệ"),
    401: N_("Chưa đăng nhập hoặc phiên đã hết hạn"),
    403: N_("Không có quyền thực hiện"),
    404: N_("Không tìm thấy"),
    405: N_("Phương thức không được hỗ trợ"),
    409: N_("Thao tác không hợp lệ ở trạng thái hiện tại"),
    412: N_("Dữ liệu đã bị thay đổi, vui lòng tải lại"),
    413: N_("Tệp quá lớn"),
    415: N_("Loại tệp không được chấp nhận"),
    422: N_("Dữ liệu không hợp lệ"),
    423: N_("Tài khoản đang bị khóa tạm thời"),
    428: N_("Thiếu phiên bản (If-Match)"),
    429: N_("Quá nhiều yêu cầu, vui lòng thử lại sau"),
    500: N_("Lỗi hệ thống"),
    503: N_("Dịch vụ tạm thời không sẵn sàng"),
}


class ApiProblem(Exception):
    """An HTTP-level problem raised by the API layer itself (auth, limits, uploads)."""

    def __init__(self, status: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}


def prefers_english(accept_language: str | None) -> bool:
    """True when the client ranks English above Vietnamese (default: Vietnamese)."""
    if not accept_language:
        return False
    best_lang, best_q = "vi", -1.0
    for part in accept_language.split(","):
        lang, _, params = part.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = lang.strip().lower().split("-")[0]
        if primary in ("vi", "en") and q > best_q:
            best_lang, best_q = primary, q
    return best_lang == "en"


def title_for(status: int, request: Request | None) -> str:
    """The localized title of `status` for this request."""
    title = TITLES.get(status, TITLES[500] if status >= 500 else TITLES[400])
    header = request.headers.get("accept-language") if request is not None else None
    return translate("en" if prefers_english(header) else "vi", title)


def problem_response(
    request: Request | None,
    status: int,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> JSONResponse:
    """Build the problem+json response for `status` with a localized title."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title_for(status, request),
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    body.update(extra or {})
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


class DatabaseBusy(ApiProblem):
    """Every database connection stayed taken for the whole pool timeout: 503, retry later."""

    def __init__(self, settings: Settings) -> None:
        retry = {"Retry-After": str(settings.db_retry_after_seconds)}
        super().__init__(503, "the database is busy, retry shortly", retry)


class CsrfFailure(ApiProblem):
    """A cookie-authenticated unsafe request without the matching CSRF token."""

    def __init__(self) -> None:
        super().__init__(403, "CSRF token missing or invalid")


# A page-aware answer for browser routes: (request, status, error) → a response, or None
# for API routes. The web UI registers one as `app.state.html_problem`.
HtmlProblem = Callable[[Request, int, Exception], Response | None]


def _page_or_problem(
    request: Request,
    status: int,
    exc: Exception,
    detail: str,
    *,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    html: HtmlProblem | None = getattr(request.app.state, "html_problem", None)
    page = html(request, status, exc) if html is not None else None
    if page is not None:
        return page
    return problem_response(request, status, detail, headers=headers, extra=extra)


def install(app: FastAPI) -> None:
    """Register the handlers that turn every error into problem+json (or a page for the UI)."""

    @app.exception_handler(WorkflowError)
    async def _workflow(request: Request, exc: WorkflowError) -> Response:
        return _page_or_problem(
            request, exc.status, exc, str(exc) or exc.title, extra=exc.extensions()
        )

    @app.exception_handler(ApiProblem)
    async def _api(request: Request, exc: ApiProblem) -> Response:
        return _page_or_problem(request, exc.status, exc, exc.detail, headers=exc.headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        headers = dict(exc.headers) if exc.headers else None
        return _page_or_problem(request, exc.status_code, exc, detail, headers=headers)

    @app.exception_handler(PoolTimeout)
    async def _pool(request: Request, exc: PoolTimeout) -> Response:
        # A connection the request gate could not account for (the in-process scheduler
        # took more than its share): the same 503 as a wait at the gate.
        busy = DatabaseBusy(get_settings())
        return _page_or_problem(request, 503, busy, busy.detail, headers=busy.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # A bug: the server's log has the traceback; the browser gets a page, a client a
        # problem that says no more than that.
        return _page_or_problem(request, 500, exc, "internal server error")

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {"loc": [str(p) for p in err.get("loc", ())], "msg": str(err.get("msg", ""))}
            for err in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid"}
        detail = f"{'.'.join(first['loc'])}: {first['msg']}"
        return _page_or_problem(request, 422, exc, detail, extra={"errors": errors})

    @app.exception_handler(IntegrityError)
    async def _integrity(request: Request, exc: IntegrityError) -> Response:
        # The services check uniqueness first; this answers the race between two requests
        # that both passed the check (the constraint refused the second), never with a 500.
        return _page_or_problem(
            request, 409, exc, "the change conflicts with data saved meanwhile; reload and retry"
        )
