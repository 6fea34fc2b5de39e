"""The words of the report mail (and the report page) in its reader's language (vi, en).

Only the mail and the page follow their reader's language: the attached DOCX and XLSX are
the official Vietnamese documents (Nghị định 30/2020), and the charts keep their Vietnamese
labels. Names that come from the data (units, areas, items, indicators and their target
texts) are shown as recorded. Every sentence is a catalog message (`workflow.i18n`, the
same ones `text.py` gives the DOCX in Vietnamese); the fixed labels of the mail templates
are messages in the templates themselves. `wording(lang)` falls back to Vietnamese for an
unknown language as the other mails do.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from workflow.errors import InvalidInput
from workflow.i18n import N_, format_day_in, language_of, translate
from workflow.indicators import short_name
from workflow.reporting import text
from workflow.reporting.aggregate import OTHER_AREA
from workflow.reporting.periods import Period, ReportKind, parse_period
from workflow.reporting.snapshot import Counts, GroupRow, IndicatorRow, ReportSnapshot


class Wording:
    """The report's sentences in `lang`."""

    def __init__(self, lang: str) -> None:
        self.lang = language_of(lang)

    def _(self, message: str, **values: object) -> str:
        return translate(self.lang, message, **values)

    @property
    def status_labels(self) -> Mapping[str, str]:
        return {status: text.status_label(status, self.lang) for status in text.STATUS_MESSAGES}

    def day(self, value: date) -> str:
        return format_day_in(value, self.lang)

    def pct(self, part: int, whole: int) -> str:
        return text.pct(part, whole, self.lang)

    def period_label(self, kind: str, key: str, fallback: str) -> str:
        """The name of a period; in Vietnamese the label stored with the run (`fallback`),
        in another language made from the stored period key ("Q1 2026" from "2026Q1")."""
        if self.lang == "vi":
            return fallback
        try:
            period = parse_period(key, kind)
        except (InvalidInput, ValueError):
            return fallback  # a snapshot from a format we no longer read: say it as stored
        return self._label(period)

    def _label(self, period: Period) -> str:
        year = period.key[:4]
        if period.kind is ReportKind.QUARTERLY:
            return self._(N_("quý %(q)s năm %(year)s"), q=period.key[5], year=year)
        if period.kind is ReportKind.SIX_MONTH:
            if period.key.endswith("H1"):
                return self._(N_("6 tháng đầu năm %(year)s"), year=year)
            return self._(N_("6 tháng cuối năm %(year)s"), year=year)
        if period.kind is ReportKind.ANNUAL:
            return self._(N_("năm %(year)s"), year=year)
        span = self._(
            N_("từ ngày %(start)s đến ngày %(end)s"),
            start=self.day(period.start),
            end=self.day(period.end),
        )
        if period.kind is ReportKind.WEEKLY:
            week = int(period.key.rsplit("W", 1)[1])
            return self._(
                N_("tuần %(week)s năm %(year)s (%(span)s)"), week=week, year=year, span=span
            )
        return span

    def title(self, snapshot: ReportSnapshot) -> str:
        label = self.period_label(snapshot.kind, snapshot.period_key, snapshot.period_label)
        return text.summary_line(snapshot, self.lang, label)

    def subject(self, snapshot: ReportSnapshot, *, agency: str, scoped: bool) -> str:
        title = self.title(snapshot)
        if self.lang == "vi":  # "Báo cáo kết quả ...": the title continues the sentence
            title = title[0].lower() + title[1:]
        if scoped:
            return self._(
                N_("[%(agency)s] Báo cáo %(title)s (các đơn vị phụ trách)"),
                agency=agency,
                title=title,
            )
        return self._(N_("[%(agency)s] Báo cáo %(title)s"), agency=agency, title=title)

    def headline(self, c: Counts) -> str:
        return text.headline(c, self.lang)

    def shared_note(self, snapshot: ReportSnapshot) -> str | None:
        return text.shared_note(snapshot, self.lang)

    def trend_sentence(self, snapshot: ReportSnapshot) -> str | None:
        trend = text.trend_of(snapshot.trend)
        if trend is None:
            return None
        prev = trend.prev
        label = self.period_label(snapshot.kind, prev.key, prev.label)
        return text.trend_sentence(snapshot.trend, self.lang, label)

    def cutoff(self, local: datetime) -> str:
        return self._(
            N_("%(time)s ngày %(day)s"), time=f"{local:%H:%M}", day=self.day(local.date())
        )

    def working_days(self, n: int) -> str:
        return text.count_of(n, self.lang, "working day short")

    def late_by(self, n: int) -> str:
        return self._(N_("quá %(days)s"), days=self.working_days(n))

    def indicator_name(self, row: IndicatorRow) -> str:
        """The indicator without its target sentence (the target has its own column)."""
        return short_name(row.name)

    def indicator_target(self, row: IndicatorRow) -> str:
        """ "≥ 84% (2026)": the target judged against, with its year."""
        if row.comparator is None or row.target_value is None:
            return "-"
        label = text.target_label(row.comparator, row.target_value, row.measure_unit, self.lang)
        return f"{label} ({row.target_year})" if row.target_year else label

    def indicator_value(self, row: IndicatorRow) -> str:
        """ "85%", "hạng 8" / "rank 8": the reading with its unit, numbers as the language
        writes them."""
        if row.actual is None:
            return "-"
        return text.value_label(row.actual, row.measure_unit, self.lang)

    def area_name(self, row: GroupRow) -> str:
        # The row of items outside any plan area is named by the report, not by the data.
        if row.id is None and row.name == OTHER_AREA:
            return self._(OTHER_AREA)
        return row.name


def wording(lang: str | None) -> Wording:
    """The wording of `lang`; anything unsupported reads Vietnamese."""
    return Wording(language_of(lang))
