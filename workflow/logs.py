"""Log lines through structlog: JSON in distributed mode, readable in embedded mode.

Every process (serve, worker, scheduler, the CLI's jobs) calls `configure` once. The
standard library's loggers (uvicorn, Celery, SQLAlchemy, our `logging.getLogger` ones)
go through the same renderer, so a server's log is one format; libraries speak at WARNING.

A request id travels with the work: the API binds the request's `X-Request-ID` (or a new
one), a job run binds its own (or the one its Celery message carries), and every line
logged meanwhile, and every mail queued meanwhile (its `X-Request-ID` header), carries it.
"""

from __future__ import annotations

import logging
import re
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TextIO

import structlog

from workflow.settings import Settings

REQUEST_ID_KEY = "request_id"
_OURS = "_planflow_handler"
# What a client or proxy may send as X-Request-ID; anything else is replaced by a new id.
_VALID_ID = re.compile(r"^[A-Za-z0-9._:@/+=-]{1,128}$")
# Libraries that log every connection, task or tick at INFO: their chatter is WARNING+.
# (Celery's own INFO lines stay: "celery@host ready." says a worker serves; its per-task
# "received"/"succeeded" lines are chatter, our job_run line says more.)
CHATTY = (
    "uvicorn",
    "uvicorn.access",
    "uvicorn.error",
    "celery.app.trace",
    "celery.worker.strategy",
    "kombu",
    "amqp",
    "apscheduler",
    "httpx",
    "httpcore",
    "alembic",
    "sqlalchemy",
    "multipart",
    "urllib3",
    "asyncio",
    "mail.log",
    "matplotlib",
    "fontTools",
    "pdfminer",
)


def get_logger(name: str) -> Any:
    """A structlog logger named `name` (through the standard library's logging)."""
    return structlog.stdlib.get_logger(name)


def _default() -> None:
    """Until a process calls `configure`, structlog's lines go to the standard library's
    loggers like any other (structlog alone would print them on stdout, into a command's
    output); a test runner's capture sees them there."""
    if not structlog.is_configured():
        structlog.configure(
            processors=[
                structlog.contextvars.merge_contextvars,
                structlog.stdlib.filter_by_level,
                structlog.stdlib.render_to_log_kwargs,
            ],
            logger_factory=structlog.stdlib.LoggerFactory(),
            wrapper_class=structlog.stdlib.BoundLogger,
            cache_logger_on_first_use=False,
        )


_default()


def configure(settings: Settings, *, stream: TextIO | None = None) -> None:
    """Route structlog and the standard library's logging to one handler on `stream`."""
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer(ensure_ascii=False)
        if settings.json_logs
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info if settings.json_logs else _keep,
            renderer,
        ],
    )
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    )
    handler.setFormatter(formatter)
    setattr(handler, _OURS, True)
    root = logging.getLogger()
    # Ours replaces an earlier one of ours (configure twice); others (a test runner's) stay.
    root.handlers = [h for h in root.handlers if not getattr(h, _OURS, False)] + [handler]
    root.setLevel(settings.log_level)
    for name in CHATTY:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
    # uvicorn and Celery install handlers of their own; ours (the root's) is the one.
    for name in ("uvicorn", "uvicorn.access", "uvicorn.error", "celery"):
        logging.getLogger(name).handlers = []
        logging.getLogger(name).propagate = True


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever `sys.stderr` is at the time (a CLI runner swaps it)."""

    def __init__(self) -> None:
        super().__init__()

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


def _keep(_logger: Any, _name: str, event: Any) -> Any:
    return event


def new_request_id() -> str:
    """A fresh id (32 hex digits)."""
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """`value` when it is an id we may repeat in logs and headers, else None."""
    return value if value and _VALID_ID.match(value) else None


def current_request_id() -> str | None:
    """The id bound for the work in progress (a request, a job run), if any."""
    value = structlog.contextvars.get_contextvars().get(REQUEST_ID_KEY)
    return str(value) if value else None


@contextmanager
def bound_request_id(request_id: str | None = None) -> Iterator[str]:
    """Bind `request_id` (or keep the one bound, or a new one) for the block."""
    rid = valid_request_id(request_id) or current_request_id() or new_request_id()
    with structlog.contextvars.bound_contextvars(**{REQUEST_ID_KEY: rid}):
        yield rid
