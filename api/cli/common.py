"""Helpers shared by CLI commands: reading input files, `--now` standing in for the clock,
setting up logs and metrics."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from workflow.clock import ensure_utc, utc_now
from workflow.errors import InvalidInput
from workflow.input_limits import read_limited
from workflow.settings import Settings, get_settings

NOW_HELP = "Act as of this moment (ISO 8601, e.g. 2026-03-17T09:00+07:00); default: now."


def moment(value: str | None) -> datetime:
    """`--now` as an aware UTC datetime; a value without a zone is agency time."""
    if value is None:
        return utc_now()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(f"--now {value!r} is not an ISO 8601 date and time") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(get_settings().timezone))
    return ensure_utc(parsed)


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
