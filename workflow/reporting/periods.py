"""Report kinds and periods (kỳ báo cáo), their Vietnamese labels and when each is sent.

CCHC data periods follow the Ministry of Home Affairs guidance (581/BNV-CCHC): a year's
data runs from 15/12 of the year before to 14/12, so Q1 is 15/12-14/3, the six months
15/12-14/6, Q3 15/6-14/9. A CCHC report leaves a configurable number of working days
before the provincial deadline (a day of the month in which the data period ends); the
weekly digest leaves on Monday 07:30 agency time for the week that just ended.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from workflow.calendar import WorkCalendar
from workflow.errors import InvalidInput
from workflow.settings import Settings, get_settings

_DAY = timedelta(days=1)
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class ReportKind(StrEnum):
    """Kinds of report; the values are stored in `report_run.kind`."""

    WEEKLY = "weekly"  # bản tin tuần
    QUARTERLY = "quarterly"  # báo cáo quý
    SIX_MONTH = "six_month"  # báo cáo 6 tháng
    ANNUAL = "annual"  # báo cáo năm
    CUSTOM = "custom"  # theo yêu cầu, khoảng ngày bất kỳ


@dataclass(frozen=True)
class Period:
    """A data period: `start` and `end` are inclusive dates in the agency's zone."""

    kind: ReportKind
    start: date
    end: date
    key: str
    label: str

    def begin_at(self, tz: str) -> datetime:
        """The first instant of the period (00:00 of `start`, agency time)."""
        return datetime.combine(self.start, time(0), tzinfo=ZoneInfo(tz))

    def cutoff_at(self, tz: str) -> datetime:
        """The first instant after the period: the numbers are taken as of this moment."""
        return datetime.combine(self.end + _DAY, time(0), tzinfo=ZoneInfo(tz))


def fmt_date(day: date) -> str:
    """dd/mm/yyyy, as Vietnamese documents write dates in tables."""
    return day.strftime("%d/%m/%Y")


def date_line(place: str, day: date) -> str:
    """The place and date line of Nghị định 30/2020: days below 10 and months 1-2 padded."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{place}, ngày {day.day:02d} tháng {month} năm {day.year}"


def quarter(year: int, q: int) -> Period:
    """CCHC quarter `q` of `year`; Q1 starts on 15/12 of the year before."""
    if q not in ROMAN:
        raise InvalidInput(f"quarter must be 1-4, got {q}")
    start = date(year - 1, 12, 15) if q == 1 else date(year, 3 * (q - 1), 15)
    end = date(year, 3 * q, 14)
    return Period(ReportKind.QUARTERLY, start, end, f"{year}Q{q}", f"quý {ROMAN[q]} năm {year}")


def half_year(year: int, h: int) -> Period:
    """CCHC half `h` of `year`: H1 15/12-14/6, H2 15/6-14/12."""
    if h == 1:
        return Period(
            ReportKind.SIX_MONTH,
            date(year - 1, 12, 15),
            date(year, 6, 14),
            f"{year}H1",
            f"6 tháng đầu năm {year}",
        )
    if h == 2:
        return Period(
            ReportKind.SIX_MONTH,
            date(year, 6, 15),
            date(year, 12, 14),
            f"{year}H2",
            f"6 tháng cuối năm {year}",
        )
    raise InvalidInput(f"half must be 1 or 2, got {h}")


def year_period(year: int) -> Period:
    """The CCHC year: 15/12 of the year before to 14/12."""
    return Period(
        ReportKind.ANNUAL, date(year - 1, 12, 15), date(year, 12, 14), str(year), f"năm {year}"
    )


def iso_week(year: int, week: int) -> Period:
    """ISO week `week` of `year`, Monday to Sunday."""
    try:
        start = date.fromisocalendar(year, week, 1)
    except ValueError as exc:
        raise InvalidInput(f"no ISO week {week} in {year}") from exc
    end = start + 6 * _DAY
    label = f"tuần {week} năm {year} (từ {fmt_date(start)} đến {fmt_date(end)})"
    return Period(ReportKind.WEEKLY, start, end, f"{year}-W{week:02d}", label)


def custom(start: date, end: date) -> Period:
    """Any date range, both ends included."""
    if end < start:
        raise InvalidInput(f"period ends ({end}) before it starts ({start})")
    label = f"từ ngày {fmt_date(start)} đến ngày {fmt_date(end)}"
    return Period(ReportKind.CUSTOM, start, end, f"{start.isoformat()}..{end.isoformat()}", label)


_PATTERNS: list[tuple[re.Pattern[str], ReportKind]] = [
    (re.compile(r"^(\d{4})Q([1-4])$", re.I), ReportKind.QUARTERLY),
    (re.compile(r"^(\d{4})H([12])$", re.I), ReportKind.SIX_MONTH),
    (re.compile(r"^(\d{4})$"), ReportKind.ANNUAL),
    (re.compile(r"^(\d{4})-W(\d{1,2})$", re.I), ReportKind.WEEKLY),
    (re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$"), ReportKind.CUSTOM),
]


def parse_period(text: str, kind: ReportKind | str | None = None) -> Period:
    """Parse "2026Q1", "2026H1", "2026", "2026-W10" or "2026-01-01..2026-03-31".

    When `kind` is given the text must be of that kind (a typo must not build the
    wrong report and freeze it).
    """
    text = text.strip()
    for pattern, found in _PATTERNS:
        m = pattern.match(text)
        if not m:
            continue
        if kind is not None and ReportKind(kind) != found:
            raise InvalidInput(f"period {text!r} is {found.value}, not {ReportKind(kind).value}")
        a, b = m.group(1), m.group(2) if m.lastindex and m.lastindex > 1 else None
        if found is ReportKind.QUARTERLY:
            return quarter(int(a), int(b or 0))
        if found is ReportKind.SIX_MONTH:
            return half_year(int(a), int(b or 0))
        if found is ReportKind.ANNUAL:
            return year_period(int(a))
        if found is ReportKind.WEEKLY:
            return iso_week(int(a), int(b or 0))
        try:
            return custom(date.fromisoformat(a), date.fromisoformat(b or ""))
        except ValueError as exc:
            raise InvalidInput(f"bad date in period {text!r}: {exc}") from exc
    raise InvalidInput(
        f"cannot read period {text!r}: expected 2026Q1, 2026H1, 2026, 2026-W10 "
        "or 2026-01-01..2026-03-31"
    )


def previous(period: Period) -> Period:
    """The period just before, of the same kind (Q1 → Q4 of the year before)."""
    kind = period.kind
    if kind is ReportKind.QUARTERLY:
        year, q = int(period.key[:4]), int(period.key[5])
        return quarter(year - 1, 4) if q == 1 else quarter(year, q - 1)
    if kind is ReportKind.SIX_MONTH:
        year, h = int(period.key[:4]), int(period.key[5])
        return half_year(year - 1, 2) if h == 1 else half_year(year, 1)
    if kind is ReportKind.ANNUAL:
        return year_period(int(period.key) - 1)
    if kind is ReportKind.WEEKLY:
        iso = (period.start - 7 * _DAY).isocalendar()
        return iso_week(iso.year, iso.week)
    length = period.end - period.start
    return custom(period.start - length - _DAY, period.start - _DAY)


def following(period: Period) -> Period:
    """The period just after, of the same kind (Q4 → Q1 of the year after): the report's
    "phương hướng, nhiệm vụ" names it."""
    kind = period.kind
    if kind is ReportKind.QUARTERLY:
        year, q = int(period.key[:4]), int(period.key[5])
        return quarter(year + 1, 1) if q == 4 else quarter(year, q + 1)
    if kind is ReportKind.SIX_MONTH:
        year, h = int(period.key[:4]), int(period.key[5])
        return half_year(year + 1, 1) if h == 2 else half_year(year, 2)
    if kind is ReportKind.ANNUAL:
        return year_period(int(period.key) + 1)
    if kind is ReportKind.WEEKLY:
        iso = (period.start + 7 * _DAY).isocalendar()
        return iso_week(iso.year, iso.week)
    length = period.end - period.start
    return custom(period.end + _DAY, period.end + length + _DAY)


def working_days_before(calendar: WorkCalendar, day: date, n: int) -> date:
    """The working day `n` working days before `day` (a day off counts back from the
    last working day before it, so an internal deadline is never missed)."""
    d = day
    while not calendar.is_working_day(d):
        d -= _DAY
    counted = 0
    while counted < n:
        d -= _DAY
        if calendar.is_working_day(d):
            counted += 1
    return d


def send_at(
    period: Period, *, calendar: WorkCalendar, settings: Settings | None = None
) -> datetime:
    """When the report of `period` is due to leave (aware, agency zone)."""
    cfg = settings or get_settings()
    tz = ZoneInfo(cfg.timezone)
    clock = time(cfg.report_send_hour, cfg.report_send_minute)
    if period.kind is ReportKind.WEEKLY:
        day = period.end + _DAY
        while day.weekday() != cfg.weekly_report_weekday:
            day += _DAY
        return datetime.combine(day, clock, tzinfo=tz)
    if period.kind is ReportKind.CUSTOM:
        raise InvalidInput("custom reports are built on demand, not scheduled")
    deadline = date(period.end.year, period.end.month, cfg.report_deadline_day)
    if deadline <= period.end:
        # A deadline day before the data closes means the following month.
        deadline = (deadline.replace(day=1) + 32 * _DAY).replace(day=cfg.report_deadline_day)
    day = working_days_before(calendar, deadline, cfg.report_send_working_days_before)
    # Never before the data period has closed.
    if day <= period.end:
        day = calendar.next_working_day(period.end)
    return datetime.combine(day, clock, tzinfo=tz)


def scheduled_periods(kind: ReportKind, year: int) -> list[Period]:
    """The CCHC periods reported each year: Q1 and Q3, H1, the year (Q2 and Q4 are
    covered by the 6-month and annual reports)."""
    if kind is ReportKind.QUARTERLY:
        return [quarter(year, 1), quarter(year, 3)]
    if kind is ReportKind.SIX_MONTH:
        return [half_year(year, 1)]
    if kind is ReportKind.ANNUAL:
        return [year_period(year)]
    raise InvalidInput(f"{kind.value} reports have no yearly schedule")


def last_closed(kind: ReportKind, *, today: date) -> Period:
    """The latest period of `kind` that is over by `today` (agency date): last week for the
    digest; for the CCHC kinds the latest of the periods reported each year (Q1 and Q3,
    H1, the year), as the scheduler would build it."""
    if kind is ReportKind.WEEKLY:
        iso = (today - 7 * _DAY).isocalendar()
        return iso_week(iso.year, iso.week)
    if kind is ReportKind.CUSTOM:
        raise InvalidInput("custom reports have no periods of their own")
    closed = [
        p for y in (today.year - 1, today.year) for p in scheduled_periods(kind, y) if p.end < today
    ]
    return max(closed, key=lambda p: p.end)


def due_reports(
    *, now: datetime, calendar: WorkCalendar, settings: Settings | None = None
) -> list[Period]:
    """The latest period of each enabled kind whose send time has come, oldest first.

    Only the latest per kind, and only within `report_catch_up_days`: a scheduler that
    was down for a month sends this week's digest once, not four stale ones.
    """
    cfg = settings or get_settings()
    window = timedelta(days=cfg.report_catch_up_days)
    today = now.astimezone(ZoneInfo(cfg.timezone)).date()
    found: list[tuple[datetime, Period]] = []
    for name in cfg.report_kinds_enabled:
        kind = ReportKind(name)
        if kind is ReportKind.CUSTOM:
            continue
        if kind is ReportKind.WEEKLY:
            candidates = []
            for back in (1, 2):
                iso = (today - 7 * back * _DAY).isocalendar()
                candidates.append(iso_week(iso.year, iso.week))
        else:
            candidates = [
                p for y in (today.year - 1, today.year) for p in scheduled_periods(kind, y)
            ]
        due = [
            (at, p)
            for p in candidates
            if (at := send_at(p, calendar=calendar, settings=cfg)) <= now and now - at <= window
        ]
        if due:
            found.append(max(due, key=lambda pair: pair[0]))
    return [p for _, p in sorted(found, key=lambda pair: pair[0])]
