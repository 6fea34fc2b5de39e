"""Deadline phrases (thời gian hoàn thành) as officers write them, read into a due date or a
recurrence: the one place that reads a plan's "Thời gian hoàn thành" column.

`read_due_phrase` never raises on an unreadable phrase: it answers `kind="unread"` with a
warning, so an import shows it in the preview instead of failing. The date it gives is the
date the phrase names; rolling it to a working day is the calendar's job
(`WorkCalendar.roll_forward`), and pages show both so nothing moves silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Literal

DueKind = Literal["fixed", "recurring", "ongoing", "unread"]


@dataclass(frozen=True)
class DueReading:
    """What a deadline phrase means.

    - `fixed`: `due` is the named date;
    - `recurring`: `recurrence` is an RFC 5545 RRULE (without DTSTART) and `due` is None;
    - `ongoing` ("Thường xuyên", "Theo chỉ đạo"): no fixed due, tracked by a recurring
      progress report whose rule is `recurrence`;
    - `unread`: nothing understood; `warning` says so.
    """

    text: str
    kind: DueKind
    due: date | None = None
    recurrence: str | None = None
    warning: str | None = None


_DMY = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")


def read_due_phrase(text: str | None, *, plan_year: int) -> DueReading:
    """Read `text` (a deadline phrase) for a plan whose working year is `plan_year`.

    Skeleton: full phrase table in tests/unit/test_due_phrases.py.
    """
    raw = (text or "").strip()
    if not raw:
        return DueReading(text=raw, kind="unread", warning="no deadline given")
    m = _DMY.search(raw)
    if m:
        day, month, year = (int(g) for g in m.groups())
        try:
            return DueReading(text=raw, kind="fixed", due=date(year, month, day))
        except ValueError:
            pass
    return DueReading(text=raw, kind="unread", warning=f"deadline not understood: {raw!r}")
