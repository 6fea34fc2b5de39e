"""The item page's forms: evidence (minh chứng), extension requests and decisions (gia hạn),
comments (ý kiến trao đổi), progress reports (báo cáo tiến độ), and the download of an
evidence file.

Each form posts with the CSRF token (checked with the session cookie in `api.deps`), runs
in the request's one transaction and answers 303 back to the item. A refusal rolls the
transaction back (a stored upload is deleted too) and shows the item page again with the
reason in the user's language, what they typed kept, and the refusal's status: 403 to
someone the rule does not admit, 404 for an item outside their scope, as the JSON API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response
from sqlmodel import Session

from api.deps import NowDep, OptionalUser, SessionDep, SettingsDep
from api.evidence_store import attach_evidence, evidence_file
from api.pages import messages as msg
from api.pages.i18n import language
from api.pages.item_detail import evidence_mb
from api.pages.ui import ACTION_ERRORS, item_refused, not_found, to_login
from api.problems import ApiProblem
from api.schemas.common import Id
from api.schemas.forms import typed_day, validated
from api.schemas.items import CommentCreate, ExtensionCreate, ExtensionDecision, ProgressIn
from workflow.errors import NotFound, WorkflowError
from workflow.i18n import translate
from workflow.models import User
from workflow.services.comments import add_comment
from workflow.services.extensions import decide_extension, request_extension
from workflow.services.scope import get_visible_item
from workflow.services.work_items import report_progress
from workflow.settings import Settings

router = APIRouter(include_in_schema=False)

# Upload refusals raised by the API layer (api.evidence_store), as the page words them.
UPLOAD_ERRORS = {413: msg.ERROR_FILE_TOO_LARGE, 415: msg.ERROR_FILE_TYPE}
# Lengths and types are checked by the API's body models (`validated`), not here.
Text = Annotated[str, Form()]


def refusal_message(exc: WorkflowError | ApiProblem, *, lang: str, max_mb: int) -> str:
    """Why a form was refused, in `lang`: the error's own code where the catalogue has it."""
    key = ACTION_ERRORS.get(exc.status, msg.ERROR_INVALID)
    if isinstance(exc, ApiProblem):
        key = UPLOAD_ERRORS.get(exc.status, key)
    elif exc.code is not None and exc.code in msg.ERROR_CODES:
        key = msg.ERROR_CODES[exc.code]
    return translate(lang, key, mb=max_mb)


@dataclass(frozen=True)
class ItemForm:
    """A form sent from the item page: by whom, about which item, in which request."""

    request: Request
    item_id: int
    session: Session
    user: User | None
    now: datetime
    settings: Settings

    def submit(
        self, section: str, typed: dict[str, str], work: Callable[[User], object]
    ) -> Response:
        """Run `work` as the signed-in user on an item they see: 303 back to the item's
        `section`, or the item page with the reason (and `typed` refilled) on a refusal."""
        item = f"/ui/items/{self.item_id}"
        if self.user is None:
            return RedirectResponse(f"/login?next={quote(item)}", status_code=303)
        try:
            get_visible_item(
                session=self.session, user=self.user, item_id=self.item_id, now=self.now
            )
            work(self.user)
        except NotFound:
            self.session.rollback()
            return not_found(self.request, self.user)
        except (WorkflowError, ApiProblem) as exc:
            lang = language(self.request, self.user)
            message = refusal_message(exc, lang=lang, max_mb=evidence_mb(self.settings))
            return item_refused(
                self.request,
                self.session,
                user=self.user,
                item_id=self.item_id,
                now=self.now,
                settings=self.settings,
                status=exc.status,
                extra={"form_section": section, "form_error": message, "form": typed},
            )
        return RedirectResponse(f"{item}#{section}", status_code=303)


def item_form(
    request: Request,
    item_id: Id,
    session: SessionDep,
    user: OptionalUser,
    now: NowDep,
    settings: SettingsDep,
) -> ItemForm:
    return ItemForm(request, item_id, session, user, now, settings)


# scope="function", like the session it holds: committed when the route returns.
ItemFormDep = Annotated[ItemForm, Depends(item_form, scope="function")]


@router.post("/ui/items/{item_id}/evidence")
def evidence_form(
    f: ItemFormDep, note: Text = "", file: Annotated[UploadFile | None, File()] = None
) -> Response:
    """Attach a note and/or a file (the assignee or the lead unit's head), as the API does."""
    return f.submit(
        "evidence",
        {"note": note},
        lambda actor: attach_evidence(
            session=f.session,
            now=f.now,
            actor=actor,
            item_id=f.item_id,
            settings=f.settings,
            note=note,
            file=file,
        ),
    )


@router.get("/ui/items/{item_id}/evidence/{evidence_id}/file")
def evidence_download(
    request: Request,
    item_id: Id,
    evidence_id: Id,
    session: SessionDep,
    user: OptionalUser,
    settings: SettingsDep,
) -> Response:
    """An evidence file for the page's link: the API's download, with the pages' answers."""
    if user is None:
        return to_login(request)
    try:
        return evidence_file(
            session=session, user=user, item_id=item_id, evidence_id=evidence_id, settings=settings
        )
    except NotFound:
        return not_found(request, user)


@router.post("/ui/items/{item_id}/extensions")
def extension_form(
    f: ItemFormDep,
    requested_due_on: Annotated[str, Form(max_length=40)] = "",
    reason: Text = "",
) -> Response:
    """Ask for a later due date with a reason (the assignee or the lead unit's head)."""
    return f.submit(
        "extensions",
        {"requested_due_on": requested_due_on, "reason": reason},
        lambda actor: _request_extension(f, actor, requested_due_on, reason),
    )


def _request_extension(f: ItemForm, actor: User, requested_due_on: str, reason: str) -> object:
    body = validated(
        ExtensionCreate,
        # Typed day first (workflow.dates); anything else goes on as typed and is refused.
        {"requested_due_on": typed_day(requested_due_on), "reason": reason},
        codes={"requested_due_on": "date", "reason:string_too_short": "extension_no_reason"},
    )
    return request_extension(
        session=f.session,
        now=f.now,
        actor=actor,
        item_id=f.item_id,
        requested_due_on=body.requested_due_on,
        reason=body.reason,
    )


@router.post("/ui/items/{item_id}/extensions/{request_id}/decision")
def extension_decision_form(
    f: ItemFormDep,
    request_id: Id,
    decision: Annotated[str, Form(max_length=20)] = "",
    note: Text = "",
) -> Response:
    """Approve or refuse a pending request (its approver, `approver_for`, or above)."""
    return f.submit(
        "extensions",
        {"decision_note": note, "request_id": str(request_id)},
        lambda actor: _decide_extension(f, actor, request_id, decision, note),
    )


# The page's two buttons send the decision's name; the API's model says it as a boolean.
DECISIONS = {"approve": True, "refuse": False}


def _decide_extension(
    f: ItemForm, actor: User, request_id: int, decision: str, note: str
) -> object:
    body = validated(
        ExtensionDecision,
        {"approve": DECISIONS.get(decision, decision), "note": note or None},
        codes={"approve": "decision"},
    )
    return decide_extension(
        session=f.session,
        now=f.now,
        actor=actor,
        item_id=f.item_id,
        request_id=request_id,
        approve=body.approve,
        note=body.note,
    )


COMMENT_CODES = {"body:string_too_short": "comment_empty"}


@router.post("/ui/items/{item_id}/comments")
def comment_form(f: ItemFormDep, body: Text = "", comment: Text = "") -> Response:
    """Add a comment to the item's thread (anyone who sees the item).

    The item page's one text box is named `comment` (it is also an action's reason);
    `body` is the API's name for it."""
    text = body or comment
    return f.submit(
        "thread",
        {"comment": text},
        lambda actor: add_comment(
            session=f.session,
            now=f.now,
            actor=actor,
            item_id=f.item_id,
            body=validated(CommentCreate, {"body": text}, codes=COMMENT_CODES).body,
        ),
    )


@router.post("/ui/items/{item_id}/progress")
def progress_form(
    f: ItemFormDep,
    progress: Annotated[str, Form(max_length=8)] = "",
    comment: Text = "",
    version: Annotated[int | None, Form()] = None,
) -> Response:
    """The assignee reports progress: a percentage and, optionally, a note."""

    def work(actor: User) -> object:
        # The same model as POST /items/{id}/progress; "40 %" is typed as often as "40".
        body = validated(
            ProgressIn,
            {"percent": progress.strip().removesuffix("%").strip(), "note": comment},
            codes={"percent": "progress_range"},
        )
        return report_progress(
            session=f.session,
            now=f.now,
            actor=actor,
            item_id=f.item_id,
            percent=body.percent,
            note=body.note,
            expected_version=version,
        )

    return f.submit("thread", {"comment": comment, "progress": progress}, work)
