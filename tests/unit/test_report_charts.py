"""Report charts on zero, one and many points: axes from 0, distinct series, legend clear."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from workflow.reporting.charts import (
    COLORS,
    HATCHES,
    completion_figure,
    overdue_figure,
    render_all,
    trend_figure,
)
from workflow.reporting.snapshot import Counts, GroupRow, ReportSnapshot, TrendPoint

EMPTY = Counts()
SOME = Counts(total=9, done_on_time=3, done_late=1, in_progress_on_time=3, overdue=2,
              overdue_working_days=7)  # fmt: skip


def snapshot(*, areas: list[Counts], trend: list[Counts]) -> ReportSnapshot:
    return ReportSnapshot(
        kind="quarterly",
        period_key="2026-Q1",
        period_label="Quý I/2026",
        period_start=date(2026, 1, 1),
        period_end=date(2026, 3, 31),
        cutoff_at=datetime(2026, 3, 31, 17, tzinfo=UTC),
        generated_at=datetime(2026, 4, 1, 1, tzinfo=UTC),
        totals=EMPTY,
        by_area=[
            GroupRow(id=n, code=str(n), name=f"Lĩnh vực {n}", counts=c)
            for n, c in enumerate(areas, 1)
        ],
        by_unit=[
            GroupRow(id=n, code=f"U{n}", name=f"Phòng {n}", counts=c)
            for n, c in enumerate(areas, 1)
        ],
        overdue_items=[],
        overdue_items_total=0,
        due_soon=[],
        indicators=[],
        trend=[TrendPoint(key=f"p{n}", label=f"Kỳ {n}", counts=c) for n, c in enumerate(trend, 1)],
    )


CASES = {
    "zero": snapshot(areas=[EMPTY, EMPTY], trend=[EMPTY]),
    "nothing at all": snapshot(areas=[], trend=[]),
    "one point": snapshot(areas=[SOME], trend=[SOME]),
    "many": snapshot(areas=[SOME, EMPTY, SOME], trend=[EMPTY, SOME, SOME, SOME]),
}


def drawn(fig: Figure) -> Figure:
    FigureCanvasAgg(fig).draw()
    return fig


@pytest.mark.parametrize("case", CASES)
def test_count_axes_start_at_zero_with_whole_ticks(case: str) -> None:
    for build, which in ((completion_figure, "x"), (overdue_figure, "x"), (trend_figure, "y")):
        ax = drawn(build(CASES[case])).axes[0]
        low, high = ax.get_xlim() if which == "x" else ax.get_ylim()
        ticks = ax.get_xticks() if which == "x" else ax.get_yticks()
        shown = [t for t in ticks if low <= t <= high]
        assert low == 0 and high >= 1, (build.__name__, low, high)
        assert shown and min(shown) >= 0, (build.__name__, shown)
        assert all(float(t).is_integer() for t in shown), (build.__name__, shown)


@pytest.mark.parametrize("case", CASES)
def test_the_legend_never_covers_the_plot(case: str) -> None:
    for build in (completion_figure, trend_figure):
        fig = drawn(build(CASES[case]))
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        plot = fig.axes[0].get_window_extent(renderer)
        for legend in fig.legends:
            box = legend.get_window_extent(renderer)
            assert box.y1 <= plot.y0, (build.__name__, box, plot)


def test_series_differ_by_colour_and_by_hatch_for_print() -> None:
    assert len(set(COLORS.values())) == len(COLORS)
    assert len(set(HATCHES.values())) == len(HATCHES)
    fig = drawn(completion_figure(CASES["many"]))
    colours = {tuple(p.get_facecolor()) for p in fig.axes[0].patches}
    assert len(colours) == len(COLORS)


def test_every_chart_renders_a_png_on_every_case() -> None:
    for snap in CASES.values():
        for png in render_all(snap).values():
            assert png.startswith(b"\x89PNG")
