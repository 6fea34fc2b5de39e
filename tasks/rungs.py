"""What the sweep does for one due item: queue each rung's mail, escalate, move the due time.

Reminders (nhắc việc), due-today and overdue mails go to whom `workflow.services.stand_ins`
says: the assignee, the delegate during their absence, the lead unit's head while the item
waits to be reassigned (its assignee left or moved). Escalation follows
the reporting line: level 1 the lead unit's head, level 2 the deputy director in charge
(Phó Giám đốc phụ trách, `Unit.overseer_id`), level 3 the director; a vacant post hands the
mail to the next level up. Each escalation is written to the item's history.

Dedup keys are built from stable ids and the due date in the agency's zone, so an
extension (gia hạn) restarts the ladder while a rerun of the same tick queues nothing.
Catch-up after an outage is `workflow.deadlines.due_rungs`: passed reminder rungs collapse
into the latest one, each escalation level still fires once.

An item awaiting review (chờ duyệt) waits on its reviewer, not its assignee: its ladder is
held (no next action) until a decision; rework recomputes it and the rungs that came
meanwhile collapse into one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session

from notifications import outbox
from notifications.contexts import (
    DueTodayContext,
    EscalationContext,
    EscalationItem,
    MailContext,
    OverdueContext,
    ReminderContext,
)
from notifications.events import item_ref
from notifications.grouping import run_group_key
from tasks.jobs import ItemOutcome
from workflow import deadlines
from workflow.calendar import WorkCalendar, load_calendar, local_date
from workflow.db import is_postgres
from workflow.models.org import User
from workflow.models.work import WorkItem
from workflow.services.stand_ins import line_above, reminder_recipient
from workflow.services.work_items import ladder_of, record_change, snapshot
from workflow.settings import get_settings
from workflow.states import State


@dataclass
class Context:
    """Shared by the items of one sweep: calendar, zone, ladders per plan source, and the
    org and mail lookups (escalation recipients per unit, recipients' preferences)."""

    calendar: WorkCalendar
    tz: str
    ladders: dict[tuple[int | None, int | None], deadlines.Ladder] = field(default_factory=dict)
    recipients: dict[tuple[int, int], User | None] = field(default_factory=dict)
    lookups: outbox.RecipientLookups = field(default_factory=outbox.RecipientLookups)
    mail: outbox.PendingMail = field(default_factory=outbox.PendingMail)
    settle: timedelta = timedelta(0)

    def finish_batch(self, session: Session) -> None:
        """Write the batch's mails: one multi-row INSERT instead of one per mail."""
        self.mail.write(session)

    def discard_batch(self) -> None:
        """The batch's savepoint rolled back: its mails go with it."""
        self.mail.rows.clear()


def make_context(session: Session) -> Context:
    """The sweep context: the working calendar is loaded once per sweep, not per item."""
    settings = get_settings()
    # Only PostgreSQL (distributed mode) splits a run over Celery batches that the morning
    # mail must wait for; embedded mode sweeps in one transaction (decision 0021).
    settle = settings.mail_group_settle_seconds if is_postgres(session) else 0.0
    return Context(
        calendar=load_calendar(session=session),
        tz=settings.timezone,
        settle=timedelta(seconds=settle),
    )


def _ladder(session: Session, item: WorkItem, ctx: Context) -> deadlines.Ladder:
    key = (item.plan_task_id, item.series_id)
    if key not in ctx.ladders:
        ctx.ladders[key] = ladder_of(session=session, item=item)
    return ctx.ladders[key]


def escalation_recipient(*, session: Session, item: WorkItem, level: int) -> User | None:
    """Who receives escalation `level` for the item; climbs when a post is vacant."""
    return line_above(session=session, unit_id=item.lead_unit_id, level=level)


def _escalation_recipient(
    session: Session, item: WorkItem, level: int, ctx: Context
) -> User | None:
    key = (level, item.lead_unit_id)
    if key not in ctx.recipients:
        ctx.recipients[key] = escalation_recipient(session=session, item=item, level=level)
    return ctx.recipients[key]


def reminder_key(item: WorkItem, rung: str, *, tz: str) -> str:
    """`reminder:{item_id}:{due:%Y%m%d}:{rung}` (the rung name: remind-5, due-today, overdue)."""
    return f"reminder:{item.id}:{local_date(item.due_at, tz=tz):%Y%m%d}:{rung}"


def escalation_key(item: WorkItem, level: int, *, tz: str) -> str:
    """`escalation:{item_id}:{due:%Y%m%d}:{level}`."""
    return f"escalation:{item.id}:{local_date(item.due_at, tz=tz):%Y%m%d}:{level}"


def _late_days(item: WorkItem, now: datetime, ctx: Context) -> int:
    today = local_date(now, tz=ctx.tz)
    return max(0, ctx.calendar.working_days_between(local_date(item.due_at, tz=ctx.tz), today))


def reminder_context(
    session: Session, item: WorkItem, kind: str, recipient: User, now: datetime, ctx: Context
) -> MailContext:
    """The typed context of a reminder, due-today or overdue mail."""
    ref = item_ref(session, item)
    name = recipient.full_name
    if kind == deadlines.KIND_REMINDER:
        left = ctx.calendar.working_days_between(
            local_date(now, tz=ctx.tz), local_date(item.due_at, tz=ctx.tz)
        )
        return ReminderContext(recipient_name=name, item=ref, working_days_left=max(1, left))
    if kind == deadlines.KIND_DUE_TODAY:
        return DueTodayContext(recipient_name=name, item=ref)
    return OverdueContext(
        recipient_name=name, item=ref, working_days_late=_late_days(item, now, ctx)
    )


def escalation_context(
    session: Session, item: WorkItem, level: int, recipient: User, now: datetime, ctx: Context
) -> EscalationContext:
    """One item per mail; a digest-mode manager gets them grouped by the outbox."""
    ref = item_ref(session, item)
    late = EscalationItem(**ref.model_dump(), working_days_late=_late_days(item, now, ctx))
    return EscalationContext(
        recipient_name=recipient.full_name,
        level=level,
        unit_names=[ref.unit_name],
        unit_names_en=[ref.unit_name_en] if ref.unit_name_en else [],
        items=[late],
    )


def _escalate(
    session: Session, item: WorkItem, rung: deadlines.RungAt, now: datetime, ctx: Context
) -> bool:
    """Queue escalation `rung.level` and record it on the item's history; True if mailed."""
    level = rung.level
    recipient = _escalation_recipient(session, item, level, ctx)
    if recipient is not None:
        ctx.mail.add(
            outbox.prepare(
                session=session,
                kind="escalation",
                recipient=recipient,
                context=escalation_context(session, item, level, recipient, now, ctx),
                dedup_key=escalation_key(item, level, tz=ctx.tz),
                now=now,
                work_item_id=item.id,
                lookups=ctx.lookups,
                # A manager's escalations of one run are one mail too (decision 0021).
                group_key=run_group_key(now=now),
                group_at=now + ctx.settle,
            )
        )
    before = snapshot(item)
    previous = item.escalation_level
    deadlines.mark_sent(item, rung)
    record_change(
        session=session,
        now=now,
        item=item,
        actor=None,
        action="escalate",
        before=before,
        extra={
            "escalation_level": {"from": previous, "to": item.escalation_level},
            "recipient_id": recipient.id if recipient else None,
        },
    )
    return recipient is not None


def process_item(session: Session, item: WorkItem, now: datetime, ctx: Context) -> ItemOutcome:
    """Queue every rung of `item` whose time came, then compute its next action time.

    The mails are prepared into `ctx.mail` and written by the sweep at the batch's end in
    one multi-row INSERT; without autoflush, the batch's UPDATEs and history rows go out
    together at the batch's flush (executemany) instead of one flush per item."""
    with session.no_autoflush:
        return _process_item(session, item, now, ctx)


def _process_item(session: Session, item: WorkItem, now: datetime, ctx: Context) -> ItemOutcome:
    if item.state == State.AWAITING_REVIEW:
        item.next_action_at = None
        session.add(item)
        return ItemOutcome()
    ladder = _ladder(session, item, ctx)
    reminders = escalations = 0
    for rung in deadlines.due_rungs(item, now=now, calendar=ctx.calendar, ladder=ladder, tz=ctx.tz):
        if rung.kind == deadlines.KIND_ESCALATION:
            escalations += _escalate(session, item, rung, now, ctx)
            continue
        to = reminder_recipient(session=session, item=item, now=now)
        if to is not None:
            ctx.mail.add(
                outbox.prepare(
                    session=session,
                    kind=rung.kind,
                    recipient=to.user,
                    context=reminder_context(session, item, rung.kind, to.user, now, ctx),
                    dedup_key=reminder_key(item, rung.name, tz=ctx.tz),
                    now=now,
                    work_item_id=item.id,
                    lookups=ctx.lookups,
                    # One morning mail per person: the run's notices are folded together
                    # once its other batches had time to finish (decision 0021).
                    group_key=run_group_key(now=now),
                    group_at=now + ctx.settle,
                )
            )
            reminders += 1
        deadlines.mark_sent(item, rung)
    item.next_action_at = deadlines.compute_next_action_at(
        item, calendar=ctx.calendar, ladder=ladder, tz=ctx.tz
    )
    session.add(item)
    return ItemOutcome(reminders=reminders, escalations=escalations)
