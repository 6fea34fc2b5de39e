"""Files sent to the browser as downloads (evidence, report documents), from the file store."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.responses import Response


def attachment(data: bytes, *, media_type: str, filename: str) -> Response:
    """A download: `Content-Disposition: attachment` (RFC 6266; a non-ASCII name as
    `filename*`) and `nosniff`, so an uploaded HTML page never runs in the site."""
    quoted = quote(filename)
    disposition = (
        f"attachment; filename*=utf-8''{quoted}"
        if quoted != filename
        else f'attachment; filename="{filename}"'
    )
    return Response(
        data,
        media_type=media_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )
