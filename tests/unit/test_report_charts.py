"""Report charts on zero, one and many points: axes from 0, distinct series in black and
white, legend clear, one period narrow, labels off the bars, decimal commas."""

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
        ax = drawn(build(CASES[case])).axes[-1]  # the trend's counts are its lower panel
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
        plot = fig.axes[-1].get_window_extent(renderer)
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


def _grey(rgba: tuple[float, ...]) -> float:
    r, g, b = rgba[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_series_stay_apart_in_black_and_white() -> None:
    """Printed in grey, each series keeps a pattern of its own drawn in black (hatch lines
    take the edge colour), or is the one solid series."""
    fig = drawn(completion_figure(CASES["many"]))
    by_series: dict[str, tuple[str, float, tuple[float, ...]]] = {}
    for container, key in zip(fig.axes[0].containers, COLORS, strict=True):
        patch = container.patches[0]
        by_series[key] = (patch.get_hatch() or "", _grey(patch.get_facecolor()),
                          tuple(patch.get_edgecolor()))  # fmt: skip
    hatches = [h for h, _, _ in by_series.values()]
    assert len(set(hatches)) == len(hatches) and hatches.count("") <= 1
    for hatch, _, edge in by_series.values():
        if hatch:
            assert _grey(edge) < 0.2, edge  # black lines, not white ones on grey


def test_one_period_stays_a_narrow_bar_in_the_middle() -> None:
    fig = drawn(trend_figure(CASES["one point"]))
    ax = fig.axes[-1]
    (bar,) = ax.patches
    low, high = ax.get_xlim()
    assert bar.get_width() / (high - low) <= 0.2
    assert abs((bar.get_x() + bar.get_width() / 2) - (low + high) / 2) < 1e-9


def _overlap(a: object, b: object) -> float:
    x = min(a.x1, b.x1) - max(a.x0, b.x0)  # type: ignore[attr-defined]
    y = min(a.y1, b.y1) - max(a.y0, b.y0)  # type: ignore[attr-defined]
    return max(0.0, x) * max(0.0, y)


@pytest.mark.parametrize("case", CASES)
def test_labels_never_print_over_a_bar(case: str) -> None:
    for build in (trend_figure, overdue_figure):
        fig = drawn(build(CASES[case]))
        renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
        bars = [p.get_window_extent(renderer) for ax in fig.axes for p in ax.patches]
        for ax in fig.axes:
            for text in ax.texts:
                box = text.get_window_extent(renderer)
                assert all(_overlap(box, bar) < 1.0 for bar in bars), (build.__name__, text)


def test_rates_print_with_a_decimal_comma() -> None:
    rate = Counts(total=70, done_on_time=47)  # 67,1 %
    fig = drawn(trend_figure(snapshot(areas=[rate], trend=[SOME, rate])))
    labels = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert "67,1%" in labels and not any("." in label for label in labels)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert not any("." in t for t in ticks)
