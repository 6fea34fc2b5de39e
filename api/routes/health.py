"""Liveness and readiness probes."""

from __future__ import annotations

import redis
from fastapi import APIRouter
from sqlalchemy import text

from api.deps import SettingsDep
from api.problems import ApiProblem
from workflow.db import get_engine

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {}})
def readyz(settings: SettingsDep) -> dict[str, str]:
    """The database answers and, in distributed mode, Redis too (503 otherwise)."""
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:
        raise ApiProblem(503, f"database unavailable: {type(exc).__name__}") from exc
    if settings.mode == "distributed":
        try:
            redis.Redis.from_url(settings.redis_url, socket_connect_timeout=1).ping()
        except Exception as exc:
            raise ApiProblem(503, f"redis unavailable: {type(exc).__name__}") from exc
    return {"status": "ok"}
