"""Issuing a plan as work (ban hành kế hoạch) over the API: `POST /plans/{plan_id}/issue`.

With `dry_run` the answer is the preview (nothing written); otherwise the plan is issued in
the request's transaction with the rows' overrides (another due date or assignee, skip,
confirm a proposed cancellation); an override with `unit_id` edits one unit's row of a task
led by a unit group, without it every row of the task. The coordinator, the director and
administrators may (`workflow.services.plan_issue`); errors are problem+json: 403 for
others, 404 for no such plan, 422 for a bad override (an assignee outside the lead unit, a
past due date, a task or unit with no row in the plan).
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from sqlmodel import Field, SQLModel

from api.deps import CurrentUser, NowDep, SessionDep
from api.schemas.common import Id
from api.schemas.plans import IssueOverride
from workflow.services.plan_issue import RowKey, RowOverride, issue_plan

router = APIRouter(prefix="/plans", tags=["plans"])


class IssueRequest(SQLModel):
    dry_run: bool = False
    overrides: list[IssueOverride] = Field(default_factory=list, max_length=10_000)


class IssueRowPublic(SQLModel):
    task_id: int
    task_key: str
    key: str = Field(description="The row's name: the task id, or 'task-unit' for a unit's share.")
    area: str
    title: str
    action: str  # create | move_due | propose_cancel | cancel | unchanged | skipped
    reason: str | None
    lead_unit_id: int | None
    lead_unit: str | None
    lead_group: str | None = Field(
        description="The task's lead group as written, when the row is a member unit's share."
    )
    assignee_id: int | None
    assignee: str | None
    supporting_units: list[str]
    due_text: str | None
    due_kind: str
    due: date | None
    due_working_day: date | None
    recurrence: str | None
    deliverable: str | None
    warning: str | None
    current_due: date | None
    work_item_ids: list[int]
    series_id: int | None


class IssueOut(SQLModel):
    plan_id: int
    plan_key: str
    plan_year: int
    dry_run: bool
    counts: dict[str, int] = Field(description="Rows (items) by action.")
    task_counts: dict[str, int] = Field(description="Tasks by action (a group-led task once).")
    created_item_ids: list[int]
    created_series_ids: list[int]
    moved_item_ids: list[int]
    cancelled_item_ids: list[int]
    rows: list[IssueRowPublic]


@router.post("/{plan_id}/issue", response_model=IssueOut)
def post_issue(
    plan_id: Id, body: IssueRequest, user: CurrentUser, session: SessionDep, now: NowDep
) -> IssueOut:
    """Preview (`dry_run`) or issue the plan's tasks as work items for their lead units'
    heads, due as the plan says (a task led by a unit group: one item per member unit);
    issuing again creates nothing."""
    overrides: dict[RowKey, RowOverride] = {
        (o.task_id if o.unit_id is None else (o.task_id, o.unit_id)): RowOverride(
            due_on=o.due_on, assignee_id=o.assignee_id, skip=o.skip, cancel=o.cancel
        )
        for o in body.overrides
    }
    result = issue_plan(
        session=session,
        plan_id=plan_id,
        actor=user,
        now=now,
        overrides=overrides,
        dry_run=body.dry_run,
    )
    return IssueOut.model_validate(result.as_json())
