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
