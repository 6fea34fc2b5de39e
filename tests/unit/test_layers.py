"""Who may import whom (README "Layout"): api → tasks → notifications → workflow, never back."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = {
    "workflow": {
        "fastapi",
        "starlette",
        "celery",
        "apscheduler",
        "smtplib",
        "aiosmtplib",
        "api",
        "tasks",
        "notifications",
    },
    "notifications": {"fastapi", "celery", "apscheduler", "api", "tasks"},
    "tasks": {"fastapi", "api"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_it_may(package: str) -> None:
    offenders = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_clock_reads_the_wall_clock() -> None:
    hits = [
        str(path.relative_to(ROOT))
        for pkg in ("workflow", "tasks", "notifications", "api")
        for path in (ROOT / pkg).rglob("*.py")
        if path.name != "clock.py"
        and any(
            s in path.read_text(encoding="utf-8")
            for s in ("datetime.now(", "date.today(", "utcnow(")
        )
    ]
    assert hits == []


def _modules(path: Path) -> set[str]:
    """Every module `path` imports, by its full dotted name (`from a.b import c` → a.b, a.b.c)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_app_imports_route_modules() -> None:
    # Pages and the CLI ask the shared rule (workflow/ or a non-route api module), never a
    # route: a route module is the HTTP API's surface, not a library.
    offenders = {
        str(path.relative_to(ROOT)): sorted(
            m for m in _modules(path) if m == "api.routes" or m.startswith("api.routes.")
        )
        for path in (ROOT / "api").rglob("*.py")
        if path.parent.name != "routes" and path.name != "app.py"
    }
    assert {k: v for k, v in offenders.items() if v} == {}
