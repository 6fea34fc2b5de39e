"""`planflow serve`: the API and web UI (with the in-process scheduler in embedded mode)."""

from __future__ import annotations

import typer
import uvicorn


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
) -> None:
    """Serve the API and web UI."""
    uvicorn.run("api.app:create_app", factory=True, host=host, port=port, log_level="info")
