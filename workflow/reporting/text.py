"""The wording shared by every rendering of a report (mail, DOCX, XLSX), as catalog messages.

The DOCX and XLSX are the official Vietnamese documents: they call these with the default
`lang="vi"`; the mail passes its recipient's language (`wording.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

from workflow.i18n import N_, NN_, NP_, translate, translate_in, translate_plural
from workflow.reporting.snapshot import Counts, ReportSnapshot, TrendPoint
from workflow.states import State, state_label

# An indicator's assessment, as msgids (context "status"): `status_label` translates.
STATUS_MESSAGES = {
    "on_track": NP_("status", "Đạt tiến độ"),
    "at_risk": NP_("status", "Có nguy cơ chậm"),
    "off_track": NP_("status", "Chậm tiến độ"),
    "no_data": NP_("status", "Chưa có số liệu"),
    "no_target": NP_("status", "Chưa có mục tiêu"),
}
# The official documents' (Vietnamese) labels.
STATUS_LABELS = {k: translate_in("vi", "status", m) for k, m in STATUS_MESSAGES.items()}
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
# The task tables' columns of the official documents (Vietnamese, as the DOCX prints them).
COLUMN_MESSAGES = [
    N_("Tổng số"),
    N_("Hoàn thành đúng hạn"),
    N_("Hoàn thành quá hạn"),
    N_("Đang thực hiện trong hạn"),
    N_("Quá hạn"),
    N_("Số ngày LV quá hạn"),
    N_("Đề nghị gia hạn"),
    N_("Tỷ lệ hoàn thành (%%)"),
]
COLUMN_LABELS = [translate("vi", m) for m in COLUMN_MESSAGES]


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
        return translate(lang, N_("hạng %(v)s"), v=number)
    return f"{number} {unit}"


def target_label(comparator: str, value: float, unit: str, lang: str = "vi") -> str:
    """A target as a comparison: "≥ 80%", "trong top 10", "tăng ≥ 20%" / "increase ≥ 20%"."""
    number = fmt_number(value, lang) + ("%" if unit == "%" else "")
    if comparator == "rank<=":
        return translate(lang, N_("trong top %(v)s"), v=fmt_number(value, lang))
    if comparator == "increase>=":
        return translate(lang, N_("tăng ≥ %(v)s"), v=number)
    return f"{_SYMBOLS.get(comparator, comparator)} {number}"


def status_label(status: str, lang: str = "vi") -> str:
    return translate_in(lang, "status", STATUS_MESSAGES[status])


def num_in(value: float, lang: str, digits: int = 1) -> str:
    """`num` in `lang`: a decimal comma in Vietnamese, a point in English."""
    text = num(value, digits)
    return text.replace(",", ".") if lang == "en" else text


def pct(part: int, whole: int, lang: str = "vi") -> str:
    return num_in(100 * part / whole if whole else 0.0, lang)


def summary_line(snapshot: ReportSnapshot, lang: str = "vi", label: str | None = None) -> str:
    """The trích yếu of the report; `label` names the period (default: the stored one)."""
    label = label or snapshot.period_label
    if snapshot.kind == "weekly":
        return translate(lang, N_("Tình hình thực hiện nhiệm vụ %(label)s"), label=label)
    return translate(
        lang, N_("Kết quả thực hiện công tác cải cách hành chính %(label)s"), label=label
    )


def count_of(n: int, lang: str, noun: str) -> str:
    """ "12 nhiệm vụ" / "1 task", "12 tasks" ("task", "plan task", "working day",
    "working day short")."""
    if noun == "task":
        forms = NN_("%(num)d nhiệm vụ", "%(num)d nhiệm vụ")
    elif noun == "plan task":
        forms = NN_("%(num)d nhiệm vụ kế hoạch", "%(num)d nhiệm vụ kế hoạch")
    elif noun == "working day short":  # the tables' "ngày LV"
        forms = NN_("%(num)d ngày LV", "%(num)d ngày LV")
    else:
        forms = NN_("%(num)d ngày làm việc", "%(num)d ngày làm việc")
    return translate_plural(lang, *forms, n)


def headline(c: Counts, lang: str = "vi") -> str:
    """One sentence with every headline number."""
    return translate(
        lang,
        N_(
            "Tổng số %(tasks)s; đã hoàn thành %(done)s nhiệm vụ (đạt %(pct)s%%), trong đó"
            " đúng hạn %(on_time)s, quá hạn %(late)s; đang thực hiện trong hạn"
            " %(in_progress)s; quá hạn chưa hoàn thành %(overdue)s nhiệm vụ (tổng cộng"
            " %(days)s quá hạn)."
        ),
        tasks=count_of(c.total, lang, "task"),
        done=c.done,
        pct=pct(c.done, c.total, lang),
        on_time=c.done_on_time,
        late=c.done_late,
        in_progress=c.in_progress_on_time,
        overdue=c.overdue,
        days=count_of(c.overdue_working_days, lang, "working day"),
    )


def shared_note(snapshot: ReportSnapshot, lang: str = "vi") -> str | None:
    """How tasks led by a unit group are counted (each unit's share is its own task), when
    the period has any: the totals then exceed the plan's number of tasks."""
    if not snapshot.shared_items:
        return None
    return translate(
        lang,
        N_(
            "Trong đó %(items)s là phần việc của từng đơn vị thuộc %(tasks)s giao chung cho"
            " nhiều đơn vị chủ trì (mỗi đơn vị chủ trì, báo cáo phần việc của mình và được"
            " tính là một nhiệm vụ)."
        ),
        items=count_of(snapshot.shared_items, lang, "task"),
        tasks=count_of(snapshot.shared_tasks, lang, "plan task"),
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


def trend_sentence(
    points: list[TrendPoint], lang: str = "vi", prev_label: str | None = None
) -> str | None:
    """How the current period compares with the one before, or None without one;
    `prev_label` names the previous period (default: its stored label)."""
    trend = trend_of(points)
    if trend is None:
        return None
    prev, cur, delta, d_over = trend.prev, trend.cur, trend.delta, trend.d_over
    if trend.rate_sign > 0:
        rate = translate(lang, N_("tăng %(points)s điểm phần trăm"), points=num_in(delta, lang))
    elif trend.rate_sign < 0:
        rate = translate(lang, N_("giảm %(points)s điểm phần trăm"), points=num_in(-delta, lang))
    else:
        rate = translate(lang, N_("không đổi"))
    if d_over > 0:
        over = translate(lang, N_("tăng %(n)s"), n=d_over)
    elif d_over < 0:
        over = translate(lang, N_("giảm %(n)s"), n=-d_over)
    else:
        over = translate(lang, N_("không thay đổi"))
    return translate(
        lang,
        N_(
            "So với %(label)s, tỷ lệ hoàn thành %(rate)s (%(before)s%% → %(after)s%%); số"
            " nhiệm vụ quá hạn %(over)s (%(overdue_before)s → %(overdue_after)s)."
        ),
        label=prev_label or prev.label,
        rate=rate,
        before=pct(prev.counts.done, prev.counts.total, lang),
        after=pct(cur.counts.done, cur.counts.total, lang),
        over=over,
        overdue_before=prev.counts.overdue,
        overdue_after=cur.counts.overdue,
    )
