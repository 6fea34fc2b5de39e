"""Size limits of every imported document (plan, organisation, task distribution, uploads).

One place decides what is too large, so the command line (exit 2) and the API (413
problem+json) refuse the same files with the same message, before anything is parsed.
A DOCX is a zip: its unpacked size is limited too, so a small file cannot expand into
gigabytes while being read.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from workflow.errors import InvalidInput
from workflow.settings import Settings


class TooLarge(InvalidInput):
    """An input over its size limit."""

    status = 413
    title = "Too large"


def _mib(n: int) -> str:
    return f"{n / (1024 * 1024):g} MiB"


def check_size(size: int, *, limit: int, source: str) -> None:
    """TooLarge when `size` bytes exceed `limit`."""
    if size > limit:
        raise TooLarge(f"{source}: {size} bytes is over the limit of {_mib(limit)} ({limit} bytes)")


def read_limited(path: Path, *, limit: int) -> bytes:
    """The bytes of the file at `path`, refused (TooLarge) past `limit` without reading it
    all; InvalidInput when it cannot be read."""
    try:
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
            size = len(data) if len(data) <= limit else path.stat().st_size
    except OSError as exc:
        raise InvalidInput(f"{path}: cannot read ({exc.strerror})") from exc
    check_size(size, limit=limit, source=str(path))
    return data


def check_unpacked(data: bytes, *, limit: int, source: str) -> None:
    """TooLarge when a zip container (DOCX) would unpack to more than `limit` bytes.

    Not a zip: nothing to check (the reader reports a damaged file itself).
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError):
        return
    if unpacked > limit:
        raise TooLarge(f"{source}: unpacks to {unpacked} bytes, over the limit of {_mib(limit)}")


def check_plan_document(data: bytes, *, source: str, settings: Settings) -> None:
    """The limits of a plan document (text or DOCX), from the command line or an upload."""
    check_size(len(data), limit=settings.import_max_bytes, source=source)
    check_unpacked(data, limit=settings.import_max_unpacked_bytes, source=source)
