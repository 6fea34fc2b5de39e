"""The "Ban hành kế hoạch" page: the coordinator previews every task's work (lead unit → its
head, supporting units, due date or recurrence, deliverable, what issuing does), edits rows
(another due date, another person of the lead unit, skip, confirm a proposed cancellation)
and issues the plan with one button.

The filters (area, lead unit, action) narrow the table, and the button issues the rows shown:
the others are left for a later issue. The POST is one transaction (the request's) calling
`workflow.services.plan_issue.issue_plan`; a refused edit shows the table again with the
reason and writes nothing. After it the page shows what was done and links to the plan page.
At 390 px the rows become cards (a media query in the template).

A task led by a unit group ("Các phòng chuyên môn") is one row per member unit, each for
that unit's head (decision 0015): its form fields are named by the row's key ("task-unit"),
its title is shown once, the rows after it say which share they are ("2/4").
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session, col, select

from api.deps import NowDep, OptionalUser, SessionDep
from api.pages import messages as msg
from api.pages.gate import row_for
from api.pages.ui import not_found, refusal, render
from api.schemas.common import Id
from api.schemas.forms import form_errors, typed, typed_day
from api.schemas.plans import IssueOverride
from workflow.errors import NotAllowed, NotFound, WorkflowError
from workflow.models import Plan, User
from workflow.models.org import Role
from workflow.services.plan_issue import (
    IssueAction,
    IssuePreview,
    IssueResult,
    IssueRow,
    Reason,
    RowKey,
    RowOverride,
    issue_plan,
    may_issue,
    preview_issue,
)

router = APIRouter(include_in_schema=False)

# Rows whose due date the coordinator may enter: those issuing creates or moves, and those
# skipped only for want of a usable date.
DATED = (IssueAction.CREATE, IssueAction.MOVE_DUE)
NEEDS_DATE = (Reason.NEEDS_DUE, Reason.DUE_PASSED)

# A row's fields the model refuses → the page's message.
CODES = {"due_on": msg.ISSUE_ERROR_DUE, "assignee_id": msg.ISSUE_ERROR_ASSIGNEE}
# Why the service refused an edit (its codes) → the page's message (i18n keys).
ERRORS = {
    "issue_bad_assignee": msg.ISSUE_ERROR_ASSIGNEE,
    "issue_due_past": msg.ISSUE_ERROR_DUE_PAST,
    "issue_bad_task": msg.ISSUE_ERROR_GENERIC,
}


@dataclass(frozen=True)
class Filters:
    """The table's filters as the query string (or the confirm form) gives them."""

    area: int | None = None
    unit: int | None = None
    action: str = ""

    def shows(self, row: IssueRow) -> bool:
        return (
            (self.area is None or row.area_id == self.area)
            and (self.unit is None or row.lead_unit_id == self.unit)
            and (not self.action or row.action.value == self.action)
        )


def _int(text: Any) -> int | None:
    return int(text) if isinstance(text, str) and text.strip().isdigit() else None


def _filters(values: Any) -> Filters:
    action = values.get("action") or ""
    return Filters(
        area=_int(values.get("area")),
        unit=_int(values.get("unit")),
        action=action if action in {a.value for a in IssueAction} else "",
    )


def editable_due(row: IssueRow) -> bool:
    return row.action in DATED or (row.action == IssueAction.SKIPPED and row.reason in NEEDS_DATE)


def editable_assignee(row: IssueRow) -> bool:
    return row.action == IssueAction.CREATE or (
        row.action == IssueAction.SKIPPED and row.reason in NEEDS_DATE
    )


def _people(session: Session) -> dict[int, list[User]]:
    """Each unit's active people, the head first, then officers, by name."""
    by_unit: dict[int, list[User]] = defaultdict(list)
    users = session.exec(select(User).where(col(User.is_active)).order_by(col(User.full_name)))
    for user in users:
        if user.unit_id is not None:
            by_unit[user.unit_id].append(user)
    for people in by_unit.values():
        people.sort(key=lambda u: (u.role != Role.UNIT_HEAD.value, u.role != Role.OFFICER.value))
    return by_unit


def _page(
    request: Request,
    session: Session,
    *,
    user: User,
    preview: IssuePreview,
    filters: Filters,
    errors: list[str] | None = None,
    form: dict[str, str] | None = None,
    result: IssueResult | None = None,
    status_code: int = 200,
    imported: bool = False,
) -> HTMLResponse:
    rows = [r for r in preview.rows if filters.shows(r)]
    # A split task's rows: which share each is ("2/4") and whether it opens the task.
    split: dict[int, list[IssueRow]] = defaultdict(list)
    for row in rows:
        if row.split:
            split[row.task_id].append(row)
    shares = {
        r.key: (i, len(group)) for group in split.values() for i, r in enumerate(group, start=1)
    }
    areas = {r.area_id: f"{r.area_number}. {r.area_title}" for r in preview.rows}
    units = {r.lead_unit_id: r.lead_unit for r in preview.rows if r.lead_unit_id is not None}
    counts = {a.value: 0 for a in IssueAction}
    for row in rows:
        counts[row.action.value] += 1
    context: dict[str, Any] = {
        "plan": preview.plan,
        "plan_year": preview.plan_year,
        "rows": rows,
        "total": len(preview.rows),
        "shares": shares,
        "task_total": len({r.task_id for r in preview.rows}),
        "counts": counts,
        "areas": sorted(areas.items(), key=lambda kv: kv[1]),
        "units": sorted(units.items(), key=lambda kv: kv[1] or ""),
        "actions": [a.value for a in IssueAction if a != IssueAction.CANCEL],
        "filters": filters,
        "people": _people(session),
        "editable_due": editable_due,
        "editable_assignee": editable_assignee,
        "errors": errors or [],
        "form": form or {},
        "result": result,
        "imported": imported,
    }
    return render(request, "plan_issue.html", context, user=user, status_code=status_code)


def _plan_or_page(
    request: Request, session: Session, user: User | None, plan_id: int
) -> tuple[User, Plan] | Response:
    """The user and the plan, or the page saying why it cannot be issued here."""
    return row_for(
        request, session, user, Plan, plan_id, may=may_issue, back=lambda p: f"/ui/plans/{p.id}"
    )


@router.get("/ui/plans/{plan_id}/issue", response_class=HTMLResponse)
def issue_page(
    request: Request, plan_id: Id, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    """The preview with its filters and per-row edits, and the one confirm button."""
    found = _plan_or_page(request, session, user, plan_id)
    if isinstance(found, Response):
        return found
    user, _plan = found
    preview = preview_issue(session=session, plan_id=plan_id, now=now)
    filters = _filters(request.query_params)
    imported = request.query_params.get("imported") == "1"
    return _page(request, session, user=user, preview=preview, filters=filters, imported=imported)


def _overrides(
    preview: IssuePreview, filters: Filters, form: dict[str, str]
) -> tuple[dict[RowKey, RowOverride], list[str]]:
    """The rows' edits from the form (only what differs from the preview), the rows the
    filters hide skipped; or the i18n keys of what cannot be read (the API's row model,
    `IssueOverride`, reads each row's due date and assignee). Fields are named by the
    row's key: the task id, or "task-unit" for a unit's share of a group-led task."""
    overrides: dict[RowKey, RowOverride] = {}
    errors: list[str] = []
    for row in preview.rows:
        key = row.key
        if not filters.shows(row):
            if row.action in DATED:
                overrides[row.override_key] = RowOverride(skip=True)
            continue
        data = {
            "task_id": row.task_id,
            "unit_id": row.lead_unit_id if row.split else None,
            "due_on": typed_day(form.get(f"due_{key}", "")) if editable_due(row) else None,
            "assignee_id": typed(form.get(f"assignee_{key}", ""))
            if editable_assignee(row)
            else None,
        }
        edit, refused = form_errors(
            IssueOverride, data, codes=CODES, fallback=msg.ISSUE_ERROR_GENERIC
        )
        if edit is None:
            errors.extend(refused)
            continue
        due = edit.due_on if edit.due_on != row.due_on else None
        assignee = edit.assignee_id if edit.assignee_id != row.assignee_id else None
        skip = form.get(f"skip_{key}") == "1"
        cancel = form.get(f"cancel_{key}") == "1" and row.action == IssueAction.PROPOSE_CANCEL
        if due or assignee or skip or cancel:
            overrides[row.override_key] = RowOverride(
                due_on=due, assignee_id=assignee, skip=skip, cancel=cancel
            )
    return overrides, sorted(set(errors))


@router.post("/ui/plans/{plan_id}/issue", response_class=HTMLResponse)
async def issue_submit(
    request: Request, plan_id: Id, session: SessionDep, user: OptionalUser, now: NowDep
) -> Response:
    """Issue the rows shown with their edits; the summary, or the table with the reason."""
    found = _plan_or_page(request, session, user, plan_id)
    if isinstance(found, Response):
        return found
    user, _plan = found
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str) and len(v) <= 200}
    filters = _filters(form)
    preview = preview_issue(session=session, plan_id=plan_id, now=now)
    overrides, errors = _overrides(preview, filters, form)
    if not errors:
        try:
            result = issue_plan(
                session=session, plan_id=plan_id, actor=user, now=now, overrides=overrides
            )
        except NotAllowed:
            session.rollback()
            return refusal(
                request, user, msg.ERROR_NOT_ALLOWED, status=403, back=f"/ui/plans/{plan_id}"
            )
        except NotFound:
            session.rollback()
            return not_found(request, user)
        except WorkflowError as exc:
            session.rollback()
            errors = [ERRORS.get(exc.code or "", msg.ISSUE_ERROR_GENERIC)]
        else:
            done = preview_issue(session=session, plan_id=plan_id, now=now)
            return _page(
                request, session, user=user, preview=done, filters=Filters(), result=result
            )
    return _page(
        request,
        session,
        user=user,
        preview=preview,
        filters=filters,
        errors=errors,
        form=form,
        status_code=422,
    )
