"""The words of the report mail in each language its recipients read (vi, en).

Only the mail follows its recipient's `User.language`: the attached DOCX and XLSX are the
official Vietnamese documents (Nghị định 30/2020) and keep the wording of `text.py`, and
the charts keep their Vietnamese labels. Names that come from the data (units, areas,
items, indicators and their target texts) are shown as recorded.

`Wording` is the Vietnamese mail, sentence for sentence what it was before English
existed; `EnglishWording` overrides each part. `wording(lang)` picks one, falling back to
Vietnamese for an unknown language as the other mails do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from workflow.errors import InvalidInput
from workflow.reporting import text
from workflow.reporting.aggregate import OTHER_AREA
from workflow.reporting.periods import Period, ReportKind, fmt_date, parse_period
from workflow.reporting.snapshot import Counts, GroupRow, ReportSnapshot

_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Fixed labels of templates/report_mail.{html,txt}.j2; both languages have every key.
WORDS: dict[str, dict[str, str]] = {
    "vi": {
        "data_from": "Số liệu từ {start} đến {end}",
        "scoped_html": "các đơn vị đồng chí phụ trách",
        "tile_total": "Tổng số nhiệm vụ",
        "tile_done": "Hoàn thành",
        "tile_in_progress": "Đang làm trong hạn",
        "tile_overdue": "Quá hạn",
        "extensions": (
            "Đề nghị gia hạn trong kỳ: {requests}; "
            "nhiệm vụ đang được chuyển cấp đôn đốc: {escalated}."
        ),
        "extensions_short": (
            "Đề nghị gia hạn trong kỳ: {requests}; đang chuyển cấp đôn đốc: {escalated}."
        ),
        "col_total": "Tổng số",
        "col_done_on_time": "Xong đúng hạn",
        "col_done_late": "Xong quá hạn",
        "col_in_progress": "Đang làm trong hạn",
        "col_overdue": "Quá hạn",
        "col_overdue_days": "Ngày LV quá hạn",
        "col_rate": "Tỷ lệ xong",
        "by_area": "Theo lĩnh vực",
        "area": "Lĩnh vực",
        "sum": "Tổng cộng",
        "alt_by_area": "Tình hình thực hiện theo lĩnh vực",
        "by_unit": "Theo đơn vị chủ trì",
        "unit": "Đơn vị",
        "alt_overdue_by_unit": "Nhiệm vụ quá hạn theo đơn vị",
        "overdue_items": "Nhiệm vụ quá hạn",
        "task": "Nhiệm vụ",
        "unit_assignee": "Đơn vị / người thực hiện",
        "due": "Hạn",
        "no_overdue": "Không có nhiệm vụ quá hạn.",
        "due_soon": "Đến hạn trong 7 ngày tới",
        "due_on": "hạn {day}",
        "indicators": "Chỉ tiêu",
        "indicator": "Chỉ tiêu",
        "target": "Mục tiêu",
        "actual": "Kết quả",
        "assessment": "Đánh giá",
        "alt_trend": "Xu hướng qua các kỳ",
        "footer": "Số liệu chốt lúc {cutoff}; báo cáo lập tự động, đã lưu cố định.",
        "details": "Xem chi tiết:",
        "manage_mail": "Thay đổi cách nhận thông báo",
        "unsubscribe": "Ngừng nhận báo cáo định kỳ",
        # The text part
        "scoped_text": "các đơn vị đồng chí phụ trách",
        "by_area_text": "THEO LĨNH VỰC (tổng / đúng hạn / quá hạn / đang làm / quá hạn chưa xong)",
        "by_unit_text": (
            "THEO ĐƠN VỊ (tổng / đúng hạn / quá hạn / đang làm / quá hạn chưa xong, ngày LV)"
        ),
        "overdue_items_text": "NHIỆM VỤ QUÁ HẠN",
        "none": "Không có.",
        "due_soon_text": "ĐẾN HẠN TRONG 7 NGÀY TỚI",
        "indicators_text": "CHỈ TIÊU",
        "target_lc": "mục tiêu",
        "actual_lc": "kết quả",
    },
    "en": {
        "data_from": "Figures from {start} to {end}",
        "scoped_html": "the units you oversee",
        "tile_total": "Tasks",
        "tile_done": "Done",
        "tile_in_progress": "In progress, on track",
        "tile_overdue": "Overdue",
        "extensions": (
            "Extension requests in the period: {requests}; tasks currently escalated: {escalated}."
        ),
        "extensions_short": (
            "Extension requests in the period: {requests}; escalated: {escalated}."
        ),
        "col_total": "Total",
        "col_done_on_time": "Done on time",
        "col_done_late": "Done late",
        "col_in_progress": "In progress, on track",
        "col_overdue": "Overdue",
        "col_overdue_days": "Working days overdue",
        "col_rate": "Completion",
        "by_area": "By area",
        "area": "Area",
        "sum": "Total",
        "alt_by_area": "Progress by area",
        "by_unit": "By lead unit",
        "unit": "Unit",
        "alt_overdue_by_unit": "Overdue tasks by unit",
        "overdue_items": "Overdue tasks",
        "task": "Task",
        "unit_assignee": "Unit / assignee",
        "due": "Due",
        "no_overdue": "No overdue tasks.",
        "due_soon": "Due in the next 7 days",
        "due_on": "due {day}",
        "indicators": "Indicators",
        "indicator": "Indicator",
        "target": "Target",
        "actual": "Result",
        "assessment": "Assessment",
        "alt_trend": "Trend over the periods",
        "footer": "Figures as of {cutoff}; report generated automatically and stored unchanged.",
        "details": "Details:",
        "manage_mail": "Change how you receive notifications",
        "unsubscribe": "Stop receiving periodic reports",
        "scoped_text": "the units you oversee",
        "by_area_text": "BY AREA (total / done on time / done late / in progress / overdue)",
        "by_unit_text": (
            "BY UNIT (total / done on time / done late / in progress / overdue, working days)"
        ),
        "overdue_items_text": "OVERDUE TASKS",
        "none": "None.",
        "due_soon_text": "DUE IN THE NEXT 7 DAYS",
        "indicators_text": "INDICATORS",
        "target_lc": "target",
        "actual_lc": "result",
    },
}

OTHER_AREA_EN = "Other tasks (outside the plan)"
STATUS_LABELS_EN = {
    "on_track": "On track",
    "at_risk": "At risk",
    "off_track": "Off track",
    "no_data": "No data yet",
    "no_target": "No target",
}


class Wording:
    """The report mail in Vietnamese, with the wording of the DOCX (`text.py`)."""

    lang = "vi"
    status_labels: Mapping[str, str] = text.STATUS_LABELS

    @property
    def words(self) -> Mapping[str, str]:
        return WORDS[self.lang]

    def day(self, value: date) -> str:
        return fmt_date(value)

    def pct(self, part: int, whole: int) -> str:
        return text.pct(part, whole)

    def period_label(self, kind: str, key: str, fallback: str) -> str:
        """The name of a period; in Vietnamese the label stored with the run (`fallback`)."""
        return fallback

    def title(self, snapshot: ReportSnapshot) -> str:
        return text.summary_line(snapshot)

    def subject(self, snapshot: ReportSnapshot, *, agency: str, scoped: bool) -> str:
        title = self.title(snapshot)
        subject = f"[{agency}] Báo cáo {title[0].lower()}{title[1:]}"
        return subject + " (các đơn vị phụ trách)" if scoped else subject

    def headline(self, c: Counts) -> str:
        return text.headline(c)

    def shared_note(self, snapshot: ReportSnapshot) -> str | None:
        return text.shared_note(snapshot)

    def trend_sentence(self, snapshot: ReportSnapshot) -> str | None:
        return text.trend_sentence(snapshot.trend)

    def cutoff(self, local: datetime) -> str:
        return local.strftime("%H:%M ngày %d/%m/%Y")

    def working_days(self, n: int) -> str:
        return f"{n} ngày LV"

    def late_by(self, n: int) -> str:
        return f"quá {n} ngày LV"

    def area_name(self, row: GroupRow) -> str:
        return row.name


class EnglishWording(Wording):
    """The report mail in English; period labels are made from the stored period keys."""

    lang = "en"
    status_labels = STATUS_LABELS_EN

    def day(self, value: date) -> str:
        return f"{value.day} {_MONTHS_EN[value.month - 1]} {value.year}"

    def pct(self, part: int, whole: int) -> str:
        return num(100 * part / whole if whole else 0.0)

    def period_label(self, kind: str, key: str, fallback: str) -> str:
        """The English name of a period, e.g. "Q1 2026", from its key ("2026Q1")."""
        try:
            period = parse_period(key, kind)
        except (InvalidInput, ValueError):
            return fallback  # a snapshot from a format we no longer read: say it as stored
        return self._label(period)

    def _label(self, period: Period) -> str:
        year = period.key[:4]
        if period.kind is ReportKind.QUARTERLY:
            return f"Q{period.key[5]} {year}"
        if period.kind is ReportKind.SIX_MONTH:
            half = "first" if period.key.endswith("H1") else "second"
            return f"the {half} half of {year}"
        if period.kind is ReportKind.ANNUAL:
            return f"the year {year}"
        span = f"{self.day(period.start)} to {self.day(period.end)}"
        if period.kind is ReportKind.WEEKLY:
            return f"week {int(period.key.rsplit('W', 1)[1])} of {year} ({span})"
        return span

    def title(self, snapshot: ReportSnapshot) -> str:
        label = self.period_label(snapshot.kind, snapshot.period_key, snapshot.period_label)
        if snapshot.kind == ReportKind.WEEKLY:
            return f"Task progress, {label}"
        return f"Administrative reform results, {label}"

    def subject(self, snapshot: ReportSnapshot, *, agency: str, scoped: bool) -> str:
        subject = f"[{agency}] Report: {self.title(snapshot)}"
        return subject + " (units you oversee)" if scoped else subject

    def headline(self, c: Counts) -> str:
        return (
            f"{plural(c.total, 'task')} in total; {c.done} done ({self.pct(c.done, c.total)}%), "
            f"{c.done_on_time} on time and {c.done_late} late; "
            f"{c.in_progress_on_time} in progress on track; "
            f"{c.overdue} overdue and not done "
            f"({plural(c.overdue_working_days, 'working day')} overdue in all)."
        )

    def shared_note(self, snapshot: ReportSnapshot) -> str | None:
        if not snapshot.shared_items:
            return None
        return (
            f"Of these, {plural(snapshot.shared_items, 'task')} are each unit's share of "
            f"{plural(snapshot.shared_tasks, 'plan task')} led by several units together "
            "(each unit leads and reports its own share, counted as one task)."
        )

    def trend_sentence(self, snapshot: ReportSnapshot) -> str | None:
        trend = text.trend_of(snapshot.trend)
        if trend is None:
            return None
        prev, cur, delta, d_over = trend.prev, trend.cur, trend.delta, trend.d_over
        rate = {
            1: f"rose by {num(delta)} percentage points",
            -1: f"fell by {num(-delta)} percentage points",
            0: "was unchanged",
        }[trend.rate_sign]
        over = (
            f"rose by {d_over}"
            if d_over > 0
            else f"fell by {-d_over}"
            if d_over < 0
            else "did not change"
        )
        label = self.period_label(snapshot.kind, prev.key, prev.label)
        return (
            f"Compared with {label}, the completion rate {rate} "
            f"({self.pct(prev.counts.done, prev.counts.total)}% → "
            f"{self.pct(cur.counts.done, cur.counts.total)}%); overdue tasks {over} "
            f"({prev.counts.overdue} → {cur.counts.overdue})."
        )

    def cutoff(self, local: datetime) -> str:
        return f"{local:%H:%M} on {self.day(local.date())}"

    def working_days(self, n: int) -> str:
        return plural(n, "working day")

    def late_by(self, n: int) -> str:
        return f"{plural(n, 'working day')} late"

    def area_name(self, row: GroupRow) -> str:
        # The row of items outside any plan area is named by the report, not by the data.
        return OTHER_AREA_EN if row.id is None and row.name == OTHER_AREA else row.name


def plural(n: int, noun: str) -> str:
    """ "1 task", "2 tasks", "0 tasks"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def num(value: float, digits: int = 1) -> str:
    """A number the English way: decimal point, no trailing zeros ("41.7", "100")."""
    return f"{value:.{digits}f}".rstrip("0").rstrip(".")


_WORDINGS: dict[str, Wording] = {"vi": Wording(), "en": EnglishWording()}


def wording(lang: str | None) -> Wording:
    """The wording of `lang`; anything unsupported reads Vietnamese."""
    return _WORDINGS.get(lang or "vi", _WORDINGS["vi"])
