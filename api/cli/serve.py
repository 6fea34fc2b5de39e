"""`planflow serve`: the API and web UI (with the in-process scheduler in embedded mode)."""

from __future__ import annotations

from typing import Any

import typer
import uvicorn

from api.cli.common import observe
from workflow.errors import InvalidInput
from workflow.settings import Settings, WeakSecretKey, get_settings, own_secret_key


def server_config(app: Any, *, host: str, port: int, settings: Settings) -> uvicorn.Config:
    """How uvicorn serves `app`: X-Forwarded-For/-Proto are believed only from the proxies
    listed in `trusted_proxies` (none by default; uvicorn alone would trust 127.0.0.1,
    i.e. anything on the same machine could choose its address for the sign-in limits)."""
    trusted = ",".join(settings.trusted_proxies)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="info",
        proxy_headers=bool(trusted),
        forwarded_allow_ips=trusted or "",
        server_header=False,
        # Our middleware logs each request (with its id); `planflow.logs` formats the rest.
        access_log=False,
        log_config=None,
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
) -> None:
    """Serve the API and web UI."""
    from api.app import create_app

    try:
        own_secret_key(get_settings())
    except WeakSecretKey as exc:
        raise InvalidInput(str(exc)) from None
    # One line per request and per job run (the embedded scheduler's ticks) in the log.
    observe(get_settings())
    embedded = get_settings().mode == "embedded"
    # Embedded mode runs the jobs in this process; distributed mode leaves them to workers.
    app = create_app(run_scheduler=embedded or get_settings().scheduler_embedded)
    uvicorn.Server(server_config(app, host=host, port=port, settings=get_settings())).run()
