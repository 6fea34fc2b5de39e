"""`planflow org`: the organisation chart (units, users, reporting line) and the names plans
use for units (aliases, groups)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from api.cli.common import read_text_file
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.errors import InvalidInput
from workflow.importer.staff_list import read_staff_list, write_staff_list
from workflow.importer.unit_names import Unresolved, load_directory
from workflow.input_limits import read_limited
from workflow.services.people import load_org_file
from workflow.services.staff_import import StaffDiff, apply, export_rows, preview
from workflow.services.unit_aliases import (
    add_alias,
    list_aliases,
    list_groups,
    remove_alias,
    target_label,
)
from workflow.settings import get_settings

app = typer.Typer(help="Organisation: units, users and who oversees whom.", no_args_is_help=True)


@app.command()
def load(
    file: Path = typer.Argument(..., help="YAML file with 'units:' and 'users:'."),
    deactivate_missing: bool = typer.Option(
        False,
        "--deactivate-missing",
        help="The file lists every person: deactivate active accounts it does not list.",
    ),
) -> None:
    """Create or update units and users from FILE (idempotent; all or nothing).

    A person moved to another unit, or deactivated with --deactivate-missing, leaves their
    open items on their former head's "to reassign" list, and the head gets one mail."""
    text = read_text_file(file, limit=get_settings().yaml_max_bytes)
    with session_scope() as session:
        result = load_org_file(
            session=session,
            now=utc_now(),
            actor=None,
            text=text,
            source=str(file),
            deactivate_missing=deactivate_missing,
        )
    for line in result.created:
        typer.echo(f"created {line}")
    for line in result.updated:
        typer.echo(f"updated {line}")
    for line in result.deactivated:
        typer.echo(f"deactivated {line}")
    if result.handed_over:
        typer.echo(f"{result.handed_over} open items to reassign by their former heads")
    typer.echo(
        f"{len(result.created)} created, {len(result.updated)} updated, "
        f"{len(result.deactivated)} deactivated, {result.unchanged} unchanged"
    )


def _print_diff(diff: StaffDiff) -> None:
    for a in diff.added:
        typer.echo(f"added {a.username} ({a.full_name}) {a.unit} {a.role}  [{a.line}]")
    for c in diff.changed:
        what = ", ".join(f"{k}: {v[0]!r} → {v[1]!r}" for k, v in c.changes.items())
        typer.echo(f"changed {c.username}: {what}  [{c.line}]")
    for m in diff.moved:
        typer.echo(f"moved {m.username} ({m.full_name}) {m.from_unit} → {m.to_unit}  [{m.line}]")
    for d in diff.deactivated:
        typer.echo(f"deactivated {d.username} ({d.full_name}) {d.unit}")
    n = diff.counts()
    typer.echo(
        f"{n['added']} added, {n['changed']} changed, {n['moved']} moved,"
        f" {n['deactivated']} deactivated, {n['unchanged']} unchanged"
    )


@app.command("import")
def import_staff(
    file: Path = typer.Argument(..., help="The staff list: .xlsx, .csv or .yaml."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the diff; write nothing."),
    as_json: bool = typer.Option(False, "--json", help="The diff as JSON."),
) -> None:
    """Import the personnel office's staff list (Họ và tên, Chức vụ, Đơn vị, Email...): it
    is the organisation's people. Adds, changes, moves; deactivates the active accounts it
    does not list (not administrators'). Moves and deactivations hand the open items to the
    former head. All or nothing; every refused row is named."""
    settings = get_settings()
    data = read_limited(file, limit=max(settings.import_max_bytes, settings.yaml_max_bytes))
    rows = read_staff_list(data, filename=file.name, settings=settings)
    with session_scope() as session:
        if dry_run:
            diff = preview(session=session, rows=rows, source=file.name)
            session.rollback()
        else:
            diff = apply(session=session, now=utc_now(), actor=None, rows=rows, source=file.name)
    if as_json:
        typer.echo(json.dumps(diff.as_json(), ensure_ascii=False, indent=2))
        return
    _print_diff(diff)
    if dry_run:
        typer.echo("dry run: nothing written")
    elif diff.handed_over:
        typer.echo(f"{diff.handed_over} open items to reassign by their former heads")


@app.command("export")
def export_staff(
    file: Path = typer.Argument(..., help="Where to write: .xlsx or .csv."),
) -> None:
    """Write the active people in the import's columns (Họ và tên, Chức vụ, Đơn vị, Email,
    Tên đăng nhập, Vai trò, Ngôn ngữ)."""
    with session_scope() as session:
        rows = export_rows(session=session)
    file.write_bytes(write_staff_list(rows, filename=file.name))
    typer.echo(f"{len(rows)} people written to {file}")


alias_app = typer.Typer(
    help="Aliases: other names of a unit or group, as plans write them (kept for imports).",
    no_args_is_help=True,
)
app.add_typer(alias_app, name="alias")


@alias_app.command("add")
def alias_add(
    name: str = typer.Argument(..., help="The name as the plan writes it, e.g. 'VP Sở'."),
    target: str = typer.Argument(
        ...,
        metavar="UNIT_CODE|GROUP",
        help="A unit code (VP), a group code, or a built-in group (all, kind:division...).",
    ),
) -> None:
    """Make NAME resolve to a unit or a group in every later import."""
    with session_scope() as session:
        alias, created = add_alias(
            session=session, now=utc_now(), actor=None, name=name, target=target
        )
        label = target_label(load_directory(session=session), target.strip())
        typer.echo(f"{'added' if created else 'changed'} alias {alias.name!r} → {label}")


@alias_app.command("remove")
def alias_remove(name: str = typer.Argument(..., help="The alias, as listed.")) -> None:
    """Forget an alias (the organisation file's come back at its next load)."""
    with session_scope() as session:
        alias = remove_alias(session=session, actor=None, name=name)
        typer.echo(f"removed alias {alias.name!r}")


@alias_app.command("list")
def alias_list() -> None:
    """Every alias and what it names."""
    with session_scope() as session:
        for view in list_aliases(session=session):
            source = "" if view.alias.source == "org" else " (mapped)"
            typer.echo(f"{view.alias.name} → {view.target_code} {view.target_name}{source}")


@app.command("groups")
def groups() -> None:
    """The unit groups (built-in and the organisation's) and their members today."""
    with session_scope() as session:
        for view in list_groups(session=session):
            members = ", ".join(u.code for u in view.members) or "-"
            typer.echo(f"{view.group.code}: {view.group.name} = {members}")


@app.command("resolve")
def resolve(name: str = typer.Argument(..., help="A unit name as a plan writes it.")) -> None:
    """What NAME means to a plan import: a unit, a group's units, or why it does not resolve
    (exit code 2)."""
    with session_scope() as session:
        found = load_directory(session=session).resolve(name)
    if isinstance(found, Unresolved):
        raise InvalidInput(found.describe())
    what = f"group {found.group.code} ({found.group.name})" if found.group else "unit"
    typer.echo(f"{name!r} → {what}: {', '.join(u.code for u in found.units)}")
