"""`planflow calendar`: working-day overrides (a day declared off, a Saturday worked)."""

from __future__ import annotations

import typer

from api.cli.item import parse_date, user_by_name
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.services.calendar import add_override, list_overrides, remove_override

app = typer.Typer(help="Working-day calendar overrides.", no_args_is_help=True)


@app.command("add")
def add_cmd(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    working: bool = typer.Option(..., "--working/--off", help="Declared working or off."),
    reason: str = typer.Option(..., help="The decision that published it."),
    actor: str = typer.Option(..., "--as", help="Coordinator's username."),
) -> None:
    """Add (or replace) the override of DAY; open deadlines are recomputed."""
    with session_scope() as session:
        result = add_override(
            session=session,
            now=utc_now(),
            actor=user_by_name(session, actor),
            day=parse_date(day),
            is_working=working,
            reason=reason,
        )
        kind = "working" if working else "off"
        typer.echo(f"{day} {kind}; {len(result.moved_item_ids)} deadline(s) moved")


@app.command("remove")
def remove_cmd(
    day: str = typer.Argument(..., help="YYYY-MM-DD"),
    actor: str = typer.Option(..., "--as", help="Coordinator's username."),
) -> None:
    """Remove the override of DAY; open deadlines are recomputed."""
    with session_scope() as session:
        result = remove_override(
            session=session, now=utc_now(), actor=user_by_name(session, actor), day=parse_date(day)
        )
        typer.echo(f"{day} removed; {len(result.moved_item_ids)} deadline(s) moved")


@app.command("list")
def list_cmd(year: int | None = typer.Option(None, help="Only this year.")) -> None:
    """List the overrides."""
    with session_scope() as session:
        rows = list_overrides(session=session, year=year)
        for row in rows:
            typer.echo(
                f"{row.day.isoformat()}\t{'working' if row.is_working else 'off'}\t{row.reason}"
            )
        typer.echo(f"{len(rows)} override(s)")
