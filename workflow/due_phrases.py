"""Deadline phrases (thời gian hoàn thành) as officers write them, read into a due date or a
recurrence: the one place that reads a plan's "Thời gian hoàn thành" column.

`read_due_phrase` never raises on an unreadable phrase: it answers `kind="unread"` with a
warning, so an import shows it in the preview instead of failing. The date it gives is the
date the phrase names; rolling it to a working day is the calendar's job
(`workflow.calendar.working_day_for`), and pages show both so nothing moves silently.

Reading rules (matching ignores case and diacritics, "hằng" and "hàng" alike):

- a date in any common form ("15/12/2026", "15-12-2026", "15.12.2026", "ngày 15 tháng 12 năm
  2026"), a month ("Tháng 6/2026" → its last day), a quarter ("Quý II/2026", "Quý 2 năm 2026"
  → its last day), a half ("6 tháng đầu năm" → 30/6), a year ("Năm 2026", "Cả năm", "Trong
  năm" → 31/12), with or without "Trước", "Chậm nhất", "Hoàn thành trước/trong": `fixed`,
  due on that date. "Trước ngày 15/12" is read as 15/12 itself: the office's practice is that
  work handed in on that day is on time. A phrase naming several dates or a range ("Tháng
  3-6/2026", "Quý II-III", "Từ tháng 3 đến tháng 6/2026") is due at the latest one. A date
  without a year takes the phrase's own year, else the plan year.
- a frequency ("Hằng tháng/quý/năm", "Định kỳ hằng quý", "6 tháng/lần", "Hằng tuần"):
  `recurring`, an RRULE whose occurrences fall on the plan's reporting duty
  (`ReportingDuty`, e.g. day 10 of the period's last month) when the plan states one or the
  phrase itself does ("Hằng năm, trước ngày 15/12"); otherwise on the period's last day. The
  smallest period named wins ("Hằng quý, 6 tháng, năm" is quarterly).
- continuous work ("Thường xuyên", "Liên tục") and work on demand ("Theo chỉ đạo", "Khi có
  yêu cầu", "Theo tiến độ", "Đột xuất"): `ongoing`, no fixed due, tracked by a progress report
  that recurs at the frequency the phrase names, else quarterly, like the agency's reform
  reports (581/BNV-CCHC), and on the reporting duty when there is one. "Thường xuyên" wins
  over a date or frequency in the same phrase; the on-demand words lose to them.

RRULEs carry no DTSTART or UNTIL (the caller bounds them by the plan's years) and are month-end
safe: a period's last day is BYMONTHDAY=-1, a day after the 28th in several months is "the
last of days 28..d" (BYSETPOS=-1), as `workflow.recurrence` does.
"""

from __future__ import annotations

import calendar as _calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

DueKind = Literal["fixed", "recurring", "ongoing", "unread"]

# The progress report of ongoing work recurs quarterly unless the phrase names a frequency.
ONGOING_REPORT_MONTHS = 3


@dataclass(frozen=True)
class DueReading:
    """What a deadline phrase means.

    - `fixed`: `due` is the named date;
    - `recurring`: `recurrence` is an RFC 5545 RRULE (without DTSTART) and `due` is None;
    - `ongoing` ("Thường xuyên", "Theo chỉ đạo"): no fixed due, tracked by a recurring
      progress report whose rule is `recurrence`;
    - `unread`: nothing understood; `warning` says so.

    `warning` may also accompany a reading (a date before the plan year, a frequency assumed).
    """

    text: str
    kind: DueKind
    due: date | None = None
    recurrence: str | None = None
    warning: str | None = None


@dataclass(frozen=True)
class ReportingDuty:
    """A plan's periodic report deadline (chế độ báo cáo), e.g. "báo cáo kết quả trước ngày
    10 của tháng cuối quý" (day 10, the period's last month) or "trước ngày 15/6 và 15/12"
    (day 15 of June and December).

    `months` empty means the last month of each reporting period. Dates on different days
    keep the earliest day: one RRULE crosses its months with its days.
    """

    text: str
    day: int
    months: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"text": self.text, "day": self.day, "months": list(self.months)}

    @classmethod
    def from_json(cls, data: Any) -> ReportingDuty | None:
        """The duty kept as JSON (a plan's sections), or None when there is none."""
        if not isinstance(data, dict) or not isinstance(data.get("day"), int):
            return None
        months = tuple(int(m) for m in data.get("months") or ())
        return cls(text=str(data.get("text", "")), day=data["day"], months=months)


def working_year(start_year: int | None, end_year: int | None, *, today: date) -> int:
    """The year a plan's yearless phrases ("6 tháng đầu năm", "Trước ngày 15/12") mean: an
    annual plan's year; in a multi-year plan, this year kept within the plan's period."""
    if start_year is None or end_year is None:
        return start_year or end_year or today.year
    return min(max(today.year, start_year), end_year)


def fold(text: str) -> str:
    """Lower case without diacritics, dashes as '-', single spaces: what the patterns read."""
    decomposed = unicodedata.normalize("NFD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    bare = bare.replace("đ", "d").replace("Đ", "d").replace("Ð", "d").casefold()
    bare = re.sub(r"[‐‑‒–—−]", "-", bare)
    return " ".join(bare.split())


_Q = r"(iv|i{1,3}|[1-4])(?![a-z0-9])"
_YEAR_TAIL = r"(?:\s*(?:/|-|nam)\s*(\d{4}))?"
_MENTION_RE = re.compile(
    "|".join(
        [
            r"(?P<dmy>(?<!\d)(\d{1,2})\s*(?P<sep>[/.-])\s*(\d{1,2})\s*(?P=sep)\s*(\d{4}|\d{2})(?!\d))",
            r"(?P<words>ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})(?:\s*(?:nam\s+|/\s*)(\d{4}))?)",
            r"(?P<mrange>thang\s+(\d{1,2})\s*(?:-|den|toi)\s*(?:het\s+)?(?:thang\s+)?(\d{1,2})\b"
            + _YEAR_TAIL
            + ")",
            r"(?P<month>thang\s+(\d{1,2})(?!\d)" + _YEAR_TAIL + ")",
            r"(?P<half>(?:6|sau)\s*thang\s*(dau|cuoi)(?:\s*nam)?(?:\s*(\d{4}))?)",
            r"(?P<nua>nua\s+(dau|cuoi)\s+nam(?:\s*(\d{4}))?)",
            r"(?P<qrange>quy\s+" + _Q + r"\s*(?:-|den|toi)\s*(?:het\s+)?(?:quy\s+)?" + _Q
            + _YEAR_TAIL + ")",
            r"(?P<quarter>quy\s+" + _Q + _YEAR_TAIL + ")",
            r"(?P<dm>(?:ngay\s+)?(?<!\d)(\d{1,2})\s*[/.]\s*(\d{1,2})(?![\d/.]))",
            r"(?P<yrange>(?<!\d)(\d{4})\s*-\s*(\d{4})(?!\d))",
            r"(?P<yearword>(?:ca|trong|cuoi|het)\s+nam(?!\s*\d))",
            r"(?P<year>(?:nam\s+)?(?<![\d/.-])((?:19|20)\d\d)(?![\d/.-]))",
        ]
    )
)  # fmt: skip
_EXPLICIT_YEAR_RE = re.compile(r"(?<![\d/.-])((?:19|20)\d\d)(?!\d)|(?<=[/.-])(\d{4})(?!\d)")

_FREQUENCY_RES: list[tuple[re.Pattern[str], int | None]] = [
    (re.compile(r"\b(?:hang|moi|dinh ky)\s+tuan\b"), 0),
    (re.compile(r"\b(?:hang|moi|dinh ky)\s+thang\b"), 1),
    (re.compile(r"\b(?:hang|moi|dinh ky)\s+quy\b"), 3),
    (re.compile(r"\b(?:hang|moi|dinh ky)\s+nam\b|\bcac nam tiep theo\b"), 12),
    (re.compile(r"\b(?:hang\s+|moi\s+|dinh ky\s+)(\d{1,2})\s+thang\b"), None),
    (re.compile(r"(?<!\d)(\d{1,2})\s*thang\s*(?:/|mot|1)\s*lan\b"), None),
    (re.compile(r"\bcuoi\s+(?:moi\s+|cac\s+)?quy\b(?!\s*(?:iv|i{1,3}|[1-4])(?![a-z0-9]))"), 3),
]
_PERIODIC_RE = re.compile(r"\bdinh ky\b")
_STRONG_ONGOING_RE = re.compile(r"\b(?:thuong xuyen|lien tuc)\b")
_WEAK_ONGOING_RE = re.compile(
    r"\b(?:theo chi dao|khi co yeu cau|theo yeu cau|theo tien do|dot xuat|khi phat sinh"
    r"|theo ke hoach|theo quy dinh)\b"
)

_ROMAN = {"i": 1, "ii": 2, "iii": 3, "iv": 4}


def _quarter(token: str) -> int:
    return _ROMAN[token] if token in _ROMAN else int(token)


def _month_end(year: int, month: int) -> date:
    return date(year, month, _calendar.monthrange(year, month)[1])


def _full_year(text: str) -> int:
    value = int(text)
    return value + 2000 if value < 100 else value


def _mention_dates(folded: str, *, default_year: int) -> tuple[list[date], list[str]]:
    """Every date the phrase names (the end of each month, quarter, half or range), and the
    fragments that look like dates but are not (31/6)."""
    found: list[date] = []
    bad: list[str] = []

    def year(text: str | None) -> int:
        return _full_year(text) if text else default_year

    for m in _MENTION_RE.finditer(folded):
        kind = m.lastgroup or ""
        base = _MENTION_RE.groupindex[kind]
        # The alternative's own groups follow its named group.
        parts = m.groups()[base : base + 6]
        try:
            if kind == "dmy":
                day, _sep, month, yr = parts[0], parts[1], parts[2], parts[3]
                found.append(date(_full_year(yr or ""), int(month or 0), int(day or 0)))
            elif kind == "words":
                found.append(date(year(parts[2]), int(parts[1] or 0), int(parts[0] or 0)))
            elif kind == "mrange":
                found.append(_month_end(year(parts[2]), int(parts[1] or 0)))
            elif kind == "month":
                found.append(_month_end(year(parts[1]), int(parts[0] or 0)))
            elif kind in ("half", "nua"):
                found.append(_month_end(year(parts[1]), 6 if parts[0] == "dau" else 12))
            elif kind == "qrange":
                found.append(_month_end(year(parts[2]), 3 * _quarter(parts[1] or "")))
            elif kind == "quarter":
                found.append(_month_end(year(parts[1]), 3 * _quarter(parts[0] or "")))
            elif kind == "dm":
                found.append(date(default_year, int(parts[1] or 0), int(parts[0] or 0)))
            elif kind == "yrange":
                found.append(date(int(parts[1] or 0), 12, 31))
            elif kind == "yearword":
                found.append(date(default_year, 12, 31))
            elif kind == "year":
                found.append(date(int(parts[0] or 0), 12, 31))
        except (ValueError, KeyError):
            bad.append(m.group(0))
    return found, bad


_LAST_MONTH_DUTY_RE = re.compile(
    r"ngay\s+(\d{1,2})(?!\d)\s*(?:cua\s+|trong\s+)?(?:thang\s+cuoi|thang\s+thu\s+(?:3|ba))"
)
_DAY_ONLY_DUTY_RE = re.compile(
    r"(?:truoc|cham nhat|han chot)\s+(?:(?:vao|la)\s+)?ngay\s+(\d{1,2})(?!\d)"
    r"(?!\s*[/.-]\s*\d)(?!\s+thang\s+\d)"
)
_DUTY_DATE_RE = re.compile(
    r"(?<!\d)(\d{1,2})\s*[/.-]\s*(\d{1,2})(?:\s*[/.-]\s*\d{2,4})?(?![\d])"
    r"|ngay\s+(\d{1,2})\s+thang\s+(\d{1,2})"
)
_DUTY_CUE_RE = re.compile(r"\b(?:truoc|cham nhat|han chot|han)\b")


def _duty_in(folded: str, *, text: str) -> ReportingDuty | None:
    """A reporting duty stated in one folded sentence or phrase, if any."""
    if m := _LAST_MONTH_DUTY_RE.search(folded):
        day = int(m.group(1))
        return ReportingDuty(text=text, day=day) if 1 <= day <= 31 else None
    if m := _DAY_ONLY_DUTY_RE.search(folded):
        day = int(m.group(1))
        return ReportingDuty(text=text, day=day) if 1 <= day <= 31 else None
    cue = _DUTY_CUE_RE.search(folded)
    if cue is None:
        return None
    pairs: list[tuple[int, int]] = []
    for m in _DUTY_DATE_RE.finditer(folded, cue.end()):
        d, mo = (
            (int(m.group(1)), int(m.group(2))) if m.group(1) else (int(m.group(3)), int(m.group(4)))
        )
        if 1 <= d <= 31 and 1 <= mo <= 12:
            pairs.append((d, mo))
    if not pairs:
        return None
    months = tuple(sorted({month for _, month in pairs}))
    return ReportingDuty(text=text, day=min(day for day, _ in pairs), months=months)


_SENTENCE_SPLIT_RE = re.compile(r"(?<=[.;!?])\s+")


def find_reporting_duty(paragraphs: list[str]) -> ReportingDuty | None:
    """The first sentence of a plan's body that sets a report deadline ("báo cáo ... trước
    ngày 10 của tháng cuối quý", "... trước ngày 15/6 và 15/12"), read as a duty."""
    for paragraph in paragraphs:
        for sentence in _SENTENCE_SPLIT_RE.split(paragraph):
            folded = fold(sentence)
            if "bao cao" not in folded:
                continue
            duty = _duty_in(folded, text=sentence.strip())
            if duty is not None:
                return duty
    return None


_PERIOD_ENDS = {1: tuple(range(1, 13)), 3: (3, 6, 9, 12), 6: (6, 12), 12: (12,)}


def period_rule(period_months: int, *, duty: ReportingDuty | None = None) -> str:
    """The RRULE of a period of `period_months` (0 weekly, 1, 2, 3, 4, 6 or 12 months):
    on the duty's day when there is one, else on the period's last day."""
    if period_months <= 0:
        return "FREQ=WEEKLY;BYDAY=FR"
    ends = _PERIOD_ENDS.get(period_months) or tuple(
        m for m in range(1, 13) if m % period_months == 0
    )
    months = duty.months if duty and len(duty.months) == len(ends) else ends
    if duty is None:
        day_part = "BYMONTHDAY=-1"
    elif duty.day > 28:
        # Not every month has the day: the last of days 28..d (month-end safe).
        day_part = f"BYMONTHDAY={','.join(str(d) for d in range(28, duty.day + 1))};BYSETPOS=-1"
    else:
        day_part = f"BYMONTHDAY={duty.day}"
    if len(months) == 12:
        return f"FREQ=MONTHLY;{day_part}"
    if len(months) == 1 and "BYSETPOS" not in day_part:
        return f"FREQ=YEARLY;BYMONTH={months[0]};{day_part}"
    return f"FREQ=MONTHLY;BYMONTH={','.join(str(m) for m in months)};{day_part}"


def describe_rule(rule: str) -> str:
    """A rule `period_rule` makes, in words: "day 10 of months 3, 6, 9, 12", "last day of
    each month", "every Friday"."""
    parts = dict(p.partition("=")[::2] for p in rule.split(";") if "=" in p)
    if parts.get("FREQ") == "WEEKLY":
        return "every Friday" if parts.get("BYDAY") == "FR" else rule
    days = parts.get("BYMONTHDAY", "")
    day = "last day" if days == "-1" or "BYSETPOS" in parts else f"day {days}"
    months = parts.get("BYMONTH")
    if not months:
        return f"{day} of each month"
    listed = ", ".join(months.split(","))
    return f"{day} of month {listed}" if "," not in months else f"{day} of months {listed}"


def _frequency(folded: str) -> int | None:
    """The smallest period the phrase names, in months (0 = weekly)."""
    periods: list[int] = []
    for pattern, months in _FREQUENCY_RES:
        for m in pattern.finditer(folded):
            value = months if months is not None else int(m.group(1))
            if value is not None and 0 <= value <= 12:
                periods.append(value)
    return min(periods) if periods else None


def read_due_phrase(
    text: str | None, *, plan_year: int, duty: ReportingDuty | None = None
) -> DueReading:
    """Read `text` (a deadline phrase) for a plan whose working year is `plan_year`.

    `duty` is the plan's reporting duty (`find_reporting_duty`); recurring and ongoing
    readings fall on it unless the phrase states its own day. See the module docstring.
    """
    raw = " ".join((text or "").split())
    if not raw:
        return DueReading(text=raw, kind="unread", warning="no deadline given")
    folded = fold(raw)
    years = [int(a or b) for a, b in _EXPLICIT_YEAR_RE.findall(folded)]
    dates, bad = _mention_dates(folded, default_year=years[-1] if years else plan_year)
    period = _frequency(folded)
    own_duty = (
        _duty_in(folded, text=raw)
        if period is not None or _STRONG_ONGOING_RE.search(folded)
        else None
    )
    rule_duty = own_duty or duty

    if _STRONG_ONGOING_RE.search(folded):
        months = ONGOING_REPORT_MONTHS if period is None else period
        return DueReading(raw, "ongoing", recurrence=period_rule(months, duty=rule_duty))
    if period is not None:
        return DueReading(raw, "recurring", recurrence=period_rule(period, duty=rule_duty))
    if dates:
        due = max(dates)
        warning = None
        if due.year < plan_year:
            warning = f"{due:%d/%m/%Y} is before the plan year {plan_year}"
        return DueReading(raw, "fixed", due=due, warning=warning)
    if _WEAK_ONGOING_RE.search(folded):
        rule = period_rule(ONGOING_REPORT_MONTHS, duty=duty)
        return DueReading(raw, "ongoing", recurrence=rule)
    if _PERIODIC_RE.search(folded):
        rule = period_rule(ONGOING_REPORT_MONTHS, duty=duty)
        warning = "no frequency named: quarterly assumed"
        return DueReading(raw, "recurring", recurrence=rule, warning=warning)
    if bad:
        return DueReading(raw, "unread", warning=f"not a date: {', '.join(bad)}")
    return DueReading(raw, "unread", warning=f"deadline not understood: {raw!r}")
