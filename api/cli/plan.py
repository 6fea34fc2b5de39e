"""`planflow plan`: import a plan document (kế hoạch) as a tracked plan tree, and distribute
its tasks to lead and supporting units (phân công đơn vị chủ trì, phối hợp)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.tree import Tree
from sqlmodel import Session, select

from api.cli.common import read_text_file
from api.cli.item import user_by_name
from workflow.clock import utc_now
from workflow.db import get_engine, session_scope
from workflow.errors import InvalidInput, NotFound
from workflow.importer import ImportResult, PlanTree, parse_document, to_jsonable, upsert_plan
from workflow.importer.text import short
from workflow.input_limits import check_plan_document, read_limited
from workflow.models import Plan
from workflow.services.plan_units import apply_unit_mapping
from workflow.settings import get_settings
from workflow.yamlio import load_yaml_with_lines

app = typer.Typer(
    help="Plans: import a plan document into areas, objectives and tasks; distribute tasks."
)


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
    settings = get_settings()
    data = read_limited(file, limit=settings.import_max_bytes)
    check_plan_document(data, source=str(file), settings=settings)
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


def _plan_id(session: Session, plan: str) -> int:
    """The id of the plan PLAN names: its id, or its key as `plan import` prints it."""
    if plan.isdigit():
        return int(plan)
    found = session.exec(select(Plan.id).where(Plan.key == plan)).first()
    if found is None:
        raise NotFound(f"no plan with id or key {plan!r}")
    return found


@app.command("units")
def units(
    plan: str = typer.Argument(
        ..., metavar="PLAN_ID", help="The plan's id (or its key, as `plan import` prints it)."
    ),
    file: Path = typer.Argument(
        ..., metavar="FILE", help="YAML: task key → {lead: UNIT_CODE, support: [UNIT_CODE, ...]}."
    ),
    actor: str | None = typer.Option(
        None,
        "--as",
        help="Act as this coordinator, director or admin (default: the operator, as `import`).",
    ),
) -> None:
    """Distribute the plan's tasks to lead and supporting units as FILE says.

    All or nothing: any unknown task key or unit, or a withdrawn task, writes nothing. Tasks
    FILE does not name keep their units; a re-import keeps them unless the document names
    units.
    """
    text = read_text_file(file, limit=get_settings().yaml_max_bytes)
    mapping = load_yaml_with_lines(text, source=str(file))
    if not isinstance(mapping, dict):
        raise InvalidInput(f"{file}: expected a mapping of task keys to units")
    with session_scope() as session:
        result = apply_unit_mapping(
            session=session,
            actor=user_by_name(session, actor) if actor else None,
            plan_id=_plan_id(session, plan),
            mapping=mapping,
            source=str(file),
        )
        for done in result.changed:
            typer.echo(f"set {done.describe()}")
    typer.echo(f"{len(result.changed)} task(s) changed, {result.unchanged} unchanged")
