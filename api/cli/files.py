"""`planflow files`: the file store (evidence and report documents, kept in the database)."""

from __future__ import annotations

import typer

from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.services.files import migrate_local_files, stored_totals
from workflow.settings import get_settings

app = typer.Typer(
    help="Stored files (evidence, report documents): kept in the database for every host.",
    no_args_is_help=True,
)


@app.command()
def migrate(
    remove_local: bool = typer.Option(
        False, help="Delete each local file once it is committed to the database."
    ),
) -> None:
    """Move the evidence files and report documents written under the data folder
    (PLANFLOW_VAR_DIR/evidence, /reports) before the file store into the database.

    Safe to run again: files already stored are skipped; a file no row names is listed and
    left where it is.
    """
    settings = get_settings()
    with session_scope() as session:
        done = migrate_local_files(session=session, now=utc_now(), settings=settings)
    # Committed: every moved file is in the database now.
    if remove_local:
        for path in done.moved:
            path.unlink(missing_ok=True)
    for key in done.unnamed:
        typer.echo(f"left {settings.var_dir / key}: no row names it", err=True)
    with session_scope() as session:
        count, size = stored_totals(session=session)
    removed = f", {len(done.moved)} local file(s) removed" if remove_local else ""
    typer.echo(
        f"files: {done.evidence} evidence and {done.reports} report file(s) stored, "
        f"{done.already} already stored, {len(done.unnamed)} left{removed}; "
        f"the store holds {count} file(s), {size} bytes"
    )
