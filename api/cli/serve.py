"""`planflow serve`: the API and web UI (with the in-process scheduler in embedded mode)."""

from __future__ import annotations

from typing import Any

import typer
import uvicorn

from api.cli.common import observe
from api.cli.target import check_target
from workflow.errors import InvalidInput
from workflow.settings import Settings, WeakSecretKey, get_settings, own_secret_key


def server_config(
    app: Any, *, host: str, port: int, settings: Settings, workers: int | None = None
) -> uvicorn.Config:
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
        workers=workers,
        factory=isinstance(app, str),
        # Our middleware logs each request (with its id); `planflow.logs` formats the rest.
        access_log=False,
        log_config=None,
    )


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to bind."),
    port: int = typer.Option(8000, help="Port to bind."),
    workers: int = typer.Option(
        1,
        min=1,
        help="Server processes sharing the port (distributed mode; about one per core).",
    ),
) -> None:
    """Serve the API and web UI."""
    from api.app import create_app

    settings = get_settings()
    check_target(settings)  # before the embedded secret key file is written
    try:
        own_secret_key(settings)
    except WeakSecretKey as exc:
        raise InvalidInput(str(exc)) from None
    # One line per request and per job run (the embedded scheduler's ticks) in the log;
    # the libraries' chatter at WARNING.
    observe(settings)
    # Embedded mode runs the jobs in this process; distributed mode leaves them to workers.
    in_process = settings.mode == "embedded" or settings.scheduler_embedded
    if workers > 1:
        if in_process:
            # N processes would each run the scheduler (and on SQLite wait for one writer).
            raise InvalidInput(
                "--workers above 1 needs distributed mode without the in-process scheduler "
                "(PLANFLOW_MODE=distributed, PLANFLOW_SCHEDULER_EMBEDDED unset): the "
                "scheduler runs once, as `planflow scheduler`"
            )
        # Each worker process builds its own app (and its own connection pool).
        config = server_config(
            "api.app:create_app", host=host, port=port, settings=settings, workers=workers
        )
        uvicorn.run(**_run_options(config))
        return
    app = create_app(run_scheduler=in_process)
    uvicorn.Server(server_config(app, host=host, port=port, settings=settings)).run()


def _run_options(config: uvicorn.Config) -> dict[str, Any]:
    return {
        "app": config.app,
        "factory": True,
        "host": config.host,
        "port": config.port,
        "workers": config.workers,
        "log_level": "info",
        "proxy_headers": config.proxy_headers,
        "forwarded_allow_ips": config.forwarded_allow_ips,
        "server_header": config.server_header,
        "access_log": config.access_log,
        "log_config": None,
    }
