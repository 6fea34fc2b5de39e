"""`planflow absence`: absences with a delegate (vắng mặt, ủy quyền): during one the delegate
receives the person's reminders and may act on their items (`workflow.services.people`)."""

from __future__ import annotations

import typer

from api.cli.item import user_by_name
from workflow.clock import utc_now
from workflow.dates import format_day, parse_day
from workflow.db import session_scope
from workflow.errors import InvalidInput
from workflow.models import User
from workflow.services import people

app = typer.Typer(help="Absences with a delegate (ủy quyền).", no_args_is_help=True)


@app.command("add")
def add(
    username: str = typer.Argument(..., help="Who is absent."),
    delegate: str = typer.Option(..., "--delegate", help="Who stands in (same unit)."),
    start: str = typer.Option(..., "--from", help="First day (dd/mm/yyyy)."),
    end: str = typer.Option(..., "--to", help="Last day (dd/mm/yyyy), included."),
    note: str | None = typer.Option(None, help="A note (nghỉ phép, công tác...)."),
    as_user: str | None = typer.Option(
        None, "--as", help="Who records it: the person (default), their head or an admin."
    ),
) -> None:
    """Record USERNAME's absence with a delegate from --from to --to."""
    starts_on, ends_on = parse_day(start), parse_day(end)
    if starts_on is None or ends_on is None:
        raise InvalidInput("--from and --to are dates (dd/mm/yyyy or yyyy-mm-dd)")
    with session_scope() as session:
        person = user_by_name(session, username)
        absence = people.record_absence(
            session=session,
            now=utc_now(),
            actor=user_by_name(session, as_user) if as_user else person,
            user_id=person.id or 0,
            delegate_id=user_by_name(session, delegate).id or 0,
            starts_on=starts_on,
            ends_on=ends_on,
            note=note,
        )
        typer.echo(
            f"absence #{absence.id}: {username} {format_day(starts_on)}–{format_day(ends_on)},"
            f" delegate {delegate}"
        )


@app.command("list")
def list_cmd(
    as_user: str = typer.Option(..., "--as", help="Whose view: own, a head's unit, admin all."),
) -> None:
    """The current and coming absences USERNAME may see."""
    with session_scope() as session:
        actor = user_by_name(session, as_user)
        for a in people.absences_for(session=session, actor=actor, now=utc_now()):
            person, stand_in = session.get(User, a.user_id), session.get(User, a.delegate_id)
            typer.echo(
                f"#{a.id} {person.username if person else a.user_id}"
                f" {format_day(a.starts_on)}–{format_day(a.ends_on)}"
                f" → {stand_in.username if stand_in else a.delegate_id} {a.note or ''}".rstrip()
            )


@app.command("cancel")
def cancel(
    absence_id: int = typer.Argument(..., help="The absence's number (from list)."),
    as_user: str = typer.Option(..., "--as", help="The person, their head or an admin."),
) -> None:
    """End an absence now: everything returns to the person."""
    with session_scope() as session:
        people.cancel_absence(
            session=session,
            now=utc_now(),
            actor=user_by_name(session, as_user),
            absence_id=absence_id,
        )
    typer.echo(f"absence #{absence_id} ended")
