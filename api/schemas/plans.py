"""Models of the plan tree: plan, areas, objectives, indicators, readings, tasks."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from api.schemas.common import Id


class PlanPublic(SQLModel):
    id: int
    key: str
    number: str | None
    title: str
    place: str | None
    issued_on: date | None
    start_year: int | None
    end_year: int | None


class ObjectivePublic(SQLModel):
    id: int
    key: str
    position: int
    text: str
    milestone_year: int | None
    withdrawn: bool


class TargetPublic(SQLModel):
    year: int
    comparator: str
    value: float
    text: str


class ReadingPublic(SQLModel):
    id: int
    indicator_id: int
    value: float
    as_of: date
    note: str | None
    recorded_at: datetime


class ReadingCreate(SQLModel):
    value: float = Field(ge=-1e12, le=1e12)
    as_of: date
    note: str | None = Field(default=None, max_length=2000)


class IndicatorPublic(SQLModel):
    id: int
    key: str
    name: str
    measure_unit: str
    objective_id: int | None
    targets: list[TargetPublic]
    latest: ReadingPublic | None


class TaskPublic(SQLModel):
    id: int
    key: str
    position: int
    text: str
    status: str
    lead_unit_id: int | None
    supporting_unit_codes: list[str] = []
    # A lead group (every member unit leads its own share): the name as the plan wrote it
    # and the member units' codes; then `lead_unit_id` is null.
    lead_group: str | None = None
    lead_group_codes: list[str] = []
    due_text: str | None
    subtasks: list[TaskPublic] = []


class AreaPublic(SQLModel):
    id: int
    number: int
    title: str
    objectives: list[ObjectivePublic]
    indicators: list[IndicatorPublic]
    tasks: list[TaskPublic]


class PlanTree(PlanPublic):
    areas: list[AreaPublic]


class TaskUnitsUpdate(SQLModel):
    """The task's units after the change (what it had before is replaced): the API's body
    of `PUT /plans/tasks/{id}/units` and the "Phân công" page's form."""

    lead_unit_id: Id | None
    supporting_unit_ids: list[Id] = Field(default_factory=list, max_length=100)


class IssueOverride(SQLModel):
    """The coordinator's edit of one task's row (or, with `unit_id`, of one lead unit's
    row of a task led by a unit group): the API's `POST /plans/{id}/issue` and the
    "Ban hành kế hoạch" page's table alike."""

    task_id: Id
    unit_id: Id | None = Field(
        default=None, description="The lead unit whose row of a group-led task to edit."
    )
    due_on: date | None = None
    assignee_id: Id | None = None
    skip: bool = False
    cancel: bool = Field(default=False, description="Confirm the proposed cancellation.")
