"""The "Nhập kế hoạch" page (`/ui/plan-import`): the coordinator (or an administrator, as
for `POST /plans/import`) uploads a signed plan (Word, a PDF with a text layer, or text),
sees what the import makes of it, then imports it and goes on to issue it.

1. The upload is read and checked as the API and the CLI do (size limits, a scanned PDF
   refused with the reason), then imported inside a savepoint that is rolled back: the
   preview lists the plan's years, what would be created or updated, and every task with
   its units (a group named with its member units), its deadline phrase and what it is read
   as (a day off shown with the working day it becomes, a recurrence in words) and the
   warnings. Unit names that resolve to nothing are listed with their rows and nearest
   names (and a link to "Tên đơn vị" to map them); then there is nothing to import.
2. The file waits under `var_dir/plan-uploads` (named by the uploader and the file's
   SHA-256; the confirm form carries only that digest; one per person, a newer preview
   replaces it), so confirming does not upload it again. Confirming imports it in the
   request's transaction and opens the plan's issue page (`/ui/plans/{id}/issue`), where
   the rows are previewed again and issued.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.pages import messages as msg
from api.pages.ui import refusal, render, to_login
from workflow.calendar import load_calendar, local_date
from workflow.due_phrases import describe_rule
from workflow.errors import WorkflowError
from workflow.importer import ImportResult, PlanTree, parse_document, upsert_plan
from workflow.importer.preview import TaskPreview, deadline_warnings, preview_tasks
from workflow.importer.tree import TaskNode
from workflow.importer.units import TaskUnits, UnresolvedUnits
from workflow.input_limits import check_plan_document
from workflow.models import User
from workflow.services.plan_issue import may_issue
from workflow.services.plan_units import may_import_plans
from workflow.settings import Settings

router = APIRouter(include_in_schema=False)

SUFFIXES = (".docx", ".pdf", ".md", ".txt")
DIGEST = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class TaskRow:
    """One task of the preview: its deadline as read and its units as resolved."""

    preview: TaskPreview
    units: TaskUnits | None
    sub: bool

    @property
    def rule(self) -> str | None:
        return describe_rule(self.preview.recurrence) if self.preview.recurrence else None


def _stash(settings: Settings, user: User, digest: str) -> Path:
    return settings.var_dir / "plan-uploads" / f"{user.id}-{digest}"


def _nodes(tree: PlanTree) -> list[TaskNode]:
    """Tasks and sub-tasks in the order `preview_tasks` lists them."""
    return [n for a in tree.areas for t in a.tasks for n in (t, *t.children)]


def _preview(
    session: Session, tree: PlanTree, data: bytes, *, source: str, now: Any
) -> tuple[ImportResult | None, UnresolvedUnits | None]:
    """The import done and rolled back: what it would change, or the unresolved names."""
    savepoint = session.begin_nested()
    try:
        result = upsert_plan(
            session=session,
            tree=tree,
            now=now,
            source=source,
            source_sha256=hashlib.sha256(data).hexdigest(),
        )
    except UnresolvedUnits as exc:
        return None, exc
    finally:
        savepoint.rollback()
    return result, None


def _page(
    request: Request, user: User, context: dict[str, Any], *, status_code: int = 200
) -> HTMLResponse:
    base: dict[str, Any] = {
        "error": None,
        "detail": None,
        "tree": None,
        "rows": [],
        "result": None,
        "unresolved": [],
        "warnings": [],
        "digest": "",
        "filename": "",
        "may_issue": may_issue(user),
    }
    return render(request, "plan_import.html", base | context, user=user, status_code=status_code)


def _guard(request: Request, user: User | None) -> Response | None:
    if user is None:
        return to_login(request)
    if not may_import_plans(user):
        return refusal(request, user, msg.ERROR_NOT_ALLOWED, status=403, back="/ui/plans")
    return None


@router.get("/ui/plan-import", response_class=HTMLResponse)
def import_form(request: Request, user: OptionalUser) -> Response:
    """The upload form."""
    refused = _guard(request, user)
    if refused is not None:
        return refused
    assert user is not None
    return _page(request, user, {})


@router.post("/ui/plan-import", response_class=HTMLResponse)
def import_submit(
    request: Request,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
    file: Annotated[UploadFile | None, File()] = None,
    digest: Annotated[str, Form(max_length=64)] = "",
    filename: Annotated[str, Form(max_length=255)] = "",
    confirm: Annotated[str, Form(max_length=1)] = "",
) -> Response:
    """Preview an uploaded plan; or, confirmed, import the previewed one and open its issue
    page."""
    refused = _guard(request, user)
    if refused is not None:
        return refused
    assert user is not None
    if confirm == "1" and DIGEST.match(digest):
        source = Path(filename).name or "plan"
        path = _stash(settings, user, digest)
        if not path.is_file():
            return _page(request, user, {"error": msg.IMPORT_ERROR_EXPIRED}, status_code=422)
        data = path.read_bytes()
    elif file is not None and file.filename:
        source = Path(file.filename).name
        data = file.file.read(settings.import_max_bytes + 1)
    else:
        return _page(request, user, {"error": msg.IMPORT_ERROR_NO_FILE}, status_code=422)
    if not source.lower().endswith(SUFFIXES):
        return _page(request, user, {"error": msg.IMPORT_ERROR_TYPE}, status_code=422)
    try:
        check_plan_document(data, source=source, settings=settings)
        tree = parse_document(data, source=source)
    except WorkflowError as exc:
        failed: dict[str, Any] = {"error": msg.IMPORT_ERROR_READ, "detail": str(exc)}
        return _page(request, user, failed | {"filename": source}, status_code=422)
    digest = hashlib.sha256(data).hexdigest()
    if confirm == "1":
        try:
            done = upsert_plan(
                session=session, tree=tree, now=now, source=source, source_sha256=digest
            )
        except WorkflowError as exc:
            session.rollback()
            failed = {"error": msg.IMPORT_ERROR_READ, "detail": str(exc), "filename": source}
            return _page(request, user, failed, status_code=422)
        _stash(settings, user, digest).unlink(missing_ok=True)
        target = f"/ui/plans/{done.plan_id}"
        if may_issue(user):
            target += "/issue?imported=1"
        return RedirectResponse(target, status_code=303)
    result, unresolved = _preview(session, tree, data, source=source, now=now)
    previews = preview_tasks(
        tree,
        calendar=load_calendar(session=session),
        today=local_date(now, tz=settings.timezone),
    )
    nodes = _nodes(tree)
    units = result.units if result is not None else unresolved.resolution if unresolved else None
    rows = [
        TaskRow(preview=p, units=units.for_task(n) if units else None, sub=p.number.count(".") > 1)
        for p, n in zip(previews, nodes, strict=True)
    ]
    if result is not None:
        stash = _stash(settings, user, digest)
        stash.parent.mkdir(parents=True, exist_ok=True)
        # One previewed file per person: an earlier preview never confirmed is dropped.
        for old in stash.parent.glob(f"{user.id}-*"):
            old.unlink(missing_ok=True)
        stash.write_bytes(data)
    context: dict[str, Any] = {
        "tree": tree,
        "rows": rows,
        "result": result,
        "unresolved": unresolved.unresolved if unresolved else [],
        "warnings": deadline_warnings(tree, previews),
        "digest": digest if result is not None else "",
        "filename": source,
    }
    return _page(request, user, context, status_code=200 if result is not None else 422)
