"""`planflow db`: schema migrations."""

from __future__ import annotations

import typer

from api.cli.target import check_target, shown
from workflow import migrate
from workflow.settings import get_settings

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(
    url: str | None = typer.Option(None, help="Database URL (default: PLANFLOW_DATABASE_URL)."),
) -> None:
    """Apply all migrations up to the newest schema."""
    if url is None:
        check_target(get_settings())
    target = url or get_settings().database_url
    if target.startswith("sqlite:///"):
        from pathlib import Path

        Path(target.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    applied = migrate.upgrade(target)
    where = shown(target)
    for line in applied:
        typer.echo(f"applied {line}")
    at = ", ".join(sorted(migrate.current_revisions(target))) or "none"
    if applied:
        typer.echo(f"{where}: {len(applied)} migration(s) applied, now at {at} (newest)")
    else:
        typer.echo(f"{where}: nothing to apply, already at {at} (newest)")
