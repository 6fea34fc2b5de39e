"""Distributing a plan task to units (phân công đơn vị chủ trì, phối hợp) over the API.

`PUT /plans/tasks/{task_id}/units` replaces the task's lead and supporting units; the
coordinator, the director and administrators may (`workflow.services.plan_units`). Errors
are problem+json: 403 for others, 404 for no such task, 409 for a withdrawn task, 422 for
an unknown unit or a lead that also supports.
"""

from __future__ import annotations

from fastapi import APIRouter
from sqlmodel import SQLModel

from api.deps import CurrentUser, SessionDep
from api.schemas.common import Id
from api.schemas.plans import TaskUnitsUpdate
from workflow.services.plan_units import set_task_units

router = APIRouter(prefix="/plans/tasks", tags=["plans"])


class TaskUnitsPublic(SQLModel):
    id: int
    plan_id: int
    key: str
    lead_unit_id: int | None
    supporting_unit_ids: list[int]
    supporting_unit_codes: list[str]
    changed: bool


@router.put("/{task_id}/units", response_model=TaskUnitsPublic)
def put_task_units(
    task_id: Id, body: TaskUnitsUpdate, user: CurrentUser, session: SessionDep
) -> TaskUnitsPublic:
    """Set the lead unit (đơn vị chủ trì) and supporting units (đơn vị phối hợp) of a task."""
    result = set_task_units(
        session=session,
        actor=user,
        task_id=task_id,
        lead=body.lead_unit_id,
        supporting=body.supporting_unit_ids,
    )
    return TaskUnitsPublic(
        id=result.task.id or 0,
        plan_id=result.task.plan_id,
        key=result.task.key,
        lead_unit_id=result.lead.id if result.lead else None,
        supporting_unit_ids=[u.id or 0 for u in result.supporting],
        supporting_unit_codes=[u.code for u in result.supporting],
        changed=result.changed,
    )
