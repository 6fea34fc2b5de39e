"""Fault tests of distributed mode: processes die on purpose, effects still happen once."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from tests.conftest import fresh_schema
from tests.workers_support import Proc, cluster_env, schema_name

pytestmark = [pytest.mark.fault, pytest.mark.integration]


@pytest.fixture
def schema(worker_id: str) -> Iterator[tuple[str, Engine]]:
    name = schema_name(worker_id, "fault")
    engine = fresh_schema(name)
    yield name, engine
    engine.dispose()


def test_standby_scheduler_takes_over_within_seconds_when_the_leader_dies(
    schema: tuple[str, Engine], redis_url: str, tmp_path: Path
) -> None:
    name, _engine = schema
    env = cluster_env(
        schema=name, redis_url=redis_url.rsplit("/", 1)[0] + "/13", tag=uuid.uuid4().hex[:8]
    )
    first = Proc(["scheduler"], env=env, log=tmp_path / "s1.log")
    second: Proc | None = None
    try:
        first.wait_for("leader: holding advisory lock")
        first.wait_for("tick enqueued")
        second = Proc(["scheduler"], env=env, log=tmp_path / "s2.log")
        second.wait_for("standby")
        time.sleep(1.5)
        assert "tick enqueued" not in second.output()
        first.kill9()
        killed = time.monotonic()
        second.wait_for("leader: holding advisory lock", timeout=10)
        takeover = time.monotonic() - killed
        second.wait_for("tick enqueued")
        assert takeover < 5, takeover
    finally:
        first.stop()
        if second is not None:
            second.stop()
