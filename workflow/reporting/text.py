"""The wording shared by every rendering of a report (mail, DOCX, XLSX), as catalog messages.

The DOCX and XLSX are the official Vietnamese documents: they call these with the default
`lang="vi"`; the mail passes its recipient's language (`wording.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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
    N_("Số nhiệm vụ"),
    N_("Số lượt thực hiện"),
    N_("Đến hạn"),
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
        c.task_count,
        c.total,
        c.due_count,
        c.done_on_time,
        c.done_late,
        c.in_progress_on_time,
        c.overdue,
        c.overdue_working_days,
        c.extension_requests,
        rate_pct(c),
    ]


def num(value: float, digits: int = 1) -> str:
    """A number the Vietnamese way: rounded half up, decimal comma, no trailing zeros
    ("41,7", "100"; 13/16 = 81,25 → "81,3")."""
    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    text = f"{exact:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text.replace(".", ",")


def rate_pct(c: Counts) -> float:
    """The completion rate in percent rounded half up to one decimal (tables, charts)."""
    exact = Decimal(repr(float(100 * c.completion_rate)))
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


# How a target or a reading of an indicator reads, in Vietnamese and English.
_SYMBOLS = {">=": "≥", ">": ">", "=": "=", "<=": "≤", "<": "<"}


def fmt_number(value: float, lang: str = "vi") -> str:
    """Up to two decimals without trailing zeros: "72,5" in Vietnamese, "72.5" in English."""
    text = num(value, 2)
    return text.replace(",", ".") if lang == "en" else text


def unit_label(unit: str, lang: str = "vi") -> str:
    """A unit of measure as a reader says it: "hạng" / "rank" for a ranking."""
    if unit in ("rank", "hạng"):
        return translate(lang, N_("hạng"))
    return unit


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
    if comparator == "=":  # a level to reach: "100%"
        return number
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
    """One sentence with the headline numbers; tasks and their occurrences (lượt thực hiện)
    counted apart, the rate over what fell due, nothing said about a zero."""
    _ = translate
    items = c.total
    if not items:
        return _(lang, N_("Trong kỳ chưa có nhiệm vụ được giao."))
    tasks = c.task_count
    if tasks != items:
        parts = [
            _(
                lang,
                N_("Tổng số %(tasks)s (%(items)s lượt thực hiện)"),
                tasks=count_of(tasks, lang, "task"),
                items=items,
            )
        ]
    else:
        parts = [_(lang, N_("Tổng số %(tasks)s"), tasks=count_of(tasks, lang, "task"))]
    due = c.due_count
    if not due:
        parts.append(_(lang, N_("chưa có nhiệm vụ đến hạn")))
    else:
        message = (
            N_("trong %(due)s lượt đến hạn, đã hoàn thành %(done)s (đạt %(pct)s%%)")
            if tasks != items
            else N_("trong %(due)s nhiệm vụ đến hạn, đã hoàn thành %(done)s (đạt %(pct)s%%)")
        )
        done = _(lang, message, done=c.done, due=due, pct=pct(c.done, due, lang))
        if c.done and c.done_late:
            done += _(
                lang,
                N_(", trong đó đúng hạn %(on_time)s, quá hạn %(late)s"),
                on_time=c.done_on_time,
                late=c.done_late,
            )
        elif c.done:
            done += _(lang, N_(", tất cả đúng hạn"))
        parts.append(done)
    if c.in_progress_on_time:
        parts.append(_(lang, N_("đang thực hiện trong hạn %(n)s"), n=c.in_progress_on_time))
    if c.overdue:
        parts.append(
            _(
                lang,
                N_("quá hạn chưa hoàn thành %(n)s (tổng cộng %(days)s quá hạn)"),
                n=c.overdue,
                days=count_of(c.overdue_working_days, lang, "working day"),
            )
        )
    else:
        parts.append(_(lang, N_("không có nhiệm vụ quá hạn")))
    return "; ".join(parts) + "."


def area_sentence(c: Counts, lang: str = "vi") -> str:
    """`headline` continuing a label ("a) Cải cách thể chế: tổng số 3 nhiệm vụ; ...")."""
    text = headline(c, lang)
    return text[0].lower() + text[1:]


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


def trend_parts(
    points: list[TrendPoint], lang: str = "vi", prev_label: str | None = None
) -> tuple[list[str], list[str]]:
    """What improved and what got worse since the period before, each as a clause
    ("tỷ lệ hoàn thành tăng 5,2 điểm phần trăm so với quý II năm 2026 (từ 60% lên 65,2%)");
    nothing that did not change."""
    trend = trend_of(points)
    if trend is None:
        return [], []
    prev, cur, delta, d_over = trend.prev, trend.cur, trend.delta, trend.d_over
    label = prev_label or prev.label
    before = pct(prev.counts.done, prev.counts.due_count, lang)
    after = pct(cur.counts.done, cur.counts.due_count, lang)
    better: list[str] = []
    worse: list[str] = []
    if trend.rate_sign > 0:
        better.append(
            translate(
                lang,
                N_(
                    "tỷ lệ hoàn thành tăng %(points)s điểm phần trăm so với %(label)s"
                    " (từ %(before)s%% lên %(after)s%%)"
                ),
                points=num_in(delta, lang),
                label=label,
                before=before,
                after=after,
            )
        )
    elif trend.rate_sign < 0:
        worse.append(
            translate(
                lang,
                N_(
                    "tỷ lệ hoàn thành giảm %(points)s điểm phần trăm so với %(label)s"
                    " (từ %(before)s%% xuống %(after)s%%)"
                ),
                points=num_in(-delta, lang),
                label=label,
                before=before,
                after=after,
            )
        )
    values = {"label": label, "before": prev.counts.overdue, "after": cur.counts.overdue}
    if d_over < 0:
        better.append(
            translate(
                lang,
                N_(
                    "số nhiệm vụ quá hạn giảm %(n)s so với %(label)s"
                    " (từ %(before)s xuống %(after)s)"
                ),
                n=-d_over,
                **values,
            )
        )
    elif d_over > 0:
        worse.append(
            translate(
                lang,
                N_("số nhiệm vụ quá hạn tăng %(n)s so với %(label)s (từ %(before)s lên %(after)s)"),
                n=d_over,
                **values,
            )
        )
    return better, worse


def trend_sentence(
    points: list[TrendPoint], lang: str = "vi", prev_label: str | None = None
) -> str | None:
    """How the current period compares with the one before, or None without one (or when
    nothing changed); `prev_label` names the previous period (default: its stored label)."""
    better, worse = trend_parts(points, lang, prev_label)
    clauses = better + worse
    if not clauses:
        return None
    text = "; ".join(clauses)
    return text[0].upper() + text[1:] + "."
