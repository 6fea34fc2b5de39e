"""The clock and the UTC column type keep every stored time aware."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from workflow.clock import ensure_utc, utc_now
from workflow.models.types import UTCDateTime


def test_utc_now_is_aware() -> None:
    assert utc_now().tzinfo is UTC


def test_ensure_utc_converts_other_zones() -> None:
    hanoi = timezone(timedelta(hours=7))
    assert ensure_utc(datetime(2026, 1, 1, 7, 0, tzinfo=hanoi)) == datetime(2026, 1, 1, tzinfo=UTC)
    assert ensure_utc(datetime(2026, 1, 1)).tzinfo is UTC


def test_utc_column_refuses_naive_datetimes() -> None:
    from sqlalchemy.dialects import postgresql

    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(datetime(2026, 1, 1), postgresql.dialect())


def test_accelerated_clock_runs_speed_times_faster_from_its_start() -> None:
    from workflow.clock import virtual_time
    from workflow.settings import Settings

    origin = datetime(2026, 12, 7, 22, 0, tzinfo=UTC)
    settings = Settings(
        clock_virtual_start=datetime(2026, 3, 2, tzinfo=timezone(timedelta(hours=7))),
        clock_real_start=origin,
        clock_speed=14400,
    )
    assert virtual_time(settings, origin) == datetime(2026, 3, 1, 17, tzinfo=UTC)
    # One real minute is ten virtual days.
    later = virtual_time(settings, origin + timedelta(minutes=1))
    assert later == datetime(2026, 3, 11, 17, tzinfo=UTC)
    assert virtual_time(Settings(), origin) == origin  # unset: the wall clock


def test_accelerated_clock_needs_both_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    from workflow.clock import utc_now
    from workflow.settings import Settings, get_settings

    with pytest.raises(ValidationError, match="go together"):
        Settings(clock_virtual_start=datetime(2026, 3, 2, tzinfo=UTC))
    monkeypatch.setenv("PLANFLOW_CLOCK_VIRTUAL_START", "2026-03-02T00:00:00+07:00")
    monkeypatch.setenv("PLANFLOW_CLOCK_REAL_START", utc_now().isoformat())
    monkeypatch.setenv("PLANFLOW_CLOCK_SPEED", "3600")
    get_settings.cache_clear()
    try:
        now = utc_now()
        assert datetime(2026, 3, 1, 17, tzinfo=UTC) <= now < datetime(2026, 3, 2, 17, tzinfo=UTC)
    finally:
        get_settings.cache_clear()
