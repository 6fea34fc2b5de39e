"""HTTP hardening applied to every response and request: security headers and a body limit.

Headers: the pages use no script and only inline styles, so the Content-Security-Policy
allows scripts from nowhere but the site itself and forbids framing (clickjacking); the
OpenAPI pages (`/docs`, `/redoc`) load their viewer from a CDN and get a policy of their
own. `Referrer-Policy: same-origin` keeps a reset link's token out of other sites' logs;
`Cache-Control: no-store` unless a route chose its own caching.

Body limit: uvicorn reads any request body whole; a body declared or streamed past
`request_max_bytes` is answered 413 before the application sees it.
"""

from __future__ import annotations

import json

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https://fastapi.tiangolo.com; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'"
)
DOCS_PATHS = ("/docs", "/redoc")


def security_headers(path: str, *, secure: bool) -> list[tuple[bytes, bytes]]:
    """The headers every response carries (`secure`: the site is served over HTTPS)."""
    csp = DOCS_CSP if path.startswith(DOCS_PATHS) else PAGE_CSP
    headers = [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
        (b"cross-origin-opener-policy", b"same-origin"),
        (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    ]
    if secure:
        headers.append((b"strict-transport-security", b"max-age=31536000"))
    return headers


class SecurityMiddleware:
    """Adds `security_headers` to every HTTP response and enforces the body limit."""

    def __init__(self, app: ASGIApp, *, max_body_bytes: int, secure: bool) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = security_headers(scope.get("path", ""), secure=self.secure)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(h for h in extra if h[0] not in present),
                ]
                if b"cache-control" not in present:
                    # Pages and answers name people and their work: no shared or back-button
                    # cache keeps them after sign-out, unless a route says otherwise.
                    message["headers"].append((b"cache-control", b"no-store"))
            await send(message)

        declared = dict(scope.get("headers", [])).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            await self._too_large(send_with_headers)
            return
        limit = self.max_body_bytes
        seen = 0

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    # Raised inside the body parsing: the app's handlers answer 413.
                    raise HTTPException(413, f"request bodies are limited to {limit} bytes")
            return message

        await self.app(scope, counting_receive, send_with_headers)

    async def _too_large(self, send: Send) -> None:
        body = json.dumps(
            {
                "type": "about:blank",
                "title": "Too large",
                "status": 413,
                "detail": f"request bodies are limited to {self.max_body_bytes} bytes",
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
