"""`planflow org`: the organisation chart (units, users, reporting line)."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli.common import read_text_file
from workflow.db import session_scope
from workflow.services.org import load_org
from workflow.settings import get_settings

app = typer.Typer(help="Organisation: units, users and who oversees whom.", no_args_is_help=True)


@app.command()
def load(file: Path = typer.Argument(..., help="YAML file with 'units:' and 'users:'.")) -> None:
    """Create or update units and users from FILE (idempotent; all or nothing)."""
    text = read_text_file(file, limit=get_settings().yaml_max_bytes)
    with session_scope() as session:
        result = load_org(session=session, text=text, source=str(file))
    for line in result.created:
        typer.echo(f"created {line}")
    for line in result.updated:
        typer.echo(f"updated {line}")
    typer.echo(
        f"{len(result.created)} created, {len(result.updated)} updated, "
        f"{result.unchanged} unchanged"
    )
