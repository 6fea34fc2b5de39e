"""How an indicator (chỉ tiêu) is judged: the one rule the reports and the pages ask.

A plan sets targets for milestone years ("Đến năm 2025: tối thiểu 80%", "Đến năm 2030:
100%"). A period ending in year Y is judged against the milestone that applies to Y:
- the target of year Y itself, when the plan sets one;
- between two milestones, the path from the last one to the next (linear by year), so
  2026 on the way from 80% (2025) to 100% (2030) asks 84%;
- after the last milestone, that milestone (what was reached must be kept);
- before the first one, the first one.

The comparison comes from the target's wording, read at import ("tối thiểu", "ít nhất",
"từ … trở lên" → ≥; "trên" → >; "trong top N" → rank ≤ N); a bare "80%" or "100%" is a
level to reach, so reaching more meets it. A target met is "on_track"; a reading within
`at_risk_ratio` of it "at_risk"; further off "off_track".

`short_name` gives the compact name a report table prints: the plan's sentence without
its target ("Tối thiểu 80% …", "… đạt từ 30% trở lên", "… trong top 10 của tỉnh").
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

# Comparators for which a smaller reading is better.
LOWER_IS_BETTER = ("<=", "<", "rank<=")


@dataclass(frozen=True)
class Milestone:
    """A target of the plan: `comparator` `value` by the end of `year`."""

    year: int
    comparator: str
    value: float


@dataclass(frozen=True)
class Applied:
    """The target a period is judged against: `year` is the period's year when it lies on
    the path between two milestones (`towards` then names the next milestone's year)."""

    year: int
    comparator: str
    value: float
    towards: int | None = None


def applied_target(milestones: Sequence[Milestone], year: int) -> Applied | None:
    """The target that applies to a period ending in `year` (see the module docstring)."""
    if not milestones:
        return None
    ordered = sorted(milestones, key=lambda m: m.year)
    for m in ordered:
        if m.year == year:
            return Applied(m.year, m.comparator, m.value)
    before = [m for m in ordered if m.year < year]
    after = [m for m in ordered if m.year > year]
    if before and after:
        last, nxt = before[-1], after[0]
        path = last.comparator not in ("rank<=", "increase>=") and _same_sense(
            last.comparator, nxt.comparator
        )
        if path and last.value != nxt.value:
            share = (year - last.year) / (nxt.year - last.year)
            value = round(last.value + (nxt.value - last.value) * share, 2)
            return Applied(year, nxt.comparator, value, towards=nxt.year)
        return Applied(last.year, last.comparator, last.value)
    m = before[-1] if before else after[0]
    return Applied(m.year, m.comparator, m.value)


def _same_sense(a: str, b: str) -> bool:
    return (a in LOWER_IS_BETTER) == (b in LOWER_IS_BETTER)


def is_met(comparator: str, target: float, actual: float) -> bool:
    """True when `actual` meets the target; "=" (a bare level) is met by reaching it."""
    return {
        ">=": actual >= target,
        ">": actual > target,
        "=": actual >= target,
        "<=": actual <= target,
        "<": actual < target,
        "rank<=": actual <= target,
        "increase>=": actual >= target,
    }[comparator]


def judge(
    comparator: str | None, target: float | None, actual: float | None, at_risk_ratio: float
) -> str:
    """on_track when the target is met; at_risk within `at_risk_ratio` of it; else
    off_track (no_target, no_data when either is missing). For "lower is better"
    comparators (≤, <, rank ≤) the ratio is target / actual."""
    if comparator is None or target is None:
        return "no_target"
    if actual is None:
        return "no_data"
    if is_met(comparator, target, actual):
        return "on_track"
    if comparator in LOWER_IS_BETTER:
        ratio = target / actual if actual else 0.0
    else:
        ratio = actual / target if target else 0.0
    return "at_risk" if ratio >= at_risk_ratio else "off_track"


_NUMBER = r"\d+(?:[.,]\d+)?\s*%?"
_LEADING = re.compile(
    rf"^(?:trong số đó|trong đó)?\s*,?\s*(?:(?:đạt\s+)?(?:tối thiểu|ít nhất|trên|từ|đạt)\s+)?"
    rf"{_NUMBER}\s*",
    re.IGNORECASE,
)
_PREFIX = re.compile(r"^(?:trong số đó|trong đó)\s*,\s*", re.IGNORECASE)
_TRAILING = re.compile(
    r"[\s,]*(?:(?:đạt|tăng|giảm)\s+)?(?:(?:tối thiểu|ít nhất|trên|từ|dưới|tối đa)\s+"
    rf"{_NUMBER}|\d+(?:[.,]\d+)?\s*%)(?:\s*trở lên)?.*$"
    r"|[\s,]*(?:nằm\s+)?trong\s+(?:nhóm\s+)?top\s+\d+.*$",
    re.IGNORECASE,
)
# Where a long indicator may end: before a clause of purpose or condition.
_CLAUSE = re.compile(r",?\s+(?:mà|hoặc|để|nhằm|bảo đảm|đảm bảo|cho đến)\s", re.IGNORECASE)
LONG_WORDS = 24
_KIND_WORDS = ("tỷ lệ", "số ", "mức", "chỉ số", "chỉ tiêu")


def short_name(name: str) -> str:
    """The indicator without its target, for a table's "Chỉ tiêu" column:
    "Tối thiểu 80% thủ tục hành chính có yêu cầu nghĩa vụ tài chính, được triển khai
    thanh toán trực tuyến" → "Tỷ lệ thủ tục hành chính có yêu cầu nghĩa vụ tài chính, được
    triển khai thanh toán trực tuyến"; "trong số đó, tỷ lệ giao dịch thanh toán trực tuyến
    đạt từ 30% trở lên." → "Tỷ lệ giao dịch thanh toán trực tuyến"."""
    text = " ".join(name.split())
    clause = re.split(r"[;:]", text, maxsplit=1)[0].strip().rstrip(".")
    clause = _PREFIX.sub("", clause)
    was_share = False
    lead = _LEADING.match(clause)
    if lead and "%" in lead.group(0):
        clause = clause[lead.end() :]
        was_share = True
    cut = _TRAILING.search(clause)
    if cut and cut.start() > 0:
        clause = clause[: cut.start()]
    clause = clause.strip(" ,.")
    if len(clause.split()) > LONG_WORDS and (end := _CLAUSE.search(clause)):
        clause = clause[: end.start()].strip(" ,.")
    if not clause:
        return text
    if was_share and not clause.lower().startswith(_KIND_WORDS):
        clause = "tỷ lệ " + clause
    return clause[0].upper() + clause[1:]
