"""What the item page shows beyond the item's own row, and which of its forms the user gets.

The units involved (đơn vị phối hợp, nhận để biết), the plan task the item comes from (with
the plan's deadline phrase it was dated by, and the lead group it is one unit's share of), its
extension requests (đề nghị gia hạn); comments are events of the item's one thread. The forms
shown follow the services' own rules (`may_request_extension`, `may_decide_extension`, the relations
`add_evidence` admits); the services check again when a form is sent.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, col, select

from api.pages.unit_names import unit_label
from workflow.models import (
    ExtensionRequest,
    IssuedTask,
    Plan,
    PlanTask,
    RecurringSeries,
    Unit,
    User,
    WorkItem,
    WorkItemUnit,
)
from workflow.services.extensions import may_decide_extension, may_request_extension
from workflow.services.stand_ins import reminder_recipient, standing_in_for
from workflow.services.work_items import actor_relations
from workflow.settings import Settings
from workflow.states import CLOSED_STATES, PROGRESS_STATES, ActorRelation, State

# Who may attach evidence: the relations `work_items.add_evidence` admits.
EVIDENCE_OWNERS = frozenset({ActorRelation.ASSIGNEE, ActorRelation.LEAD_UNIT_HEAD})


def plan_task_of(session: Session, item: WorkItem) -> PlanTask | None:
    """The plan task the item was assigned from, directly or through its recurring series."""
    task_id = item.plan_task_id
    if task_id is None and item.series_id is not None:
        series = session.get(RecurringSeries, item.series_id)
        task_id = series.plan_task_id if series is not None else None
    return session.get(PlanTask, task_id) if task_id is not None else None


def plan_due_text(session: Session, item: WorkItem, task: PlanTask | None) -> str | None:
    """The plan's deadline phrase the item was dated by: the one it was issued (or last
    moved) with, else the task's own ("Quý II/2027", "Trước 31/10")."""
    if task is None:
        return None
    conds = [col(IssuedTask.work_item_id) == item.id]
    if item.series_id is not None:
        conds.append(col(IssuedTask.series_id) == item.series_id)
    link = session.exec(
        select(IssuedTask).where(IssuedTask.plan_task_id == task.id, or_(*conds))
    ).first()
    return link.due_text if link is not None and link.due_text else task.due_text


def evidence_mb(settings: Settings) -> int:
    """The upload limit in whole megabytes, as the page words it."""
    return max(1, settings.evidence_max_bytes // (1024 * 1024))


def item_details(
    session: Session, *, user: User, item: WorkItem, lang: str, settings: Settings, now: datetime
) -> dict[str, Any]:
    """The item page's extra context; `user_ids` names the people it mentions (for names)."""
    involved = session.exec(
        select(WorkItemUnit.role, Unit)
        .join(Unit, col(Unit.id) == col(WorkItemUnit.unit_id))
        .where(WorkItemUnit.work_item_id == item.id)
        .order_by(col(Unit.name))
    ).all()
    names: dict[str, list[str]] = {"support": [], "inform": []}
    for role, unit in involved:
        names[role].append(unit_label(unit, lang))
    task = plan_task_of(session, item)
    plan = session.get(Plan, task.plan_id) if task is not None else None
    extensions = session.exec(
        select(ExtensionRequest)
        .where(ExtensionRequest.work_item_id == item.id)
        .order_by(col(ExtensionRequest.id))
    ).all()
    is_open = State(item.state) not in CLOSED_STATES
    pending = [x for x in extensions if x.status == "pending"]
    decidable = {
        x.id
        for x in pending
        if may_decide_extension(session=session, item=item, request=x, actor=user)
    }
    rel = actor_relations(session=session, item=item, actor=user, now=now)
    # Shown on the page: the reader stands in for the absent assignee (ủy quyền).
    stand_in = standing_in_for(session=session, item=item, actor=user, now=now)
    to = reminder_recipient(session=session, item=item, now=now)
    user_ids = {x.requested_by_id for x in extensions}
    user_ids |= {x.decided_by_id for x in extensions if x.decided_by_id is not None}
    return {
        "support_units": names["support"],
        "inform_units": names["inform"],
        "plan_task": task,
        "plan_due_text": plan_due_text(session, item, task),
        "plan_title": plan.title if plan is not None else None,
        "extensions": extensions,
        # The assignee reports progress while work is owed (workflow.states.PROGRESS_STATES).
        "may_report_progress": ActorRelation.ASSIGNEE in rel
        and State(item.state) in PROGRESS_STATES,
        "may_attach": is_open and bool(rel & EVIDENCE_OWNERS),
        "evidence_mb": evidence_mb(settings),
        "evidence_types": settings.evidence_types,
        # One pending request at a time (request_extension refuses a second one).
        "may_request": not pending
        and may_request_extension(session=session, item=item, actor=user),
        "decidable": decidable,
        # A refused form (api.pages.item_forms) names its section, message and input.
        "form_section": None,
        "form_error": None,
        "form": {},
        "user_ids": user_ids,
        "acting_for": stand_in.full_name if stand_in is not None else None,
        # The assignee left or moved: the item waits for its head to reassign it.
        "waits_reassign": to is not None and to.why == "to_reassign",
    }
