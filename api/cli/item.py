"""`planflow item`: assign, list, show and act on work items (giao việc) from scripts."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import typer
from sqlmodel import Session, select

from workflow.calendar import load_calendar, local_date
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.deadlines import flag
from workflow.errors import InvalidInput, NotFound
from workflow.models import Unit, User, WorkItem, WorkItemUnit
from workflow.priority import Priority
from workflow.services.extensions import decide_extension, request_extension
from workflow.services.work_items import (
    ItemSpec,
    act,
    actions_for,
    add_evidence,
    assign,
    get_item,
    history,
    list_items,
)
from workflow.settings import get_settings
from workflow.states import State

app = typer.Typer(help="Work items: assign, list, show, act.", no_args_is_help=True)

AS_USER = typer.Option(..., "--as", help="Username of the person acting.")


def user_by_name(session: Session, username: str) -> User:
    """The user called `username` or NotFound."""
    user = session.exec(select(User).where(User.username == username)).first()
    if user is None:
        raise NotFound(f"no user {username!r}")
    return user


def unit_by_code(session: Session, code: str) -> Unit:
    """The unit with `code` or NotFound."""
    unit = session.exec(select(Unit).where(Unit.code == code)).first()
    if unit is None:
        raise NotFound(f"no unit {code!r}")
    return unit


def item_line(session: Session, item: WorkItem, *, now: datetime) -> str:
    """One item as a tab-separated line: id, state, deadline flag, due date, version, title."""
    s = get_settings()
    f = flag(item, now=now, calendar=load_calendar(session=session), settings=s)
    due = local_date(item.due_at, tz=s.timezone).strftime("%d/%m/%Y")
    return f"#{item.id}\t{item.state}\t{f.value}\t{due}\tv{item.version}\t{item.title}"


@app.command("assign")
def assign_cmd(
    title: str = typer.Argument(..., help="What to do."),
    actor: str = AS_USER,
    unit: str = typer.Option(..., help="Lead unit code (chủ trì)."),
    assignee: str = typer.Option(..., help="Username of the officer."),
    start: str = typer.Option(..., help="Start date YYYY-MM-DD."),
    due: str | None = typer.Option(None, help="Due date YYYY-MM-DD."),
    days: int | None = typer.Option(None, help="Or: due N working days after start."),
    support: list[str] = typer.Option([], help="Supporting unit code (phối hợp); repeatable."),
    inform: list[str] = typer.Option([], help="Unit code for information; repeatable."),
    evidence: str | None = typer.Option(None, help="Evidence required (sản phẩm)."),
    priority: Priority = typer.Option(Priority.NORMAL.value, help="How pressing."),
) -> None:
    """Assign one work item."""
    with session_scope() as session:
        spec = ItemSpec(
            title=title,
            lead_unit_id=unit_by_code(session, unit).id or 0,
            assignee_id=user_by_name(session, assignee).id or 0,
            start_on=parse_date(start),
            due_on=parse_date(due) if due else None,
            due_working_days=days,
            supporting_unit_ids=tuple(unit_by_code(session, c).id or 0 for c in support),
            inform_unit_ids=tuple(unit_by_code(session, c).id or 0 for c in inform),
            evidence_required=evidence,
            priority=priority.value,
        )
        item = assign(session=session, now=utc_now(), actor=user_by_name(session, actor), spec=spec)
        typer.echo(item_line(session, item, now=utc_now()))


@app.command("list")
def list_cmd(
    unit: str | None = typer.Option(None, help="Lead unit code."),
    assignee: str | None = typer.Option(None, help="Username."),
    state: list[State] = typer.Option([], help="State; repeatable."),
) -> None:
    """List items, earliest deadline first."""
    with session_scope() as session:
        items = list_items(
            session=session,
            unit_ids=[unit_by_code(session, unit).id or 0] if unit else None,
            assignee_id=user_by_name(session, assignee).id if assignee else None,
            states=[s.value for s in state] or None,
        )
        for item in items:
            typer.echo(item_line(session, item, now=utc_now()))
        typer.echo(f"{len(items)} item(s)")


@app.command("show")
def show_cmd(
    item_id: int = typer.Argument(...),
    actor: str | None = typer.Option(None, "--as", help="Also list what this user may do."),
) -> None:
    """Show one item, its units and its history."""
    with session_scope() as session:
        item = get_item(session=session, item_id=item_id, lock=False)
        tz = get_settings().timezone
        typer.echo(item_line(session, item, now=utc_now()))
        typer.echo(f"start {item.start_on:%d/%m/%Y}  original due {item.original_due_at:%Y-%m-%d}")
        typer.echo(
            f"next action at {item.next_action_at.isoformat() if item.next_action_at else '-'}"
        )
        for link in session.exec(select(WorkItemUnit).where(WorkItemUnit.work_item_id == item_id)):
            u = session.get(Unit, link.unit_id)
            typer.echo(f"{link.role}: {u.code if u else link.unit_id}")
        if actor:
            allowed = actions_for(
                session=session, item=item, actor=user_by_name(session, actor), now=utc_now()
            )
            typer.echo("may: " + (", ".join(a.value for a in allowed) or "-"))
        for e in history(session=session, item_id=item_id):
            when = e.at.astimezone(ZoneInfo(tz)).strftime("%d/%m/%Y %H:%M")
            typer.echo(f"  {when} {e.action} {e.from_state}->{e.to_state} {e.comment or ''}")


@app.command("act")
def act_cmd(
    item_id: int = typer.Argument(...),
    action: str = typer.Argument(..., help="accept, return, start, submit, approve, ..."),
    actor: str = AS_USER,
    comment: str | None = typer.Option(None, "--comment", "-m", help="Reason / note."),
    version: int | None = typer.Option(None, help="Expected version (optimistic locking)."),
    assignee: str | None = typer.Option(None, help="New assignee (reassign)."),
    evidence: str | None = typer.Option(None, help="Attach this evidence note first."),
) -> None:
    """Take an action on an item (evidence, extension-request and extension-decide too)."""
    with session_scope() as session:
        who = user_by_name(session, actor)
        now = utc_now()
        if evidence:
            add_evidence(session=session, now=now, actor=who, item_id=item_id, note=evidence)
        item = act(
            session=session,
            now=now,
            actor=who,
            item_id=item_id,
            action=action,
            comment=comment,
            expected_version=version,
            assignee_id=user_by_name(session, assignee).id if assignee else None,
        )
        typer.echo(item_line(session, item, now=utc_now()))


@app.command("extend")
def extend_cmd(
    item_id: int = typer.Argument(...),
    to: str = typer.Option(..., help="Requested due date YYYY-MM-DD."),
    reason: str = typer.Option(..., help="Why (lý do)."),
    actor: str = AS_USER,
) -> None:
    """Request an extension (đề nghị gia hạn)."""
    with session_scope() as session:
        req = request_extension(
            session=session,
            now=utc_now(),
            actor=user_by_name(session, actor),
            item_id=item_id,
            requested_due_on=parse_date(to),
            reason=reason,
        )
        typer.echo(f"extension request #{req.id} pending")


@app.command("decide")
def decide_cmd(
    request_id: int = typer.Argument(...),
    approve: bool = typer.Option(..., "--approve/--refuse"),
    actor: str = AS_USER,
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Approve or refuse an extension request."""
    with session_scope() as session:
        req = decide_extension(
            session=session,
            now=utc_now(),
            actor=user_by_name(session, actor),
            request_id=request_id,
            approve=approve,
            note=note,
        )
        typer.echo(f"extension request #{req.id} {req.status}")


def parse_date(text: str) -> date:
    """A YYYY-MM-DD date or InvalidInput."""
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"bad date {text!r}: expected YYYY-MM-DD") from exc
