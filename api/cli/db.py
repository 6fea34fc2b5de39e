"""`planflow db`: schema migrations, backup and restore."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.target import check_target, shown
from workflow import backup as backup_mod
from workflow import migrate
from workflow.clock import utc_now
from workflow.settings import get_settings

app = typer.Typer(help="Database: schema migrations, backup and restore.", no_args_is_help=True)


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


def _summary(outcome: backup_mod.Outcome) -> str:
    counts = ", ".join(f"{name} {n}" for name, n in outcome.counts.items())
    return f"{counts}; {outcome.files} files; schema {','.join(outcome.revision)}"


@app.command()
def backup(
    file: Path = typer.Argument(..., help="Archive to write, e.g. planflow-2026-03-31.tar.gz."),
) -> None:
    """Back up the database and the evidence and report files into FILE (the application may
    keep running: pg_dump and SQLite's backup API take a consistent copy)."""
    settings = get_settings()
    outcome = backup_mod.backup(
        url=settings.database_url, var_dir=settings.var_dir, target=file, now=utc_now()
    )
    typer.echo(f"backed up {outcome.database} to {outcome.path}: {_summary(outcome)}")


@app.command()
def restore(
    file: Path = typer.Argument(..., help="Archive written by `planflow db backup`."),
    force: bool = typer.Option(
        False, "--force", help="Replace a database and files that are not empty."
    ),
) -> None:
    """Restore FILE into the configured database and var directory (stop the servers,
    workers and scheduler first). Refuses a database or var directory that holds data
    unless --force."""
    settings = get_settings()
    outcome = backup_mod.restore(
        url=settings.database_url, var_dir=settings.var_dir, archive=file, force=force
    )
    typer.echo(f"restored {outcome.database} from {outcome.path}: {_summary(outcome)}")
    typer.echo("next: `planflow db upgrade` (a backup from an older release is migrated)")
