"""Vietnamese wording shared by every rendering of a report (mail, DOCX, XLSX)."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.reporting.snapshot import Counts, ReportSnapshot, TrendPoint
from workflow.states import State, state_label

STATUS_LABELS = {
    "on_track": "Đạt tiến độ",
    "at_risk": "Có nguy cơ chậm",
    "off_track": "Chậm tiến độ",
    "no_data": "Chưa có số liệu",
    "no_target": "Chưa có mục tiêu",
}
# The open states a report lists, with the status the state table gives them.
STATE_LABELS = {
    s.value: state_label(s)
    for s in (
        State.ASSIGNED,
        State.ACCEPTED,
        State.IN_PROGRESS,
        State.AWAITING_REVIEW,
        State.REWORK,
        State.PAUSED,
        State.DONE,
    )
}
COLUMN_LABELS = [
    "Tổng số",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện trong hạn",
    "Quá hạn",
    "Số ngày LV quá hạn",
    "Đề nghị gia hạn",
    "Tỷ lệ hoàn thành (%)",
]


def count_cells(c: Counts) -> list[int | float]:
    """The numbers of a row of the task tables, in COLUMN_LABELS order."""
    return [
        c.total,
        c.done_on_time,
        c.done_late,
        c.in_progress_on_time,
        c.overdue,
        c.overdue_working_days,
        c.extension_requests,
        round(100 * c.completion_rate, 1),
    ]


def num(value: float, digits: int = 1) -> str:
    """A number the Vietnamese way: decimal comma, no trailing zeros ("41,7", "100")."""
    text = f"{value:.{digits}f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


# How a target or a reading of an indicator reads, in Vietnamese and English.
_SYMBOLS = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}
_INDICATOR_WORDS = {
    "vi": {"rank": "hạng {v}", "top": "trong top {v}", "increase": "tăng ≥ {v}"},
    "en": {"rank": "rank {v}", "top": "top {v}", "increase": "increase ≥ {v}"},
}


def fmt_number(value: float, lang: str = "vi") -> str:
    """Up to two decimals without trailing zeros: "72,5" in Vietnamese, "72.5" in English."""
    text = num(value, 2)
    return text.replace(",", ".") if lang == "en" else text


def value_label(value: float, unit: str, lang: str = "vi") -> str:
    """A reading with its unit: "72,5%", "hạng 8" / "rank 8", "12 hồ sơ"."""
    number = fmt_number(value, lang)
    if unit == "%":
        return f"{number}%"
    if unit in ("rank", "hạng"):
        return _INDICATOR_WORDS[lang]["rank"].format(v=number)
    return f"{number} {unit}"


def target_label(comparator: str, value: float, unit: str, lang: str = "vi") -> str:
    """A target as a comparison: "≥ 80%", "trong top 10", "tăng ≥ 20%" / "increase ≥ 20%"."""
    words = _INDICATOR_WORDS[lang]
    number = fmt_number(value, lang) + ("%" if unit == "%" else "")
    if comparator == "rank<=":
        return words["top"].format(v=fmt_number(value, lang))
    if comparator == "increase>=":
        return words["increase"].format(v=number)
    return f"{_SYMBOLS.get(comparator, comparator)} {number}"


def pct(part: int, whole: int) -> str:
    return num(100 * part / whole if whole else 0.0)


def summary_line(snapshot: ReportSnapshot) -> str:
    """The trích yếu of the report."""
    if snapshot.kind == "weekly":
        return f"Tình hình thực hiện nhiệm vụ {snapshot.period_label}"
    return f"Kết quả thực hiện công tác cải cách hành chính {snapshot.period_label}"


def headline(c: Counts) -> str:
    """One sentence with every headline number."""
    return (
        f"Tổng số {c.total} nhiệm vụ; đã hoàn thành {c.done} nhiệm vụ "
        f"(đạt {pct(c.done, c.total)}%), trong đó đúng hạn {c.done_on_time}, "
        f"quá hạn {c.done_late}; đang thực hiện trong hạn {c.in_progress_on_time}; "
        f"quá hạn chưa hoàn thành {c.overdue} nhiệm vụ "
        f"(tổng cộng {c.overdue_working_days} ngày làm việc quá hạn)."
    )


def shared_note(snapshot: ReportSnapshot) -> str | None:
    """How tasks led by a unit group are counted (each unit's share is its own task), when
    the period has any: the totals then exceed the plan's number of tasks."""
    if not snapshot.shared_items:
        return None
    return (
        f"Trong đó {snapshot.shared_items} nhiệm vụ là phần việc của từng đơn vị thuộc "
        f"{snapshot.shared_tasks} nhiệm vụ kế hoạch giao chung cho nhiều đơn vị chủ trì "
        "(mỗi đơn vị chủ trì, báo cáo phần việc của mình và được tính là một nhiệm vụ)."
    )


@dataclass(frozen=True)
class Trend:
    """The current period against the one before: the completion rate's change in
    percentage points (`rate_sign` 0 within ±0.05) and the change of overdue tasks."""

    prev: TrendPoint
    cur: TrendPoint
    delta: float
    d_over: int

    @property
    def rate_sign(self) -> int:
        return 1 if self.delta > 0.05 else -1 if self.delta < -0.05 else 0


def trend_of(points: list[TrendPoint]) -> Trend | None:
    """The comparison every language words, or None without a previous period."""
    if len(points) < 2 or points[-2].counts.total == 0:
        return None
    prev, cur = points[-2], points[-1]
    delta = 100 * (cur.counts.completion_rate - prev.counts.completion_rate)
    return Trend(prev, cur, delta, cur.counts.overdue - prev.counts.overdue)


def trend_sentence(points: list[TrendPoint]) -> str | None:
    """How the current period compares with the one before, or None without one."""
    trend = trend_of(points)
    if trend is None:
        return None
    prev, cur, delta, d_over = trend.prev, trend.cur, trend.delta, trend.d_over
    rate = {
        1: f"tăng {num(delta)} điểm phần trăm",
        -1: f"giảm {num(-delta)} điểm phần trăm",
        0: "không đổi",
    }[trend.rate_sign]
    over = f"tăng {d_over}" if d_over > 0 else f"giảm {-d_over}" if d_over < 0 else "không thay đổi"
    return (
        f"So với {prev.label}, tỷ lệ hoàn thành {rate} "
        f"({pct(prev.counts.done, prev.counts.total)}% → "
        f"{pct(cur.counts.done, cur.counts.total)}%); số nhiệm vụ quá hạn {over} "
        f"({prev.counts.overdue} → {cur.counts.overdue})."
    )
