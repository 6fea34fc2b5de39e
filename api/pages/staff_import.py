"""The page Nhập danh sách cán bộ (/ui/org/import, administrators): upload the personnel
office's staff list (XLSX, CSV or YAML), see the diff (added, changed, moved, deactivated)
and confirm once. The preview carries the uploaded file back in the confirm form, so the
confirm imports exactly the file previewed, checked again in full
(`workflow.services.staff_import`); a refusal names every row and writes nothing."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.ui import refusal, render, to_login
from workflow.errors import InvalidInput, WorkflowError
from workflow.importer.staff_list import read_staff_list
from workflow.models import User
from workflow.models.org import Role
from workflow.services import staff_import
from workflow.settings import Settings

router = APIRouter(include_in_schema=False)

PAGE = "/ui/org/import"


def _gate(request: Request, user: User | None) -> Response | None:
    if user is None:
        return to_login(request)
    if user.role != Role.ADMIN.value or not user.is_active:
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/")
    return None


def _show(
    request: Request,
    user: User,
    *,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    base = {"diff": None, "payload": "", "filename": "", "error": None, "done": None}
    return render(request, "staff_import.html", base | context, user=user, status_code=status_code)


async def _upload(file: UploadFile | None, settings: Settings) -> tuple[str, bytes]:
    if file is None or not file.filename:
        raise InvalidInput("choose a staff list file (.xlsx, .csv, .yaml)")
    limit = max(settings.import_max_bytes, settings.yaml_max_bytes)
    data = await file.read(limit + 1)
    return file.filename, data


def _rows(session: Session, filename: str, data: bytes, settings: Settings) -> Any:
    return read_staff_list(data, filename=filename, settings=settings)


@router.get(PAGE, response_class=HTMLResponse)
def import_page(request: Request, user: OptionalUser) -> Response:
    """The upload form."""
    if (gate := _gate(request, user)) is not None:
        return gate
    assert user is not None
    return _show(request, user)


@router.post(PAGE, response_class=HTMLResponse)
async def import_preview(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Read the uploaded list and show what importing it would do (nothing written)."""
    if (gate := _gate(request, user)) is not None:
        return gate
    assert user is not None
    try:
        filename, data = await _upload(file, settings)
        rows = _rows(session, filename, data, settings)
        diff = staff_import.preview(session=session, rows=rows, source=filename)
    except WorkflowError as exc:
        session.rollback()
        return _show(request, user, error=str(exc), status_code=exc.status)
    session.rollback()
    payload = base64.b64encode(data).decode("ascii")
    return _show(request, user, diff=diff, payload=payload, filename=filename)


@router.post(PAGE + "/confirm", response_class=HTMLResponse)
def import_confirm(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    payload: Annotated[str, Form(max_length=24 * 1024 * 1024)] = "",
    filename: Annotated[str, Form(max_length=255)] = "",
) -> Response:
    """Import the previewed list (checked again in full; all or nothing)."""
    if (gate := _gate(request, user)) is not None:
        return gate
    assert user is not None
    try:
        try:
            data = base64.b64decode(payload.encode("ascii"), validate=True)
        except (binascii.Error, UnicodeEncodeError) as exc:
            raise InvalidInput("the confirmed file is damaged: upload it again") from exc
        rows = _rows(session, filename, data, settings)
        diff = staff_import.apply(session=session, now=now, actor=user, rows=rows, source=filename)
    except WorkflowError as exc:
        session.rollback()
        return _show(request, user, error=str(exc), status_code=exc.status)
    return _show(request, user, diff=diff, done=True, filename=filename)
