"""`planflow plan`: import a plan document (kế hoạch) as a tracked plan tree."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.tree import Tree
from sqlmodel import Session

from workflow.clock import utc_now
from workflow.db import get_engine, session_scope
from workflow.errors import InvalidInput
from workflow.importer import ImportResult, PlanTree, parse_document, to_jsonable, upsert_plan
from workflow.importer.text import short

app = typer.Typer(help="Plans: import a plan document into areas, objectives and tasks.")


def _rich_tree(tree: PlanTree) -> Tree:
    root = Tree(f"[bold]{tree.title}[/] ({tree.key})")
    for area in tree.areas:
        branch = root.add(f"[bold]{area.number}. {area.title}[/]")
        goals = branch.add(f"Mục tiêu ({len(area.objectives)})")
        for o in area.objectives:
            year = f"[{o.milestone_year}] " if o.milestone_year else ""
            goals.add(f"{year}{short(o.text, 90)}")
        for ind in area.indicators:
            targets = ", ".join(f"{t.year} {t.comparator} {t.value:g}" for t in ind.targets)
            goals.add(f"[cyan]chỉ tiêu[/] {short(ind.name, 60)} → {targets}")
        tasks = branch.add(f"Nhiệm vụ ({len(area.tasks)})")
        for t in area.tasks:
            node = tasks.add(short(t.text, 90))
            for c in t.children:
                node.add(short(c.text, 86))
    return root


def _write(tree: PlanTree, *, source: str, digest: str, key: str | None, dry: bool) -> ImportResult:
    if not dry:
        with session_scope() as session:
            return upsert_plan(
                session=session, tree=tree, now=utc_now(), source=source,
                source_sha256=digest, key=key,
            )  # fmt: skip
    # A dry run computes the same changes inside a transaction it then rolls back.
    with Session(get_engine()) as session:
        try:
            return upsert_plan(
                session=session, tree=tree, now=utc_now(), source=source,
                source_sha256=digest, key=key,
            )  # fmt: skip
        finally:
            session.rollback()


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="Plan as text/markdown (.txt, .md) or Word (.docx)."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show the tree and changes; write nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the tree and changes as JSON."),
    key: str | None = typer.Option(None, help="Plan key (default: from the title)."),
) -> None:
    """Create or update a plan from FILE; importing the same file again changes nothing."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read ({exc.strerror})") from exc
    started = time.perf_counter()
    tree = parse_document(data, source=str(file))
    digest = hashlib.sha256(data).hexdigest()
    result = _write(tree, source=str(file), digest=digest, key=key, dry=dry_run)
    elapsed = time.perf_counter() - started
    if as_json:
        payload = {
            "plan": to_jsonable(tree),
            "dry_run": dry_run,
            "changes": result.lines(),
            "unchanged": result.unchanged,
        }
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console()
    if dry_run:
        console.print(_rich_tree(tree))
    prefix = "would be " if dry_run else ""
    for line in result.lines():
        typer.echo(f"{prefix}{line}")
    counts = ", ".join(f"{n} {k}" for k, n in tree.counts().items())
    typer.echo(f"plan {result.plan_key}: {counts}")
    typer.echo(f"{prefix}{result.summary()} in {elapsed * 1000:.0f} ms")
