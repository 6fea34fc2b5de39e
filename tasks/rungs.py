"""What the sweep does for one due item: queue each rung's mail, escalate, move the due time.

Reminders (nhắc việc) go to the assignee. Escalation follows the reporting line: level 1 the
lead unit's head, level 2 the deputy director in charge (Phó Giám đốc phụ trách), level 3 the
director; a missing person hands the mail to the next level up. Dedup keys carry the due date,
so an extension (gia hạn) restarts the ladder while a rerun of the same tick queues nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session

from notifications import outbox
from tasks.jobs import ItemOutcome
from workflow import deadlines
from workflow.calendar import WorkCalendar, load_calendar, local_date
from workflow.models.org import Unit, User
from workflow.models.plan import Plan, PlanTask
from workflow.models.work import WorkItem, WorkItemEvent
from workflow.services import org
from workflow.settings import get_settings


@dataclass
class Context:
    """Shared by the items of one sweep: calendar, zone, ladders per plan, people."""

    calendar: WorkCalendar
    tz: str
    base_url: str
    ladders: dict[int | None, deadlines.Ladder] = field(default_factory=dict)


def make_context(session: Session) -> Context:
    settings = get_settings()
    return Context(
        calendar=load_calendar(session=session), tz=settings.timezone, base_url=settings.base_url
    )


def _ladder(session: Session, item: WorkItem, ctx: Context) -> deadlines.Ladder:
    plan_id: int | None = None
    if item.plan_task_id is not None:
        task = session.get(PlanTask, item.plan_task_id)
        plan_id = task.plan_id if task else None
    if plan_id not in ctx.ladders:
        plan = session.get(Plan, plan_id) if plan_id is not None else None
        ctx.ladders[plan_id] = deadlines.ladder_for(plan.policy if plan else None)
    return ctx.ladders[plan_id]


def escalation_recipient(*, session: Session, item: WorkItem, level: int) -> User | None:
    """Who receives escalation `level` for the item; climbs when a post is vacant."""
    chain = [
        lambda: org.unit_head(session=session, unit_id=item.lead_unit_id),
        lambda: org.overseer(session=session, unit_id=item.lead_unit_id),
        lambda: org.director(session=session),
    ]
    for find in chain[max(level, 1) - 1 :]:
        user = find()
        if user is not None and user.is_active:
            return user
    return None


def _item_ref(session: Session, item: WorkItem) -> dict[str, Any]:
    unit = session.get(Unit, item.lead_unit_id)
    assignee = session.get(User, item.assignee_id)
    return {
        "id": item.id,
        "title": item.title,
        "due_at": item.due_at.isoformat(),
        "unit_name": unit.name if unit else "",
        "assignee_name": assignee.full_name if assignee else "",
    }


def reminder_context(
    session: Session, item: WorkItem, kind: str, recipient: User, now: datetime, ctx: Context
) -> dict[str, Any]:
    """The typed context (notifications.contexts) of a reminder, due-today or overdue mail."""
    today = local_date(now, tz=ctx.tz)
    due_day = local_date(item.due_at, tz=ctx.tz)
    out: dict[str, Any] = {"recipient_name": recipient.full_name, "item": _item_ref(session, item)}
    if kind == "reminder":
        out["working_days_left"] = max(1, ctx.calendar.working_days_between(today, due_day))
    elif kind == "overdue":
        out["working_days_late"] = max(0, ctx.calendar.working_days_between(due_day, today))
    return out


def escalation_context(
    session: Session, item: WorkItem, level: int, recipient: User, now: datetime, ctx: Context
) -> dict[str, Any]:
    """The escalation mail's context: one item per mail; digests group them per recipient."""
    today = local_date(now, tz=ctx.tz)
    late = max(0, ctx.calendar.working_days_between(local_date(item.due_at, tz=ctx.tz), today))
    ref = _item_ref(session, item) | {"working_days_late": late}
    return {
        "recipient_name": recipient.full_name,
        "level": level,
        "unit_names": [ref["unit_name"]],
        "items": [ref],
    }


def process_item(session: Session, item: WorkItem, now: datetime, ctx: Context) -> ItemOutcome:
    """Queue every rung of `item` whose time came, then compute its next action time."""
    ladder = _ladder(session, item, ctx)
    reminders = escalations = 0
    due_key = item.due_at.strftime("%Y%m%d")
    for rung in deadlines.due_rungs(item, now=now, calendar=ctx.calendar, ladder=ladder, tz=ctx.tz):
        level = rung.level
        if level > 0:
            recipient = escalation_recipient(session=session, item=item, level=level)
            if recipient is not None:
                outbox.enqueue(
                    session=session,
                    kind="escalation",
                    recipient=recipient,
                    context=escalation_context(session, item, level, recipient, now, ctx),
                    dedup_key=f"escalation:{item.id}:{due_key}:{level}",
                    now=now,
                    work_item_id=item.id,
                )
                escalations += 1
            session.add(
                WorkItemEvent(
                    work_item_id=item.id or 0,
                    action="escalate",
                    from_state=item.state,
                    to_state=item.state,
                    at=now,
                    changes={
                        "escalation_level": [item.escalation_level, level],
                        "recipient_id": recipient.id if recipient else None,
                    },
                )
            )
            item.escalation_level = max(item.escalation_level, level)
        else:
            assignee = session.get(User, item.assignee_id)
            if assignee is not None:
                kind = rung.kind
                outbox.enqueue(
                    session=session,
                    kind=kind,
                    recipient=assignee,
                    context=reminder_context(session, item, kind, assignee, now, ctx),
                    dedup_key=f"reminder:{item.id}:{due_key}:{rung.name}",
                    now=now,
                    work_item_id=item.id,
                )
                reminders += 1
        deadlines.mark_sent(item, rung)
    item.next_action_at = deadlines.compute_next_action_at(
        item, calendar=ctx.calendar, ladder=ladder, tz=ctx.tz
    )
    session.add(item)
    return ItemOutcome(reminders=reminders, escalations=escalations)
