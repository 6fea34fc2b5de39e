"""Unsubscribe links (ngừng nhận thông báo): a confirmation page, then the opt-out.

GET only shows what the signed link would do, because mail scanners and link previews
fetch every URL in a message. POST applies it: the page's button, and the one-click POST
that mail clients send on their own (RFC 8058, body `List-Unsubscribe=One-Click`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.templating import templates
from notifications.contexts import MANDATORY
from notifications.preferences import UnsubscribeRequest, apply_unsubscribe, read_unsubscribe_token
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.errors import InvalidInput
from workflow.settings import get_settings

router = APIRouter(prefix="/unsubscribe", include_in_schema=False)

# What each kind of mail is called on the page (every kind whose mail carries the link).
KIND_LABELS = {
    "reminder": "Nhắc việc sắp đến hạn",
    "due_today": "Nhắc việc đến hạn hôm nay",
    "overdue": "Thông báo quá hạn",
    "escalation": "Cảnh báo quá hạn gửi lãnh đạo",
    "assigned": "Thông báo giao việc",
    "returned": "Thông báo trả lại nhiệm vụ",
    "rework": "Yêu cầu làm lại",
    "extension_decided": "Kết quả đề nghị gia hạn",
    "awaiting_review": "Thông báo nhiệm vụ chờ duyệt",
    "extension_requested": "Đề nghị gia hạn cần xem xét",
    "item_update": "Thông báo thay đổi trạng thái nhiệm vụ",
    "chase": "Đôn đốc thực hiện nhiệm vụ",
    "support_assigned": "Thông báo đơn vị phối hợp thực hiện nhiệm vụ",
    "informed": "Thông báo nhiệm vụ gửi đơn vị để biết",
    "support_closed": "Thông báo kết thúc nhiệm vụ đơn vị phối hợp",
    "reassigned": "Thông báo nhiệm vụ đã giao lại cho người khác",
    "digest": "Thư tổng hợp hằng ngày",
    "report": "Báo cáo định kỳ",
}


def _page(
    request: Request,
    *,
    token: str,
    ask: UnsubscribeRequest | None,
    done: bool = False,
    error: str | None = None,
) -> HTMLResponse:
    kind = ask.kind if ask is not None else ""
    return templates.TemplateResponse(
        request,
        "unsubscribe.html",
        {
            "token": token,
            "label": KIND_LABELS.get(kind, kind),
            "address": ask.email if ask is not None else "",
            "done": done,
            "error": error,
        },
        status_code=400 if error else 200,
    )


def _read(token: str) -> UnsubscribeRequest:
    ask = read_unsubscribe_token(settings=get_settings(), token=token)
    if ask.kind in MANDATORY:
        raise InvalidInput("Cảnh báo quá hạn gửi lãnh đạo không thể tắt.")
    return ask


@router.get("/{token}", response_class=HTMLResponse)
def confirm(request: Request, token: str) -> HTMLResponse:
    """Say what the link would switch off and offer a button; changes nothing."""
    try:
        ask = _read(token)
    except InvalidInput as exc:
        return _page(request, token=token, ask=None, error=_message(exc))
    return _page(request, token=token, ask=ask)


@router.post("/{token}", response_class=HTMLResponse)
def unsubscribe(request: Request, token: str) -> HTMLResponse:
    """Apply the opt-out (idempotent); the same answer for the button and one-click."""
    try:
        ask = _read(token)
        with session_scope() as session:
            apply_unsubscribe(session=session, settings=get_settings(), token=token, now=utc_now())
    except InvalidInput as exc:
        return _page(request, token=token, ask=None, error=_message(exc))
    return _page(request, token=token, ask=ask, done=True)


def _message(exc: InvalidInput) -> str:
    text = str(exc)
    if text == "invalid unsubscribe link":
        return "Đường dẫn không hợp lệ hoặc đã bị thay đổi."
    return text
