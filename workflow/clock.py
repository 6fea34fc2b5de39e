"""The one place that reads the wall clock; everything else takes `now` as an argument.

A test or demo cluster may run on an accelerated clock (`PLANFLOW_CLOCK_VIRTUAL_START`,
`PLANFLOW_CLOCK_REAL_START`, `PLANFLOW_CLOCK_SPEED`): every process given the same three
values agrees on the virtual time, which starts at the virtual start when the wall clock
reads the real start and runs `speed` times faster. A server never sets them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from workflow.settings import Settings, get_settings


def wall_now() -> datetime:
    """The wall clock, for timers that count real seconds (APScheduler's next run); the
    time of the business (deadlines, mail, records) is `utc_now`."""
    return datetime.now(UTC)


def virtual_time(settings: Settings, wall: datetime) -> datetime:
    """The accelerated clock's time at the wall-clock moment `wall` (`wall` without one)."""
    start, origin = settings.clock_virtual_start, settings.clock_real_start
    if start is None or origin is None:
        return wall
    return ensure_utc(start) + (wall - ensure_utc(origin)) * settings.clock_speed


def utc_now() -> datetime:
    """Return the current time as a timezone-aware UTC datetime (virtual when configured)."""
    return virtual_time(get_settings(), wall_now())


def ensure_utc(value: datetime) -> datetime:
    """Treat a naive datetime as UTC (SQLite drops the zone) and convert an aware one to UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
