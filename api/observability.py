"""Per request: the request id (X-Request-ID in and out), one log line, and the metrics.

A pure ASGI middleware outside the app's own: it sees the final status of every answer,
errors and 503s included. The route label is the matched route's template
(`/items/{item_id}`), never the raw path, so the number of series stays bounded.
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tasks import metrics
from workflow.logs import bound_request_id, get_logger, valid_request_id

log = get_logger("planflow.http")
HEADER = b"x-request-id"
# The probes and the scrape are asked every few seconds: counted, but not logged.
QUIET = frozenset({"/healthz", "/readyz", "/metrics"})


def route_template(scope: Scope) -> str:
    """The matched route's path template, the mount's prefix, or "unmatched"."""
    route = scope.get("route")
    path = getattr(route, "path", None) or getattr(route, "path_format", None)
    if isinstance(path, str):
        return path
    root = scope.get("root_path", "") or ""
    return root if root else "unmatched"


class ObservabilityMiddleware:
    """Binds the request id, answers it in X-Request-ID, counts and logs the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = dict(scope.get("headers", [])).get(HEADER, b"").decode("latin-1")
        started = time.perf_counter()
        status = 500  # an exception before the response starts is answered 500

        with bound_request_id(valid_request_id(given)) as rid:

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    message["headers"] = [
                        *(h for h in message.get("headers", []) if h[0].lower() != HEADER),
                        (HEADER, rid.encode("ascii")),
                    ]
                await send(message)

            try:
                await self.app(scope, receive, send_with_id)
            finally:
                seconds = time.perf_counter() - started
                route = route_template(scope)
                method = scope.get("method", "")
                metrics.HTTP_REQUESTS.labels(method=method, route=route, status=str(status)).inc()
                metrics.HTTP_DURATION.labels(route=route).observe(seconds)
                if scope.get("path") not in QUIET:
                    log.info(
                        "request",
                        method=method,
                        route=route,
                        status=status,
                        duration_ms=round(seconds * 1000, 1),
                    )
