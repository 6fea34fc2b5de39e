"""`planflow db`: schema migrations."""

from __future__ import annotations

import typer

from workflow import migrate
from workflow.settings import get_settings

app = typer.Typer(help="Database schema (Alembic migrations).", no_args_is_help=True)


@app.command()
def upgrade(
    url: str | None = typer.Option(None, help="Database URL (default: PLANFLOW_DATABASE_URL)."),
) -> None:
    """Apply all migrations up to the newest schema."""
    target = url or get_settings().database_url
    if target.startswith("sqlite:///"):
        from pathlib import Path

        Path(target.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(target)
    typer.echo("database is up to date")
