"""`planflow simulate`: preview reminders, escalations and reports over virtual time."""

from __future__ import annotations

import re
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from workflow.db import make_engine
from workflow.deadlines import ladder_for
from workflow.errors import InvalidInput
from workflow.migrate import upgrade
from workflow.settings import get_settings

_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


def parse_tick(value: str) -> timedelta:
    """'1h', '30m', '1d' → a timedelta."""
    match = re.fullmatch(r"(\d+)([mhd])", value.strip())
    if not match or int(match.group(1)) == 0:
        raise InvalidInput(f"tick {value!r}: expected a number and m, h or d (e.g. 1h)")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def read_policy(path: Path) -> dict[str, Any]:
    """The policy file as a mapping (JSON is YAML too); InvalidInput names what is wrong."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(f"--policy {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise InvalidInput(f"--policy {path}: not JSON or YAML ({exc})") from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"--policy {path}: expected a mapping (reminders, escalations, ...)")
    unknown = set(data) - {"reminders", "escalations", "reminder_hour"}
    if unknown:
        raise InvalidInput(f"--policy {path}: unknown keys {', '.join(sorted(unknown))}")
    ladder_for(data)  # InvalidInput if a value is wrong
    return data


def simulate(
    start: str = typer.Option("2026-01-01", "--from", help="First simulated day."),
    end: str = typer.Option("2026-12-31", "--to", help="Last simulated day."),
    tick: str = typer.Option("1h", help="Virtual time between scheduler ticks (30m, 1h, 1d)."),
    db: str | None = typer.Option(None, help="Empty database URL (default: a temp SQLite)."),
    officers: int = typer.Option(60, help="Officers in the demo organisation."),
    items: int = typer.Option(400, help="Work items assigned over the period."),
    seed: int = typer.Option(2026, help="Seed of the officers' random behaviour."),
    copy: bool = typer.Option(
        False,
        "--copy",
        help="Simulate a copy of the configured database (its open items) instead of a "
        "demo agency; the database itself is only read.",
    ),
    policy: Path | None = typer.Option(
        None,
        help="A reminder/escalation policy (JSON or YAML: reminders, escalations, "
        "reminder_hour) given to every plan of the simulated data, to preview it.",
    ),
) -> None:
    """Run the jobs in virtual time on a demo agency (or a copy of the data) and print
    per-month reminders, escalations, reports and items closed on time / late."""
    from tasks.sim_data import apply_policy, copy_database
    from tasks.simulate import fast_sqlite, run_simulation

    try:
        first, last = date.fromisoformat(start), date.fromisoformat(end)
    except ValueError as exc:
        raise InvalidInput(f"--from/--to: {exc}") from exc
    if last < first:
        raise InvalidInput("--to is before --from")
    step = parse_tick(tick)
    ladder = read_policy(policy) if policy is not None else None
    with tempfile.TemporaryDirectory(prefix="planflow-sim-") as tmp:
        url = db or f"sqlite:///{Path(tmp) / 'sim.db'}"
        if copy and url == get_settings().database_url:
            raise InvalidInput("--db must not be the configured database: the copy goes there")
        upgrade(url)
        engine = make_engine(url)
        if copy:
            source = make_engine(get_settings().database_url)
            copy_database(source=source, target=engine)
            source.dispose()
        if ladder is not None:
            apply_policy(engine=engine, policy=ladder)
        fast_sqlite(engine)
        console = Console()
        started = time.perf_counter()
        with Progress(
            TextColumn("[bold]mô phỏng[/]"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total} ticks"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("sim", total=None)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            result = run_simulation(
                engine=engine,
                start=first,
                end=last,
                tick=step,
                officers=officers,
                items=items,
                seed=seed,
                progress=progress,
                demo=not copy,
            )
        engine.dispose()
    what = (
        f"{result.items} open items of the copy"
        if copy
        else f"{result.items} items, {officers} officers"
    )
    table = Table(title=f"{first} → {last}, tick {tick}, {what}")
    for column in ("month", "reminders", "escalations", "reports", "on time", "late"):
        table.add_column(column, justify="right")
    for month, m in result.months.items():
        table.add_row(
            month,
            str(m.reminders),
            str(m.escalations),
            str(m.reports),
            str(m.closed_on_time),
            str(m.closed_late),
        )
    t = result.total()
    table.add_row(
        "total",
        str(t.reminders),
        str(t.escalations),
        str(t.reports),
        str(t.closed_on_time),
        str(t.closed_late),
        style="bold",
    )
    console.print(table)
    console.print(
        f"{result.ticks} ticks ({result.ticks_run} with something to do) in "
        f"{time.perf_counter() - started:.1f}s; "
        f"{result.open_at_end} items still open at the end"
    )
