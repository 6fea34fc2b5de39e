"""FastAPI application factory: routes, pages, error mapping."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from api.pages import home, mailbox
from api.routes import health
from workflow.errors import WorkflowError


def problem(status: int, title: str, detail: str, type_: str = "about:blank") -> JSONResponse:
    """An RFC 9457 problem+json response."""
    return JSONResponse(
        {"type": type_, "title": title, "status": status, "detail": detail},
        status_code=status,
        media_type="application/problem+json",
    )


def create_app() -> FastAPI:
    """Build the app; the embedded scheduler is attached by the lifespan when enabled."""
    app = FastAPI(title="planflow", version="0.1.0")

    @app.exception_handler(WorkflowError)
    async def _workflow_error(_request: Request, exc: WorkflowError) -> JSONResponse:
        return problem(exc.status, exc.title, str(exc))

    app.include_router(health.router)
    app.include_router(home.router)
    app.include_router(mailbox.router)
    return app
