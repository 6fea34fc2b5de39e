"""Indicator readings (số liệu chỉ tiêu): a coordinator records a measured value as of a date.

The report uses the latest reading within its period, so a correction is a new reading
with the same `as_of` (the later one wins), never an edit that would rewrite history.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlmodel import Session

from workflow.calendar import local_date
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models.org import Role, User
from workflow.models.plan import Indicator, IndicatorReading
from workflow.settings import get_settings

RECORDERS = {Role.COORDINATOR.value}


def record_reading(
    *,
    session: Session,
    now: datetime,
    actor: User,
    indicator_id: int,
    value: float,
    as_of: date,
    note: str | None = None,
) -> IndicatorReading:
    """Store a reading of `indicator_id`; only coordinators (đầu mối CCHC) may."""
    if actor.role not in RECORDERS or not actor.is_active:
        raise NotAllowed(f"{actor.username} ({actor.role}) may not record indicator readings")
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(f"indicator {indicator_id} does not exist")
    if not math.isfinite(value):
        raise InvalidInput(f"reading must be a finite number, got {value!r}")
    if indicator.measure_unit == "%" and not 0 <= value <= 100:
        raise InvalidInput(f"a percentage must be between 0 and 100, got {value:g}")
    today = local_date(now, tz=get_settings().timezone)
    if as_of > today:
        raise InvalidInput(f"as-of date {as_of:%d/%m/%Y} is in the future")
    reading = IndicatorReading(
        indicator_id=indicator_id,
        value=value,
        as_of=as_of,
        note=(note or "").strip() or None,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    session.add(reading)
    session.flush()
    return reading
