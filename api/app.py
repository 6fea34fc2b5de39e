"""FastAPI application factory: routes, pages, error mapping."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.pages import home, mailbox, unsubscribe
from api.routes import health
from workflow.errors import WorkflowError
from workflow.settings import get_settings


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> JSONResponse:
    """An RFC 9457 problem+json response."""
    return JSONResponse(
        {"type": type_, "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def create_app(*, run_scheduler: bool | None = None) -> FastAPI:
    """Build the app; the embedded scheduler is attached by the lifespan when enabled.

    `run_scheduler` None follows the `scheduler_embedded` setting (off by default, so the
    app in tests schedules nothing unless asked; `planflow serve` turns it on).
    """
    enabled = get_settings().scheduler_embedded if run_scheduler is None else run_scheduler

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scheduler = None
        if enabled:
            from tasks.scheduler import start_embedded

            app.state.scheduler = start_embedded()
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.shutdown(wait=True)

    app = FastAPI(title="planflow", version="0.1.0", lifespan=lifespan)

    @app.exception_handler(WorkflowError)
    async def _workflow_error(_request: Request, exc: WorkflowError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc))

    app.include_router(health.router)
    app.include_router(home.router)
    app.include_router(mailbox.router)
    app.include_router(unsubscribe.router)
    return app
