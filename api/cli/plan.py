"""`planflow plan`: import a plan document (kế hoạch) as a tracked plan tree, and distribute
its tasks to lead and supporting units (phân công đơn vị chủ trì, phối hợp)."""

from __future__ import annotations

import hashlib
import json
import time
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.tree import Tree
from sqlmodel import Session, col, select

from api.cli.common import read_text_file
from api.cli.item import user_by_name
from workflow.calendar import load_calendar, local_date
from workflow.clock import utc_now
from workflow.db import get_engine, session_scope
from workflow.due_phrases import describe_rule
from workflow.errors import InvalidInput, NotFound
from workflow.importer import ImportResult, PlanTree, parse_document, to_jsonable, upsert_plan
from workflow.importer.preview import TaskPreview, deadline_warnings, preview_json, preview_tasks
from workflow.importer.text import short
from workflow.importer.tree import TaskNode
from workflow.importer.units import UnitResolution, UnresolvedUnits
from workflow.input_limits import check_plan_document, read_limited
from workflow.models import Plan, Role, User
from workflow.services.plan_issue import IssueAction, IssueRow, RowKey, RowOverride, issue_plan
from workflow.services.plan_units import apply_unit_mapping
from workflow.services.unit_aliases import add_alias
from workflow.settings import get_settings
from workflow.yamlio import load_yaml_with_lines

app = typer.Typer(
    help="Plans: import a plan document into areas, objectives and tasks; distribute tasks; "
    "issue them as work."
)


def _due(preview: TaskPreview) -> str:
    """The deadline as the preview shows it: the phrase, then what it is read as."""
    if not preview.due_text:
        return ""
    rule = describe_rule(preview.recurrence) if preview.recurrence else ""
    read = {
        "fixed": preview.due_shown or "",
        "recurring": f"repeats: {rule}",
        "ongoing": f"ongoing, progress reported: {rule}",
    }.get(preview.due_kind, "?")
    colour = "yellow" if preview.warning else "dim"
    return f"  [{colour}]· {escape(preview.due_text)} → {escape(read)}[/]"


def _units_label(units: UnitResolution | None, task: TaskNode) -> str:
    """' → chủ trì VP; phối hợp TTRA, TCBC' for a task whose row names units."""
    found = units.for_task(task) if units else None
    if found is None or not found.named:
        return ""
    lead = found.lead_group or (found.lead.code if found.lead else "-")
    if found.lead_group:
        lead += f" ({', '.join(u.code for u in found.leads)})"
    support = ", ".join(u.code for u in found.supporting) or "-"
    return f" [dim]→ chủ trì {escape(lead)}; phối hợp {support}[/]"


def _with_units(plan: dict[str, Any], tree: PlanTree, units: UnitResolution) -> None:
    """Add each task's resolved unit names to the tree's JSON (`TaskUnits.as_json`)."""

    def walk(rows: list[dict[str, Any]], nodes: list[TaskNode]) -> None:
        for row, node in zip(rows, nodes, strict=True):
            row.update(units.for_task(node).as_json())
            walk(row["children"], node.children)

    for area_row, area in zip(plan["areas"], tree.areas, strict=True):
        walk(area_row["tasks"], area.tasks)


def _rich_tree(
    tree: PlanTree, previews: list[TaskPreview], units: UnitResolution | None = None
) -> Tree:
    period = f", {tree.start_year}-{tree.end_year}" if tree.start_year else ""
    root = Tree(f"[bold]{tree.title}[/] ({tree.key}{period})")
    tops = iter(p for p in previews if p.number.count(".") == 1)
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
            top = next(tops)
            node = tasks.add(short(t.text, 90) + _due(top) + _units_label(units, t))
            for c, sub in zip(t.children, top.children, strict=True):
                node.add(short(c.text, 86) + _due(sub) + _units_label(units, c))
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
    file: Path = typer.Argument(
        ..., help="Plan as text/markdown (.txt, .md), Word (.docx) or PDF with a text layer."
    ),
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
    settings = get_settings()
    data = read_limited(file, limit=settings.import_max_bytes)
    check_plan_document(data, source=str(file), settings=settings)
    started = time.perf_counter()
    pairs = _parse_maps(maps)
    tree = parse_document(data, source=str(file))
    digest = hashlib.sha256(data).hexdigest()
    with Session(get_engine()) as session:
        calendar = load_calendar(session=session)
    today = local_date(utc_now(), tz=get_settings().timezone)
    previews = preview_tasks(tree, calendar=calendar, today=today)
    try:
        result = _write(tree, source=str(file), digest=digest, key=key, dry=dry_run, maps=pairs)
    except UnresolvedUnits as exc:
        if not (as_json or dry_run):
            raise
        _refused_preview(tree, previews, exc, as_json=as_json, dry_run=dry_run, today=today)
        raise typer.Exit(2) from exc
    elapsed = time.perf_counter() - started
    if as_json:
        payload: dict[str, Any] = {
            "plan": to_jsonable(tree),
            "dry_run": dry_run,
            "changes": result.lines(),
            "unchanged": result.unchanged,
            "unresolved_units": [],
            **preview_json(tree=tree, previews=previews, today=today),
        }
        _with_units(payload["plan"], tree, result.units)
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    console = Console()
    if dry_run:
        console.print(_rich_tree(tree, previews, result.units))
    prefix = "would be " if dry_run else ""
    for line in result.lines():
        typer.echo(f"{prefix}{line}")
    for warning in deadline_warnings(tree, previews):
        typer.echo(f"warning: {warning}")
    counts = ", ".join(f"{n} {k}" for k, n in tree.counts().items())
    typer.echo(f"plan {result.plan_key}: {counts}")
    typer.echo(f"{prefix}{result.summary()} in {elapsed * 1000:.0f} ms")


def _refused_preview(
    tree: PlanTree,
    previews: list[TaskPreview],
    exc: UnresolvedUnits,
    *,
    as_json: bool,
    dry_run: bool,
    today: date,
) -> None:
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
            **preview_json(tree=tree, previews=previews, today=today),
        }
        _with_units(payload["plan"], tree, exc.resolution)
        typer.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    Console().print(_rich_tree(tree, previews, exc.resolution))
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


def _issuer(session: Session, username: str | None) -> User:
    """`--as USERNAME`, else the agency's coordinator (đầu mối, who keeps the plan)."""
    if username:
        return user_by_name(session, username)
    found = session.exec(
        select(User)
        .where(User.role == Role.COORDINATOR.value, col(User.is_active))
        .order_by(col(User.id))
    ).first()
    if found is None:
        raise InvalidInput("no active coordinator to issue the plan as: pass --as USERNAME")
    return found


def _row_line(row: IssueRow) -> str:
    """`create 1.ab12cd34 (TTRA head Bùi Văn Chánh) due 2026-06-30: Rà soát ...`."""
    due = row.due_on.isoformat() if row.due_on else "-"
    if row.day_off and row.due_working_on:
        due += f" (day off: {row.due_working_on.isoformat()})"
    if row.recurrence:
        due += f" every {row.recurrence}"
    who = f"{row.lead_unit or '-'}: {row.assignee or '-'}"
    if row.lead_group:
        who = f"{row.lead_group} → {who}"
    why = f" [{row.reason.value}]" if row.reason else ""
    return f"{row.action.value}{why} {row.task_key} ({who}) due {due}: {short(row.title, 70)}"


@app.command("issue")
def issue(
    plan: str = typer.Argument(
        ..., metavar="PLAN", help="The plan's key (as `plan import` prints it) or its id."
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be done; write nothing."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the rows and counts as JSON."),
    actor: str | None = typer.Option(
        None,
        "--as",
        help="Issue as this coordinator, director or admin (default: the coordinator).",
    ),
    cancel_withdrawn: bool = typer.Option(
        False,
        "--cancel-withdrawn",
        help="Confirm every proposed cancellation (open items of tasks withdrawn from the plan, "
        "or of units no longer among a task's lead units).",
    ),
) -> None:
    """Turn every task with a lead unit into a work item for its head, due as the plan says.

    A task led by a unit group ("Các phòng chuyên môn") becomes one item per member unit,
    each for that unit's head (one line each; the counts are of items, then of tasks).

    Idempotent: issuing again creates nothing. After an amended plan is re-imported it
    creates the new tasks' items, moves changed deadlines and proposes cancelling the
    items of withdrawn tasks; done items are never touched.
    """
    with session_scope() as session:
        plan_id = _plan_id(session, plan)
        who = _issuer(session, actor)
        overrides: dict[RowKey, RowOverride] = {}
        if cancel_withdrawn:
            dry = issue_plan(
                session=session, plan_id=plan_id, actor=who, now=utc_now(), dry_run=True
            )
            overrides = {
                r.override_key: RowOverride(cancel=True)
                for r in dry.rows
                if r.action == IssueAction.PROPOSE_CANCEL
            }
        result = issue_plan(
            session=session,
            plan_id=plan_id,
            actor=who,
            now=utc_now(),
            overrides=overrides,
            dry_run=dry_run,
        )
        if as_json:
            typer.echo(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
            return
        for row in result.rows:
            if row.action != IssueAction.UNCHANGED:
                typer.echo(_row_line(row))
        if any(r.split for r in result.rows):
            tasks = result.preview.task_counts()
            typer.echo(
                f"tasks: create {tasks['create']}, move due {tasks['move_due']}, "
                f"unchanged {tasks['unchanged']} (a task led by a unit group is one item "
                "per unit: the counts below are of items)"
            )
        typer.echo(
            f"plan {result.preview.plan.key} ({result.preview.plan_year}): {result.summary()}"
        )
