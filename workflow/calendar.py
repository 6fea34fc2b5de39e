"""Vietnamese working days (ngày làm việc): weekends, lunar holidays, swaps, admin overrides.

The `holidays` package gives VN public holidays with Tết and Giỗ Tổ by the lunar calendar,
days off in lieu and swapped days (a Saturday worked to bridge a holiday). The
`CalendarOverride` table wins over it, for decisions published each year.

Counting is O(1): a prefix sum of working days over the covered years, extended on demand.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from sqlmodel import Session, select

from workflow.db import is_single_writer
from workflow.i18n import N_, NP_, translate, translate_in
from workflow.models.calendar import CalendarOverride
from workflow.settings import Settings, get_settings

_DAY = timedelta(days=1)


class WorkCalendar:
    """Answers working-day questions for the agency; immutable once built."""

    def __init__(self, overrides: Mapping[date, bool] | None = None) -> None:
        self._overrides = dict(overrides or {})
        self._first_year = 0
        self._last_year = -1
        self._origin = date(2000, 1, 1)
        # _cum[i] = number of working days in [origin, origin + i days)
        self._cum: list[int] = [0]
        self._ensure(2015, 2035)

    @property
    def overrides(self) -> Mapping[date, bool]:
        return self._overrides

    def _ensure(self, first_year: int, last_year: int) -> None:
        first_year = min(first_year, self._first_year or first_year)
        last_year = max(last_year, self._last_year)
        if first_year == self._first_year and last_year == self._last_year:
            return
        vn = holidays.country_holidays("VN", years=range(first_year, last_year + 1))
        off = set(vn.keys())
        worked_weekends = set(vn.weekend_workdays)
        # Built aside and swapped in at the end: calendars are shared between threads.
        origin = date(first_year, 1, 1)
        day, end = origin, date(last_year, 12, 31)
        cum = [0]
        while day <= end:
            override = self._overrides.get(day)
            if override is not None:
                working = override
            elif day.weekday() >= 5:
                working = day in worked_weekends
            else:
                working = day not in off
            cum.append(cum[-1] + (1 if working else 0))
            day += _DAY
        self._origin, self._cum = origin, cum
        self._first_year, self._last_year = first_year, last_year

    def _index(self, day: date) -> int:
        if day.year < self._first_year or day.year > self._last_year:
            self._ensure(min(day.year, self._first_year), max(day.year, self._last_year))
        return (day - self._origin).days

    def is_working_day(self, day: date) -> bool:
        """True when officers work on `day`."""
        i = self._index(day)
        return self._cum[i + 1] > self._cum[i]

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; negative when end is before start."""
        if end < start:
            return -self.working_days_between(end, start)
        self._index(start)
        return self._cum[self._index(end) + 1] - self._cum[self._index(start) + 1]

    def working_days_in(self, first: date, last: date) -> list[date]:
        """The working days from `first` to `last` (both included), in order."""
        if last < first:
            return []
        self._index(last)  # may rebuild the table (new origin) before `first` is indexed
        i, j = self._index(first), self._index(last)
        cum, origin = self._cum, self._origin
        return [origin + timedelta(days=k) for k in range(i, j + 1) if cum[k + 1] > cum[k]]

    def add_working_days(self, start: date, n: int) -> date:
        """The day `n` working days after `start` (n ≥ 0; 0 returns `start` itself)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return start
        target = self._cum[self._index(start) + 1] + n
        while target > self._cum[-1]:
            self._ensure(self._first_year, self._last_year + 5)
        # first index i with _cum[i] >= target; the day is origin + (i - 1)
        i = bisect_left(self._cum, target)
        return self._origin + timedelta(days=i - 1)

    def subtract_working_days(self, day: date, n: int) -> date:
        """The working day `n` working days before `day`: the X with
        `working_days_between(X, day) == n` (n ≥ 0; 0 returns `day` itself)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return day
        target = self._cum[self._index(day) + 1] - n
        while target < 1:
            self._ensure(self._first_year - 5, self._last_year)
            target = self._cum[self._index(day) + 1] - n
        i = bisect_left(self._cum, target)
        return self._origin + timedelta(days=i - 1)

    def previous_working_day(self, day: date) -> date:
        """The last working day strictly before `day`."""
        return (
            self.subtract_working_days(day, 1)
            if self.is_working_day(day)
            else (self.subtract_working_days(self.next_working_day(day), 1))
        )

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        return self.add_working_days(day, 1)

    def roll_to_working_day(self, day: date) -> date:
        """`day` itself if it is a working day, else the next one (Civil Code Art. 148)."""
        return day if self.is_working_day(day) else self.next_working_day(day)


class LawDayKind(StrEnum):
    """Why a day departs from the Monday-to-Friday week by law, before any override."""

    HOLIDAY = "holiday"  # ngày lễ, Tết (Labour Code Art. 112)
    OBSERVED = "observed"  # nghỉ bù: a holiday fell on a weekend
    SWAPPED_OFF = "swapped_off"  # ngày nghỉ hoán đổi: off, worked on a weekend day instead
    WORKING_WEEKEND = "working_weekend"  # làm bù: a weekend day worked for a swapped day off


@dataclass(frozen=True)
class LawDay:
    """A notable day of the law's calendar; `paired` links a swapped day off and its
    working weekend day (each names the other)."""

    day: date
    kind: LawDayKind
    name: str
    paired: date | None = None


@lru_cache(maxsize=64)
def law_days(year: int, *, language: str = "vi") -> tuple[LawDay, ...]:
    """The law's notable days of `year` (the `holidays` package, no overrides), in order.

    Every holiday is listed, weekend ones too (they give a day in lieu). `language` is
    one of the package's languages for the names ("vi", "en_US"); kinds are told apart on
    the Vietnamese calendar, whose labels the package defines.
    """
    # Neighbour years too: a swap may cross the new year (2 Jan 2015 off, 27 Dec 2014 worked).
    years = range(year - 1, year + 2)
    # The language is always named: without it the package follows the process's locale.
    vn = holidays.country_holidays("VN", years=years, language="vi")
    named = (
        vn if language == "vi" else holidays.country_holidays("VN", years=years, language=language)
    )
    unobserved = holidays.country_holidays("VN", years=years, observed=False, language="vi")
    swap_prefix = vn.substituted_label.split("%s")[0]
    days: list[LawDay] = []
    swapped: dict[date, date] = {}  # working weekend day → the day off it pays for
    for day, name in sorted(vn.items()):
        if day not in unobserved:
            kind = LawDayKind.OBSERVED
        elif name.startswith(swap_prefix):
            kind = LawDayKind.SWAPPED_OFF
        else:
            kind = LawDayKind.HOLIDAY
        paired = None
        if kind is LawDayKind.SWAPPED_OFF:
            paired = next(
                (w for w in vn.weekend_workdays if w.strftime(vn.substituted_date_format) in name),
                None,
            )
            if paired is not None:
                swapped[paired] = day
        if day.year == year:
            days.append(LawDay(day, kind, str(named.get(day, name)), paired))
    for day in sorted(vn.weekend_workdays):
        if day.year == year:
            days.append(LawDay(day, LawDayKind.WORKING_WEEKEND, "", swapped.get(day)))
    return tuple(sorted(days, key=lambda d: d.day))


# Monday first, as msgids (context "weekday"): `weekday_name` translates.
WEEKDAYS = (
    NP_("weekday", "Thứ Hai"),
    NP_("weekday", "Thứ Ba"),
    NP_("weekday", "Thứ Tư"),
    NP_("weekday", "Thứ Năm"),
    NP_("weekday", "Thứ Sáu"),
    NP_("weekday", "Thứ Bảy"),
    NP_("weekday", "Chủ nhật"),
)
_DAY_OFF_BY_DECISION = N_("ngày nghỉ theo quyết định")


def weekday_name(day: date, lang: str = "vi") -> str:
    """ "Chủ nhật" / "Sunday"."""
    return translate_in(lang, "weekday", WEEKDAYS[day.weekday()])


@dataclass(frozen=True)
class WorkingDue:
    """A due date as a plan names it and the working day it becomes (Civil Code Art. 148):
    shown together, so a deadline never moves silently."""

    named: date
    working: date
    reason: str  # why `named` is a day off (its weekday or holiday name); "" when it is not

    @property
    def moved(self) -> bool:
        return self.working != self.named

    def describe(self) -> str:
        """ "31/05/2026 (Chủ nhật) → 01/06/2026", or the date alone when it does not move."""
        if not self.moved:
            return f"{self.named:%d/%m/%Y}"
        return f"{self.named:%d/%m/%Y} ({self.reason}) → {self.working:%d/%m/%Y}"


def working_day_for(day: date, *, calendar: WorkCalendar, language: str = "vi") -> WorkingDue:
    """The working day a named due date becomes: itself, or after a day off the next
    working day, with the reason in `language` ("vi" or "en")."""
    working = calendar.roll_to_working_day(day)
    if working == day:
        return WorkingDue(day, day, "")
    lang = "en" if language.startswith("en") else "vi"
    if calendar.overrides.get(day) is False:
        reason = translate(lang, _DAY_OFF_BY_DECISION)
    else:
        law = {
            d.day: d.name
            for d in law_days(day.year, language="en_US" if lang == "en" else "vi")
            if d.kind is not LawDayKind.WORKING_WEEKEND
        }
        reason = law.get(day) or weekday_name(day, lang)
    return WorkingDue(day, working, reason)


def end_of_day(day: date, *, tz: str, hour: int = 17, minute: int = 0) -> datetime:
    """The end of the working day `day` in the agency's zone, as an aware datetime in that zone."""
    return datetime.combine(day, time(hour, minute), tzinfo=ZoneInfo(tz))


def deadline_at(day: date, *, settings: Settings | None = None) -> datetime:
    """The deadline of `day`: the end of that working day in the agency's zone, in UTC."""
    s = settings or get_settings()
    return end_of_day(
        day, tz=s.timezone, hour=s.end_of_day_hour, minute=s.end_of_day_minute
    ).astimezone(UTC)


def local_date(moment: datetime, *, tz: str) -> date:
    """The calendar date of `moment` in the agency's zone."""
    return moment.astimezone(ZoneInfo(tz)).date()


_PINNED = "planflow.calendar"


@lru_cache(maxsize=8)
def _calendar_for(overrides: frozenset[tuple[date, bool]]) -> WorkCalendar:
    return WorkCalendar(dict(overrides))


def load_calendar(*, session: Session) -> WorkCalendar:
    """The working calendar with every override stored in the database.

    Building one takes ~0.1 s, so calendars are shared per set of overrides: every
    service call reloads the (small) override table and gets the current calendar. A
    single-writer session (`workflow.db.mark_single_writer`) reads the table once;
    `forget_calendar` drops that copy when the session itself changes an override.
    """
    pinned = session.info.get(_PINNED)
    if isinstance(pinned, WorkCalendar):
        return pinned
    rows = session.exec(select(CalendarOverride)).all()
    calendar = _calendar_for(frozenset((row.day, row.is_working) for row in rows))
    if is_single_writer(session):
        session.info[_PINNED] = calendar
    return calendar


def forget_calendar(*, session: Session) -> None:
    """After an override change: the session's next `load_calendar` reads the table again."""
    session.info.pop(_PINNED, None)
