"""Models of work items (giao việc) and what hangs off them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from annotated_types import MaxLen
from sqlmodel import Field, SQLModel

from api.schemas.common import Id
from workflow.deadlines import Flag
from workflow.priority import Priority
from workflow.services.task_assignment import Repeat
from workflow.services.work_items import ItemSpec
from workflow.states import State


class WorkItemPublic(SQLModel):
    id: int
    title: str
    state: State
    priority: str
    flag: Flag
    lead_unit_id: int
    assignee_id: int
    assigner_id: int
    plan_task_id: int | None
    start_on: date
    due_at: datetime
    original_due_at: datetime
    closed_at: datetime | None
    closed_on_time: bool | None
    progress_pct: int
    version: int
    updated_at: datetime


class WorkItemPage(SQLModel):
    items: list[WorkItemPublic]
    page: int
    page_size: int
    has_more: bool


class ItemUnitPublic(SQLModel):
    unit_id: int
    role: str


class EventPublic(SQLModel):
    id: int
    action: str
    actor_id: int | None
    from_state: str | None
    to_state: str | None
    at: datetime
    comment: str | None


class WorkItemDetail(WorkItemPublic):
    description: str | None
    evidence_required: str | None
    escalation_level: int
    units: list[ItemUnitPublic]
    allowed_actions: list[str]
    events: list[EventPublic]


class WorkItemCreate(SQLModel):
    """What an assigner sets; state, version and escalation are never inputs."""

    title: str = Field(min_length=1, max_length=500)
    description: str | None = Field(default=None, max_length=20000)
    lead_unit_id: Id
    assignee_id: Id
    plan_task_id: Id | None = None
    priority: Priority = Priority.NORMAL
    evidence_required: str | None = Field(default=None, max_length=5000)
    start_on: date | None = None
    due_on: date | None = None
    due_working_days: int | None = Field(default=None, ge=1, le=3650)
    supporting_unit_ids: Annotated[list[Id], MaxLen(50)] = []
    informed_unit_ids: Annotated[list[Id], MaxLen(50)] = []

    def spec(self, *, start_on: date) -> ItemSpec:
        """The item to create, starting `start_on` (the body's, or the caller's today)."""
        return ItemSpec(
            title=self.title,
            lead_unit_id=self.lead_unit_id,
            assignee_id=self.assignee_id,
            start_on=start_on,
            due_on=self.due_on,
            due_working_days=self.due_working_days,
            supporting_unit_ids=tuple(self.supporting_unit_ids),
            inform_unit_ids=tuple(self.informed_unit_ids),
            evidence_required=self.evidence_required,
            priority=self.priority.value,
            description=self.description,
            plan_task_id=self.plan_task_id,
        )


class TaskAssignment(WorkItemCreate):
    """The "Giao việc" page's form: an item from a plan task (its start date given) and,
    optionally, its monthly or quarterly repetition until a day."""

    start_on: date  # the form always sends one (today by default)
    repeat: Repeat | None = None
    until: date | None = None


class BulkAssignIn(SQLModel):
    area_id: Id
    start_on: date | None = None
    due_on: date | None = None
    due_working_days: int | None = Field(default=None, ge=1, le=3650)
    evidence_required: str | None = Field(default=None, max_length=5000)


class BulkAssignOut(SQLModel):
    created: list[int]
    skipped: list[str]


class ActionIn(SQLModel):
    comment: str | None = Field(default=None, max_length=5000)
    assignee_id: Id | None = None


class ProgressIn(SQLModel):
    """A progress report (báo cáo tiến độ): how far the work is, and a note."""

    percent: int = Field(ge=0, le=100)
    note: str | None = Field(default=None, max_length=5000)


class CommentCreate(SQLModel):
    body: str = Field(min_length=1, max_length=10000)


class CommentPublic(SQLModel):
    id: int
    work_item_id: int
    author_id: int
    body: str
    created_at: datetime


class EvidencePublic(SQLModel):
    id: int
    work_item_id: int
    uploaded_by_id: int
    filename: str | None
    content_type: str | None
    size_bytes: int | None
    note: str | None
    created_at: datetime


class EvidenceIn(SQLModel):
    """The text part of an evidence upload (the file comes beside it), API and page alike."""

    note: str | None = Field(default=None, max_length=5000)


class ExtensionCreate(SQLModel):
    requested_due_on: date
    reason: str = Field(min_length=1, max_length=5000)


class ExtensionDecision(SQLModel):
    approve: bool
    note: str | None = Field(default=None, max_length=5000)


class ExtensionPublic(SQLModel):
    id: int
    work_item_id: int
    requested_by_id: int
    requested_due_at: datetime
    previous_due_at: datetime
    reason: str
    status: str
    decided_by_id: int | None
    decided_at: datetime | None
    decision_note: str | None
    created_at: datetime
