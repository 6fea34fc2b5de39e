"""Liveness, readiness and the Prometheus scrape.

`/healthz` answers while the process serves; `/readyz` checks what a request needs (the
database, Redis outside embedded mode, the schema at the code's migration head) and answers
503 problem+json naming each failed check, so a load balancer stops sending requests here;
`/metrics` is for the monitoring server only (`PLANFLOW_METRICS_ALLOW` or a bearer token).
"""

from __future__ import annotations

import hmac
import ipaddress
from functools import lru_cache

import redis
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import text

from api.deps import NowDep, SessionDep, SettingsDep
from api.problems import ApiProblem
from tasks import metrics
from workflow import migrate
from workflow.settings import Settings

router = APIRouter(tags=["health"])


@lru_cache(maxsize=1)
def _heads() -> frozenset[str]:
    return frozenset(migrate.head_revisions())


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {}})
def readyz(settings: SettingsDep, session: SessionDep) -> dict[str, str]:
    """The database answers at the newest schema and, outside embedded mode, Redis too."""
    failures: list[str] = []
    try:
        # The request's own session: the database every other route would use.
        session.execute(text("SELECT 1"))
        applied = migrate.applied_revisions(session.connection())
        if applied != _heads():
            failures.append(
                f"migrations: database at {','.join(sorted(applied)) or 'none'}, code at "
                f"{','.join(sorted(_heads()))} (run `planflow db upgrade`)"
            )
    except Exception as exc:
        failures.append(f"database unavailable: {type(exc).__name__}")
    if settings.mode != "embedded":
        try:
            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1).ping()
        except Exception as exc:
            failures.append(f"redis unavailable: {type(exc).__name__}")
    if failures:
        raise ApiProblem(503, "; ".join(failures))
    return {"status": "ok"}


def metrics_allowed(request: Request, settings: Settings) -> bool:
    """A client address in `metrics_allow`, or the bearer token when one is set."""
    token = settings.metrics_token
    given = request.headers.get("authorization", "")
    if token is not None and token.get_secret_value() and given.startswith("Bearer "):
        return hmac.compare_digest(given.removeprefix("Bearer ").strip(), token.get_secret_value())
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False) for net in settings.metrics_allow)


@router.get("/metrics", include_in_schema=False)
def scrape(request: Request, settings: SettingsDep, session: SessionDep, now: NowDep) -> Response:
    """Prometheus text format: process metrics plus the database's figures."""
    if not metrics_allowed(request, settings):
        raise ApiProblem(403, "metrics are readable from the monitoring server only")
    body = metrics.exposition(session, settings, now)
    return Response(body, media_type=metrics.CONTENT_TYPE)
