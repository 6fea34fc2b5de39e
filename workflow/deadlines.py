"""Reminder ladder (nhắc việc) and escalation ladder (báo cáo vượt cấp) → the next action time.

The scheduler calls only this module's functions; everything here is pure (no session,
no clock): the item, the working calendar, the ladder and the agency's zone go in.

Order of the rungs of one item (each is sent at most once per due date):
``remind-5 < remind-1 < due-today < overdue < escalate-1 < escalate-2 < escalate-3``.
Reminders fire at the start of their working day; "overdue" at the deadline itself (the
end of the due day); escalation level n at the start of the n-th configured working day
after the due day. When several reminder rungs have come at once (after an outage), only
the latest one is sent; each escalation level still fires once.

The deadline flag (on track, due soon, overdue) is defined here once too, in Python and
as SQL (`Flag`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, literal, not_, or_
from sqlalchemy.sql.elements import ColumnElement

from workflow.calendar import WorkCalendar, deadline_at, local_date
from workflow.errors import InvalidInput
from workflow.models.work import WorkItem
from workflow.settings import Settings
from workflow.states import CLOSED_STATES, State

KIND_REMINDER = "reminder"
KIND_DUE_TODAY = "due_today"
KIND_OVERDUE = "overdue"
KIND_ESCALATION = "escalation"


@dataclass(frozen=True)
class Ladder:
    """Reminder offsets (working days before due; 0 = the due day) and escalation offsets
    (working days after due; the i-th offset is escalation level i+1: unit head, deputy
    director in charge, director)."""

    reminders: tuple[int, ...] = (5, 1, 0)
    escalations: tuple[int, ...] = (1, 3, 5)
    reminder_hour: int = 8


DEFAULT_LADDER = Ladder()


def _offsets(value: Any, *, name: str, minimum: int) -> tuple[int, ...]:
    if not isinstance(value, list | tuple) or not all(
        isinstance(v, int) and not isinstance(v, bool) and v >= minimum for v in value
    ):
        raise InvalidInput(f"policy {name}: expected a list of integers >= {minimum}")
    return tuple(sorted(set(value), reverse=name == "reminders"))


def ladder_for(plan_policy: dict[str, Any] | None) -> Ladder:
    """The ladder of a plan's policy (keys `reminders`, `escalations`, `reminder_hour`)."""
    if not plan_policy:
        return DEFAULT_LADDER
    reminders = DEFAULT_LADDER.reminders
    escalations = DEFAULT_LADDER.escalations
    hour = DEFAULT_LADDER.reminder_hour
    if "reminders" in plan_policy:
        reminders = _offsets(plan_policy["reminders"], name="reminders", minimum=0)
    if "escalations" in plan_policy:
        escalations = _offsets(plan_policy["escalations"], name="escalations", minimum=1)
        if len(escalations) > 3:
            raise InvalidInput("policy escalations: at most 3 levels")
    if "reminder_hour" in plan_policy:
        hour = plan_policy["reminder_hour"]
        if not isinstance(hour, int) or not 0 <= hour <= 23:
            raise InvalidInput("policy reminder_hour: expected an hour 0-23")
    return Ladder(reminders=reminders, escalations=escalations, reminder_hour=hour)


@dataclass(frozen=True, order=True)
class Rung:
    """One step of the ladders; `rank` orders rungs of one due date."""

    rank: tuple[int, int]
    name: str
    kind: str
    level: int = 0

    @staticmethod
    def reminder(offset: int) -> Rung:
        if offset == 0:
            return Rung((1, 0), "due-today", KIND_DUE_TODAY)
        return Rung((0, -offset), f"remind-{offset}", KIND_REMINDER)

    @staticmethod
    def overdue() -> Rung:
        return Rung((2, 0), "overdue", KIND_OVERDUE)

    @staticmethod
    def escalation(level: int) -> Rung:
        return Rung((3, level), f"escalate-{level}", KIND_ESCALATION, level)

    @staticmethod
    def parse(name: str) -> Rung:
        """The rung called `name` (as stored in `WorkItem.last_rung_sent`)."""
        if name == "due-today":
            return Rung.reminder(0)
        if name == "overdue":
            return Rung.overdue()
        prefix, _, number = name.rpartition("-")
        if prefix == "remind" and number.isdigit():
            return Rung.reminder(int(number))
        if prefix == "escalate" and number.isdigit():
            return Rung.escalation(int(number))
        raise ValueError(f"unknown rung {name!r}")


@dataclass(frozen=True)
class RungAt:
    """A rung with the moment it falls due (aware UTC)."""

    rung: Rung
    at: datetime

    @property
    def name(self) -> str:
        return self.rung.name

    @property
    def kind(self) -> str:
        return self.rung.kind

    @property
    def level(self) -> int:
        return self.rung.level


def due_date(item: WorkItem, *, tz: str) -> date:
    """The due day of `item` in the agency's zone."""
    return local_date(item.due_at, tz=tz)


def _start_of(day: date, *, hour: int, tz: str) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=ZoneInfo(tz)).astimezone(UTC)


def schedule(item: WorkItem, *, calendar: WorkCalendar, ladder: Ladder, tz: str) -> list[RungAt]:
    """Every rung of `item`'s current due date, in order (whatever was already sent)."""
    due = due_date(item, tz=tz)
    rungs: list[RungAt] = []
    for offset in ladder.reminders:
        day = calendar.subtract_working_days(due, offset)
        # A reminder for a day before the work even started would say something false.
        if offset > 0 and day < item.start_on:
            continue
        rungs.append(
            RungAt(Rung.reminder(offset), _start_of(day, hour=ladder.reminder_hour, tz=tz))
        )
    rungs.append(RungAt(Rung.overdue(), item.due_at.astimezone(UTC)))
    for level, offset in enumerate(ladder.escalations, start=1):
        day = calendar.add_working_days(due, offset)
        rungs.append(
            RungAt(Rung.escalation(level), _start_of(day, hour=ladder.reminder_hour, tz=tz))
        )
    rungs.sort(key=lambda r: (r.at, r.rung.rank))
    return rungs


def _is_active(item: WorkItem) -> bool:
    return State(item.state) not in CLOSED_STATES and item.state != State.PAUSED


def _pending(item: WorkItem, rungs: list[RungAt]) -> list[RungAt]:
    """Rungs not yet sent: later than `last_rung_sent`, escalations above `escalation_level`."""
    last = Rung.parse(item.last_rung_sent).rank if item.last_rung_sent else None
    return [
        r
        for r in rungs
        if (last is None or r.rung.rank > last)
        and not (r.kind == KIND_ESCALATION and r.level <= item.escalation_level)
    ]


def due_rungs(
    item: WorkItem, *, now: datetime, calendar: WorkCalendar, ladder: Ladder, tz: str
) -> list[RungAt]:
    """The rungs to send now: reminder-like rungs collapsed into the latest one that has come,
    then every escalation level that has come and was not sent yet."""
    if not _is_active(item):
        return []
    come = [r for r in _pending(item, schedule(item, calendar=calendar, ladder=ladder, tz=tz))]
    come = [r for r in come if r.at <= now]
    plain = [r for r in come if r.kind != KIND_ESCALATION]
    escalations = [r for r in come if r.kind == KIND_ESCALATION]
    return ([max(plain, key=lambda r: r.rung.rank)] if plain else []) + escalations


def mark_sent(
    item: WorkItem,
    rung: Rung | RungAt,
    *,
    calendar: WorkCalendar | None = None,
    ladder: Ladder | None = None,
    tz: str | None = None,
) -> None:
    """Record that `rung` was sent (never moves backwards). With `calendar`, `ladder` and
    `tz` it also recomputes `item.next_action_at`; otherwise the caller must."""
    step = rung.rung if isinstance(rung, RungAt) else rung
    last = Rung.parse(item.last_rung_sent) if item.last_rung_sent else None
    if last is None or step.rank > last.rank:
        item.last_rung_sent = step.name
    if step.kind == KIND_ESCALATION:
        item.escalation_level = max(item.escalation_level, step.level)
    if calendar is not None and ladder is not None and tz is not None:
        item.next_action_at = compute_next_action_at(item, calendar=calendar, ladder=ladder, tz=tz)


def compute_next_action_at(
    item: WorkItem, *, calendar: WorkCalendar, ladder: Ladder, tz: str
) -> datetime | None:
    """The earliest moment a rung not yet sent falls due; None for closed or paused items
    and once every rung was sent."""
    if not _is_active(item):
        return None
    pending = _pending(item, schedule(item, calendar=calendar, ladder=ladder, tz=tz))
    return min((r.at for r in pending), default=None)


def reset_ladder(item: WorkItem) -> None:
    """Forget what was sent: called when the due date moves (a new due date, a new ladder)."""
    item.last_rung_sent = None
    item.escalation_level = 0


class Flag(StrEnum):
    """The deadline flag of an item: trong hạn, sắp đến hạn (orange), quá hạn (red), or closed.

    The one rule (CLI, API, pages, dashboard, mail and reports ask `deadline_flag` or its SQL
    form `overdue_clause` / `due_soon_clause`, so they cannot disagree):
    - a closed item (done, cancelled, withdrawn, returned) is CLOSED;
    - a paused item's clock is stopped (resuming moves its due date by the working days
      paused): it is OVERDUE only if it was already overdue when paused, else ON_TRACK;
    - otherwise OVERDUE once its deadline has passed, DUE_SOON when the deadline falls
      before the end of the `due_soon_working_days`-th working day from today (from the
      next working day when today is a day off), ON_TRACK after that.
    """

    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    CLOSED = "closed"


def due_soon_until(
    *, now: datetime, calendar: WorkCalendar, settings: Settings, days: int | None = None
) -> datetime:
    """The instant until which an open deadline is 'sắp đến hạn': the end of the `days`-th
    working day (default: the `due_soon_working_days` setting) from today."""
    today = calendar.roll_to_working_day(local_date(now, tz=settings.timezone))
    n = settings.due_soon_working_days if days is None else days
    return deadline_at(calendar.add_working_days(today, n), settings=settings)


def deadline_flag(
    *, state: str, due_at: datetime, paused_at: datetime | None, now: datetime, soon: datetime
) -> Flag:
    """The flag of an item in `state` due at `due_at` (`soon`: from `due_soon_until`)."""
    if State(state) in CLOSED_STATES:
        return Flag.CLOSED
    if state == State.PAUSED:
        stopped = now if paused_at is None else min(now, paused_at)
        return Flag.OVERDUE if due_at < stopped else Flag.ON_TRACK
    if due_at < now:
        return Flag.OVERDUE
    return Flag.DUE_SOON if due_at <= soon else Flag.ON_TRACK


class Deadlined(Protocol):
    """Anything with a state and a due time: a WorkItem or a row of a list query."""

    @property
    def state(self) -> str: ...
    @property
    def due_at(self) -> datetime: ...
    @property
    def paused_at(self) -> datetime | None: ...


def flag_of(item: Deadlined, *, now: datetime, soon: datetime) -> Flag:
    """The deadline flag of `item` (`soon`: from `due_soon_until`)."""
    return deadline_flag(
        state=item.state, due_at=item.due_at, paused_at=item.paused_at, now=now, soon=soon
    )


def flag(
    item: WorkItem,
    *,
    now: datetime,
    calendar: WorkCalendar,
    settings: Settings,
    days: int | None = None,
) -> Flag:
    """The deadline flag of `item` now (see `Flag`)."""
    soon = due_soon_until(now=now, calendar=calendar, settings=settings, days=days)
    return flag_of(item, now=now, soon=soon)


_WI = WorkItem.__table__.c  # type: ignore[attr-defined]
_PAUSED = State.PAUSED.value


def _instant(at: datetime | ColumnElement[Any]) -> ColumnElement[Any]:
    # Typed as the column, so SQLite compares the same stored text form of instants.
    return at if isinstance(at, ColumnElement) else literal(at, type_=_WI.due_at.type)


def overdue_clause(at: datetime | ColumnElement[Any]) -> ColumnElement[bool]:
    """SQL: the deadline had passed at `at` (an instant or bind parameter) for an item not
    closed; a paused item only if it was already overdue when paused. The caller adds the
    state filter (open items, or not done for the reports)."""
    due, moment = _WI.due_at, _instant(at)
    return and_(due < moment, or_(_WI.state != _PAUSED, due < func.coalesce(_WI.paused_at, moment)))


def due_soon_clause(
    now: datetime | ColumnElement[Any], soon: datetime | ColumnElement[Any]
) -> ColumnElement[bool]:
    """SQL: not overdue at `now`, due by `soon` (from `due_soon_until`), not paused."""
    due = _WI.due_at
    return and_(due >= _instant(now), due <= _instant(soon), _WI.state != _PAUSED)


def on_track_clause(
    now: datetime | ColumnElement[Any], soon: datetime | ColumnElement[Any]
) -> ColumnElement[bool]:
    """SQL: neither overdue nor due soon (for open items)."""
    return not_(or_(overdue_clause(now), due_soon_clause(now, soon)))


def classify_close(
    item: WorkItem, *, completed_at: datetime, calendar: WorkCalendar, tz: str
) -> tuple[bool, int]:
    """(on time, working days late) for work completed at `completed_at` against `due_at`."""
    if completed_at <= item.due_at:
        return True, 0
    late = calendar.working_days_between(due_date(item, tz=tz), local_date(completed_at, tz=tz))
    # Finishing after the deadline on the due evening or a weekend is still late: ≥ 1 day.
    return False, max(1, late)
