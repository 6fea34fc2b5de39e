"""The `planflow` command line: one sub-command group per concept.

Each group lives in its own module and is registered here. Every connection is checked
against the host's production configuration and the first write names its database
(`api.cli.target`). A `WorkflowError` anywhere,
or a database that cannot answer (not migrated yet, unreachable), becomes one line on
stderr and exit code 2.
"""

from __future__ import annotations

import sys

import typer
from sqlalchemy.exc import DBAPIError

from api.cli import (
    absence,
    calendar,
    db,
    demo,
    files,
    item,
    jobs,
    mail,
    org,
    plan,
    report,
    search,
    serve,
    simulate,
    target,
    user,
)
from workflow.errors import WorkflowError

app = typer.Typer(
    name="planflow",
    help="planflow: turn a plan (kế hoạch) into assigned, deadline-tracked work.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(db.app, name="db")
app.add_typer(org.app, name="org")
app.add_typer(user.app, name="user")
app.add_typer(absence.app, name="absence")
app.add_typer(plan.app, name="plan")
app.add_typer(item.app, name="item")
app.add_typer(calendar.app, name="calendar")
app.add_typer(report.app, name="report")
app.add_typer(search.app, name="search")
app.command("serve")(serve.serve)
app.add_typer(jobs.app, name="jobs")
app.command("worker")(jobs.worker)
app.command("scheduler")(jobs.scheduler)
app.command("simulate")(simulate.simulate)
app.add_typer(demo.app, name="demo")
app.add_typer(mail.app, name="mail")
app.add_typer(files.app, name="files")


def database_error_line(exc: DBAPIError) -> str:
    """One line for a database error a command cannot go on from (no traceback)."""
    reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else str(exc)
    if "no such table" in reason or ("relation" in reason and "does not exist" in reason):
        return "the database has no planflow tables yet: run `planflow db upgrade` first"
    return f"database error: {reason}"


def main() -> None:
    """Entry point of the `planflow` script."""
    # Before any connection: the right database, and said where it is written to.
    target.install()
    try:
        app()
    except WorkflowError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except DBAPIError as exc:
        typer.echo(f"error: {database_error_line(exc)}", err=True)
        sys.exit(2)
