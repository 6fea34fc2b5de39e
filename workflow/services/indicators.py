"""Indicator readings (số liệu chỉ tiêu): a coordinator records a measured value as of a date.

The report uses the latest reading within its period, so a correction is a new reading
with the same `as_of` (the later one wins), never an edit that would rewrite history.
Who may record follows docs/decisions/0010: the coordinator and administrators (the API's
`CoordinatorUser`). Each refusal carries a `code` the web pages word in the user's language.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from sqlmodel import Session

from workflow.calendar import local_date
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models.org import Role, User
from workflow.models.plan import Area, Indicator, IndicatorReading, Plan
from workflow.settings import get_settings

RECORDERS = frozenset({Role.COORDINATOR.value, Role.ADMIN.value})


def may_record(user: User) -> bool:
    """Whether `user` may record readings (đầu mối CCHC, or an administrator)."""
    return user.is_active and user.role in RECORDERS


def plan_of(session: Session, indicator: Indicator) -> Plan:
    """The plan an indicator belongs to (through its area)."""
    area = session.get(Area, indicator.area_id)
    plan = session.get(Plan, area.plan_id) if area is not None else None
    if plan is None:
        raise NotFound(f"indicator {indicator.id} has no plan")
    return plan


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
    """Store a reading of `indicator_id` as of `as_of`.

    Refused: an actor who may not record (NotAllowed); a value that is not a finite number,
    a percentage outside 0-100, a date after today (agency time) or outside the years the
    plan states (InvalidInput). An earlier reading of the same date stays, superseded.
    """
    if not may_record(actor):
        raise NotAllowed(f"{actor.username} ({actor.role}) may not record indicator readings")
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(f"indicator {indicator_id} does not exist")
    if not math.isfinite(value):
        raise InvalidInput(
            f"reading must be a finite number, got {value!r}", code="reading_not_a_number"
        )
    if indicator.measure_unit == "%" and not 0 <= value <= 100:
        raise InvalidInput(
            f"a percentage must be between 0 and 100, got {value:g}", code="reading_percent"
        )
    today = local_date(now, tz=get_settings().timezone)
    if as_of > today:
        raise InvalidInput(f"as-of date {as_of:%d/%m/%Y} is in the future", code="reading_future")
    plan = plan_of(session, indicator)
    # A reading of a year the plan does not cover belongs to no report of it: a typo.
    first, last = plan.start_year, plan.end_year
    if first is not None and last is not None and not first <= as_of.year <= last:
        raise InvalidInput(
            f"as-of date {as_of:%d/%m/%Y} is outside the plan's years {first}-{last}",
            code="reading_outside_plan",
        )
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
