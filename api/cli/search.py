"""`planflow search`: the search index (workflow/search_index.py)."""

from __future__ import annotations

import typer

from workflow import search_index
from workflow.db import session_scope

app = typer.Typer(
    help="The search index of items, plan tasks, comments and evidence.", no_args_is_help=True
)


@app.command("reindex")
def reindex_cmd() -> None:
    """Index every work item, plan task, comment and evidence again (e.g. after restoring
    a database dumped without its index); the write path keeps it in step otherwise."""
    with session_scope() as session:
        count = search_index.rebuild(session=session)
    typer.echo(f"{count} object(s) indexed")
