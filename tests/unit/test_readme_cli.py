"""README's command table names every `planflow` command, so docs and --help stay true."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from typer.main import get_command

from api.cli import app
from tests.conftest import ROOT


def _leaf_commands(cmd: Any, prefix: list[str]) -> Iterator[str]:
    if hasattr(cmd, "commands"):
        for name, sub in cmd.commands.items():
            yield from _leaf_commands(sub, [*prefix, name])
    else:
        yield " ".join(prefix)


def _documented() -> set[str]:
    """Every command a README row names, expanding `a\\|b` alternatives."""
    found: set[str] = set()
    for cell in re.findall(r"`planflow ([^`]+)`", (ROOT / "README.md").read_text("utf-8")):
        words = cell.split()
        head = words[0]
        subs = words[1].split("\\|") if len(words) > 1 else []
        if not subs or subs[0].startswith(("-", "[")) or subs[0].isupper():
            found.add(head)
        for sub in subs:
            found.add(f"{head} {sub}")
        # e.g. `planflow mail suppressions list\|remove`
        if len(words) > 2 and not words[2].startswith(("-", "[")) and not words[2].isupper():
            found.update(f"{head} {words[1]} {s}" for s in words[2].split("\\|"))
    return found


def test_every_command_is_in_the_readme() -> None:
    commands = set(_leaf_commands(get_command(app), []))
    assert len(commands) > 15
    assert commands - _documented() == set()


def test_every_command_has_help() -> None:
    def walk(cmd: Any) -> Iterator[Any]:
        yield cmd
        if hasattr(cmd, "commands"):
            for sub in cmd.commands.values():
                yield from walk(sub)

    missing = [c.name for c in walk(get_command(app)) if not (c.help or "").strip()]
    assert missing == []
