"""What the pages show of indicators (chỉ tiêu): targets, readings, the yearly trend and
whether each target is met, worded in the page's language.

Whether a target is met is the report's own judgement, never a second copy of it:
`workflow.reporting.aggregate.indicator_rows` picks the target (`workflow.indicators`: the
year's target or its point on the path between milestones) and the reading (the latest within
the period), and `indicators.judge` compares them. "Now" is the period up to today, so
the plan page says what a report cut today would say; a year of the trend is that year's
annual report period (CCHC year, 15/12 of the year before to 14/12).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session, col, select

from api.schemas.plans import PlanTree, TargetPublic
from workflow.models import Indicator, IndicatorReading, IndicatorTarget, User
from workflow.reporting.aggregate import indicator_rows
from workflow.reporting.periods import Period, custom, year_period
from workflow.reporting.snapshot import IndicatorRow
from workflow.reporting.text import fmt_number, target_label, value_label
from workflow.reporting.wording import wording

# The trend lists at most this many CCHC years (one report query each).
TREND_YEARS = 12


def status_label(status: str, lang: str) -> str:
    """The report's words for an assessment (Đạt tiến độ, Chưa có số liệu, ...)."""
    return wording(lang).status_labels[status]


@dataclass(frozen=True)
class TargetView:
    year: int
    label: str  # "≥ 80%"
    text: str  # as the plan words it


@dataclass(frozen=True)
class ReadingView:
    id: int
    value: float
    label: str  # "72,5%"
    as_of: date
    note: str | None
    recorder: str  # empty when the account is gone
    recorded_at: datetime
    superseded: bool = False  # a later-recorded reading of the same date replaces it


@dataclass(frozen=True)
class Assessment:
    """The report's judgement of an indicator over a period."""

    status: str  # on_track | at_risk | off_track | no_data | no_target
    label: str
    target_year: int | None
    target: str | None  # the target judged against, as a comparison

    @property
    def met(self) -> bool:
        return self.status == "on_track"


@dataclass(frozen=True)
class IndicatorView:
    id: int
    name: str
    measure_unit: str
    targets: list[TargetView]
    latest: ReadingView | None
    now: Assessment


@dataclass(frozen=True)
class ObjectiveGroup:
    """An objective's indicators; `text` None gathers those tied to no objective."""

    text: str | None
    withdrawn: bool
    indicators: list[IndicatorView]


@dataclass(frozen=True)
class AreaIndicators:
    id: int
    number: int
    title: str
    groups: list[ObjectiveGroup]


@dataclass(frozen=True)
class TrendRow:
    """One CCHC year: the reading its annual report takes and the report's judgement."""

    year: int
    reading: ReadingView | None
    change: str | None  # against the previous row's value, e.g. "+4,5"
    assessment: Assessment


def now_period(today: date) -> Period:
    """Every reading up to today: the latest one counts, as in a report cut today."""
    return custom(date.min, today)


def assessments(
    session: Session, *, period: Period, plan_id: int, at_risk_ratio: float, lang: str
) -> dict[int, Assessment]:
    """The report's judgement of each indicator of the plan over `period`."""
    return {
        row.id: _assessment(row, lang)
        for row in indicator_rows(session, period, at_risk_ratio=at_risk_ratio, plan_id=plan_id)
    }


def _assessment(row: IndicatorRow, lang: str) -> Assessment:
    target = None
    if row.comparator is not None and row.target_value is not None:
        target = target_label(row.comparator, row.target_value, row.measure_unit, lang)
    return Assessment(row.status, status_label(row.status, lang), row.target_year, target)


def readings_of(
    session: Session, indicator_ids: Iterable[int], *, lang: str, until: date | None = None
) -> dict[int, list[ReadingView]]:
    """Each indicator's readings (up to `until`), in the report's order: by date, and of one
    date the one recorded later last (it supersedes the others)."""
    ids = list(indicator_ids)
    stmt = (
        select(IndicatorReading, User.full_name)
        .join(User, col(User.id) == col(IndicatorReading.recorded_by_id), isouter=True)
        .where(col(IndicatorReading.indicator_id).in_(ids))
        .order_by(
            col(IndicatorReading.indicator_id),
            col(IndicatorReading.as_of),
            col(IndicatorReading.id),
        )
    )
    if until is not None:
        stmt = stmt.where(col(IndicatorReading.as_of) <= until)
    units = _units(session, ids)
    rows = session.exec(stmt).all()
    out: dict[int, list[ReadingView]] = defaultdict(list)
    for i, (reading, recorder) in enumerate(rows):
        following = rows[i + 1][0] if i + 1 < len(rows) else None
        superseded = (
            following is not None
            and following.indicator_id == reading.indicator_id
            and following.as_of == reading.as_of
        )
        out[reading.indicator_id].append(
            ReadingView(
                id=reading.id or 0,
                value=reading.value,
                label=value_label(reading.value, units.get(reading.indicator_id, ""), lang),
                as_of=reading.as_of,
                note=reading.note,
                recorder=recorder or "",
                recorded_at=reading.recorded_at,
                superseded=superseded,
            )
        )
    return out


def _units(session: Session, ids: list[int]) -> dict[int, str]:
    rows = session.exec(
        select(Indicator.id, Indicator.measure_unit).where(col(Indicator.id).in_(ids))
    ).all()
    return {i or 0: unit for i, unit in rows}


def target_views(
    targets: Iterable[TargetPublic | IndicatorTarget], unit: str, lang: str
) -> list[TargetView]:
    return [
        TargetView(t.year, target_label(t.comparator, t.value, unit, lang), t.text)
        for t in sorted(targets, key=lambda t: t.year)
    ]


def plan_indicators(
    session: Session, tree: PlanTree, *, today: date, at_risk_ratio: float, lang: str
) -> list[AreaIndicators]:
    """The plan page's indicator section: per area (with indicators), per objective in the
    plan's order (indicators tied to none last), each with its targets, the latest reading
    up to today and the report's judgement of it."""
    judged = assessments(
        session, period=now_period(today), plan_id=tree.id, at_risk_ratio=at_risk_ratio, lang=lang
    )
    ids = [i.id for a in tree.areas for i in a.indicators]
    readings = readings_of(session, ids, lang=lang, until=today)
    out: list[AreaIndicators] = []
    for area in tree.areas:
        if not area.indicators:
            continue
        by_objective: dict[int | None, list[IndicatorView]] = defaultdict(list)
        for ind in area.indicators:
            shown = readings.get(ind.id)
            by_objective[ind.objective_id].append(
                IndicatorView(
                    id=ind.id,
                    name=ind.name,
                    measure_unit=ind.measure_unit,
                    targets=target_views(ind.targets, ind.measure_unit, lang),
                    latest=shown[-1] if shown else None,
                    now=judged.get(ind.id) or _no_row(lang),
                )
            )
        groups = [
            ObjectiveGroup(o.text, o.withdrawn, by_objective.pop(o.id))
            for o in area.objectives
            if o.id in by_objective
        ]
        # Tied to no objective, or to one not in the tree: after the objectives.
        rest = [v for views in by_objective.values() for v in views]
        if rest:
            groups.append(ObjectiveGroup(None, False, rest))
        out.append(AreaIndicators(area.id, area.number, area.title, groups))
    return out


def _no_row(lang: str) -> Assessment:
    # Only an indicator created after the report query ran has no row.
    return Assessment("no_data", status_label("no_data", lang), None, None)


def cchc_year(day: date) -> int:
    """The CCHC year (annual report period) a date belongs to: 15/12 starts the next one."""
    return day.year + 1 if (day.month, day.day) >= (12, 15) else day.year


def trend(
    session: Session,
    *,
    indicator_id: int,
    plan_id: int,
    readings: list[ReadingView],
    today: date,
    at_risk_ratio: float,
    lang: str,
) -> list[TrendRow]:
    """Per CCHC year that has a reading (the last TREND_YEARS of them, oldest first): the
    reading the year's annual report takes, its judgement, and the change from the year
    before it in the table."""
    years = sorted({cchc_year(r.as_of) for r in readings if r.as_of <= today})[-TREND_YEARS:]
    rows: list[TrendRow] = []
    previous: float | None = None
    for year in years:
        period = year_period(year)
        judged = assessments(
            session, period=period, plan_id=plan_id, at_risk_ratio=at_risk_ratio, lang=lang
        )
        # `readings` are in the report's order, so the year's last is the one it takes.
        within = [r for r in readings if period.start <= r.as_of <= min(period.end, today)]
        reading = within[-1] if within else None
        change = None
        if reading is not None and previous is not None:
            delta = reading.value - previous
            change = ("+" if delta > 0 else "") + fmt_number(delta, lang)
        if reading is not None:
            previous = reading.value
        rows.append(TrendRow(year, reading, change, judged.get(indicator_id) or _no_row(lang)))
    return rows
