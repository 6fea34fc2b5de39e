"""`planflow demo seed`: a few sample work items around today, for `make run`."""

from __future__ import annotations

import typer

from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.services.demo import seed_demo_history, seed_demo_items

app = typer.Typer(help="Demo data for trying planflow out.", no_args_is_help=True)


@app.command()
def seed() -> None:
    """Assign a handful of the imported plan's tasks with due dates around today, and the last
    reported quarter's work with its report frozen (idempotent)."""
    now = utc_now()
    with session_scope() as session:
        result = seed_demo_items(session=session, now=now)
        for item in result.created:
            typer.echo(f"created work item {item.id}: due {item.due_at:%Y-%m-%d} {item.title[:60]}")
        history = seed_demo_history(session=session, now=now)
    typer.echo(f"demo: {len(result.created)} created, {result.existing} already there")
    if history.report_id is not None:
        typer.echo(
            f"demo: {len(history.created)} items of {history.period_label}, "
            f"report {history.report_id} frozen"
        )
