"""Liveness and readiness probes."""

from __future__ import annotations

import redis
from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SessionDep, SettingsDep
from api.problems import ApiProblem

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {}})
def readyz(settings: SettingsDep, session: SessionDep) -> dict[str, str]:
    """The database answers and, in distributed mode, Redis too (503 otherwise)."""
    try:
        # The request's own session: the database every other route would use.
        session.execute(text("SELECT 1"))
    except Exception as exc:
        raise ApiProblem(503, f"database unavailable: {type(exc).__name__}") from exc
    if settings.mode == "distributed":
        try:
            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1).ping()
        except Exception as exc:
            raise ApiProblem(503, f"redis unavailable: {type(exc).__name__}") from exc
    return {"status": "ok"}
