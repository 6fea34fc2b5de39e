"""Helpers shared by CLI commands: reading input files, setting up logs and metrics."""

from __future__ import annotations

from pathlib import Path

from workflow.errors import InvalidInput
from workflow.input_limits import read_limited
from workflow.settings import Settings


def read_text_file(path: Path, *, limit: int) -> str:
    """Read a UTF-8 text file of at most `limit` bytes or raise InvalidInput with a clear
    message."""
    data = read_limited(path, limit=limit)
    if b"\x00" in data[:4096]:
        raise InvalidInput(f"{path}: looks like a binary file, expected UTF-8 text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path}: not UTF-8 text (byte {exc.start})") from exc


def observe(settings: Settings) -> None:
    """A long-running process's logs (workflow.logs) and metrics (tasks.metrics) set up."""
    from tasks import metrics
    from workflow import logs

    logs.configure(settings)
    metrics.setup(settings)
