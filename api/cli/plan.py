"""`planflow plan`: import a plan document (kế hoạch) as a tracked plan tree, and distribute
its tasks to lead and supporting units (phân công đơn vị chủ trì, phối hợp)."""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

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
from workflow.importer.tree import TaskNode
from workflow.importer.units import UnitResolution, UnresolvedUnits
from workflow.models import Plan
from workflow.services.plan_units import apply_unit_mapping
from workflow.services.unit_aliases import add_alias
from workflow.yamlio import load_yaml_with_lines

app = typer.Typer(
    help="Plans: import a plan document into areas, objectives and tasks; distribute tasks."
)


def _units_label(units: UnitResolution, task: TaskNode) -> str:
    """' → chủ trì VP; phối hợp TTRA, TCBC' for a task whose row names units."""
    found = units.for_task(task)
    if not found.named:
        return ""
    lead = found.lead_group or (found.lead.code if found.lead else "-")
    if found.lead_group:
        lead += f" ({', '.join(u.code for u in found.leads)})"
    support = ", ".join(u.code for u in found.supporting) or "-"
    return f" [dim]→ chủ trì {lead}; phối hợp {support}[/]"


def _with_units(plan: dict[str, Any], tree: PlanTree, units: UnitResolution) -> None:
    """Add each task's resolved unit names to the tree's JSON (`TaskUnits.as_json`)."""

    def walk(rows: list[dict[str, Any]], nodes: list[TaskNode]) -> None:
        for row, node in zip(rows, nodes, strict=True):
            row.update(units.for_task(node).as_json())
            walk(row["children"], node.children)

    for area_row, area in zip(plan["areas"], tree.areas, strict=True):
        walk(area_row["tasks"], area.tasks)


def _rich_tree(tree: PlanTree, units: UnitResolution | None = None) -> Tree:
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
            label = _units_label(units, t) if units else ""
            node = tasks.add(short(t.text, 90) + label)
            for c in t.children:
                node.add(short(c.text, 86) + (_units_label(units, c) if units else ""))
    return root


def _parse_maps(maps: list[str]) -> list[tuple[str, str]]:
    """`--map "NAME=CODE"` options as (name, code); the last '=' separates them."""
    pairs = []
    for item in maps:
        name, sep, code = item.rpartition("=")
        if not sep or not name.strip() or not code.strip():
            raise InvalidInput(f"--map {item!r}: expected NAME=UNIT_CODE or NAME=GROUP")
        pairs.append((name.strip(), code.strip()))
    return pairs


def _write(
    tree: PlanTree,
    *,
    source: str,
    digest: str,
    key: str | None,
    dry: bool,
    maps: list[tuple[str, str]],
) -> ImportResult:
    def run(session: Session) -> ImportResult:
        # The mapped names are aliases: kept for the next import (unless this one fails).
        for name, code in maps:
            add_alias(session=session, now=utc_now(), actor=None, name=name, target=code)
        return upsert_plan(
            session=session, tree=tree, now=utc_now(), source=source,
            source_sha256=digest, key=key,
        )  # fmt: skip

    if not dry:
        with session_scope() as session:
            return run(session)
    # A dry run computes the same changes inside a transaction it then rolls back.
    with Session(get_engine()) as session:
        try:
            return run(session)
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
    maps: list[str] = typer.Option(
        [],
        "--map",
        metavar="NAME=CODE",
        help="Map a unit name of the plan to a unit or group code; kept as an alias.",
    ),
) -> None:
    """Create or update a plan from FILE; importing the same file again changes nothing.

    Unit names that resolve to no unit or group are listed with their rows and the nearest
    known names; the import is then refused (exit code 2) and writes nothing."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"{file}: cannot read ({exc.strerror})") from exc
    started = time.perf_counter()
    pairs = _parse_maps(maps)
    tree = parse_document(data, source=str(file))
    digest = hashlib.sha256(data).hexdigest()
    try:
        result = _write(tree, source=str(file), digest=digest, key=key, dry=dry_run, maps=pairs)
    except UnresolvedUnits as exc:
        if not (as_json or dry_run):
            raise
        _refused_preview(tree, exc, as_json=as_json, dry_run=dry_run)
        raise typer.Exit(2) from exc
    elapsed = time.perf_counter() - started
    if as_json:
        payload: dict[str, Any] = {
            "plan": to_jsonable(tree),
            "dry_run": dry_run,
            "changes": result.lines(),
            "unchanged": result.unchanged,
            "unresolved_units": [],
        }
        _with_units(payload["plan"], tree, result.units)
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console()
    if dry_run:
        console.print(_rich_tree(tree, result.units))
    prefix = "would be " if dry_run else ""
    for line in result.lines():
        typer.echo(f"{prefix}{line}")
    counts = ", ".join(f"{n} {k}" for k, n in tree.counts().items())
    typer.echo(f"plan {result.plan_key}: {counts}")
    typer.echo(f"{prefix}{result.summary()} in {elapsed * 1000:.0f} ms")


def _refused_preview(tree: PlanTree, exc: UnresolvedUnits, *, as_json: bool, dry_run: bool) -> None:
    """The preview of an import its unit names refuse: the tree (what did resolve) and every
    name that did not, with its rows and nearest known names."""
    if as_json:
        payload: dict[str, Any] = {
            "plan": to_jsonable(tree),
            "dry_run": dry_run,
            "changes": [],
            "unchanged": 0,
            "unresolved_units": [u.as_json() for u in exc.unresolved],
            "error": str(exc),
        }
        _with_units(payload["plan"], tree, exc.resolution)
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    Console().print(_rich_tree(tree, exc.resolution))
    typer.echo(f"error: {exc}", err=True)


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
    text = read_text_file(file)
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
