"""Report charts (biểu đồ) as PNG bytes: completion by area, overdue by unit, trend.

matplotlib's object API with the Agg canvas, never pyplot: no global figure state, safe
in worker threads, and no display needed.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from workflow.reporting.snapshot import ReportSnapshot
from workflow.reporting.text import num, rate_pct

# Colours that stay apart for colour-blind readers, each with its own black hatch (or none)
# and a lightness of its own, so a black-and-white print of the DOCX still tells the series
# apart.
COLORS = {
    "done_on_time": "#1b7f3b",
    "done_late": "#e6a100",
    "in_progress_on_time": "#9ecae1",  # light: its grey stays apart from the red's
    "overdue": "#c0262d",
}
HATCHES = {
    "done_on_time": "",
    "done_late": "////",
    "in_progress_on_time": "....",
    "overdue": "xxx",
}
# Hatch lines are drawn in the edge colour: black, so they print.
EDGE = "#000000"
LEGEND = {
    "done_on_time": "Hoàn thành đúng hạn",
    "done_late": "Hoàn thành quá hạn",
    "in_progress_on_time": "Đang thực hiện trong hạn",
    "overdue": "Quá hạn",
}
RATE_COLOR = "#111111"
DPI = 110


def _png(fig: Figure) -> bytes:
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    # No "Software" stamp: the same snapshot renders to the same bytes.
    fig.savefig(buf, format="png", dpi=DPI, metadata={"Software": None})
    return buf.getvalue()


def _wrap(label: str, width: int = 28) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _counts_axis(ax: Axes, which: str, largest: float) -> None:
    """A count axis from 0, whole numbers only: on no data 0..1, never negative ticks."""
    if which == "x":
        ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.set_xlim(0, max(largest, 1))
    else:
        ax.yaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))
        ax.set_ylim(0, max(largest, 1) * 1.15)


def _legend_below(fig: Figure, ax: Axes, ncol: int = 2) -> None:
    """The legend under the plot, outside it: it never covers a bar."""
    handles, labels = ax.get_legend_handles_labels()
    if handles:
        fig.legend(
            handles, labels, loc="outside lower center", ncol=ncol, fontsize=8, frameon=False
        )


def completion_figure(snapshot: ReportSnapshot) -> Figure:
    """Stacked horizontal bars: each area's items by status."""
    rows = list(reversed(snapshot.by_area))
    # Compact rows: twelve areas still leave room on the page for the table above.
    fig = Figure(figsize=(7.5, 0.42 * max(len(rows), 1) + 1.8), layout="constrained")
    ax = fig.add_subplot()
    labels = [_wrap(f"{r.code}. {r.name}" if r.code else r.name) for r in rows]
    left = [0] * len(rows)
    for key, color in COLORS.items():
        values = [getattr(r.counts, key) for r in rows]
        ax.barh(
            labels,
            values,
            left=left,
            color=color,
            hatch=HATCHES[key],
            edgecolor=EDGE,
            linewidth=0.4,
            label=LEGEND[key],
            height=0.6,
        )
        left = [a + b for a, b in zip(left, values, strict=True)]
    if not any(left):
        _no_data(ax, "Chưa có nhiệm vụ trong kỳ")
    _counts_axis(ax, "x", max(left, default=0))
    ax.set_xlabel("Số lượt thực hiện")
    ax.set_title(f"Tình hình thực hiện theo lĩnh vực - {snapshot.period_label}", fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    _legend_below(fig, ax)
    return fig


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes)
    ax.set_yticks([])


def overdue_figure(snapshot: ReportSnapshot) -> Figure:
    """Overdue items per lead unit, with the working days overdue they add up to."""
    rows = sorted(
        (r for r in snapshot.by_unit if r.counts.overdue),
        key=lambda r: (r.counts.overdue, r.counts.overdue_working_days),
    )
    fig = Figure(figsize=(7.5, 0.5 * max(len(rows), 1) + 1.3), layout="constrained")
    ax = fig.add_subplot()
    if rows:
        bars = ax.barh(
            [_wrap(r.name, 34) for r in rows],
            [r.counts.overdue for r in rows],
            color=COLORS["overdue"],
            hatch=HATCHES["overdue"],
            edgecolor=EDGE,
            linewidth=0.4,
            height=0.55,
        )
        for bar, r in zip(bars, rows, strict=True):
            ax.annotate(
                f"{r.counts.overdue} việc / {r.counts.overdue_working_days} ngày LV",
                (bar.get_width(), bar.get_y() + bar.get_height() / 2),
                xytext=(4, 0),
                textcoords="offset points",
                va="center",
                fontsize=8,
            )
    else:
        _no_data(ax, "Không có nhiệm vụ quá hạn")
    # Room on the right for the "n việc / d ngày LV" labels.
    _counts_axis(ax, "x", max((r.counts.overdue for r in rows), default=0) * 1.45 + 0.5)
    ax.set_xlabel("Số nhiệm vụ quá hạn")
    ax.set_title(f"Nhiệm vụ quá hạn theo đơn vị - {snapshot.period_label}", fontsize=10)
    ax.tick_params(axis="y", labelsize=8)
    return fig


def trend_figure(snapshot: ReportSnapshot) -> Figure:
    """Completion rate (line with markers, %) above, overdue items (bars) below, over the
    last periods: two panels, so no label ever sits on a bar or on the other series."""
    # Periods before any work was tracked would plot as a misleading 0 % completion.
    points = [p for p in snapshot.trend if p.counts.total] or snapshot.trend[-1:]
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1])
    xs = list(range(len(points)))
    rates = [rate_pct(p.counts) for p in points]
    top.plot(xs, rates, color=RATE_COLOR, marker="o", linestyle="--", label="Tỷ lệ hoàn thành (%)")
    for x, r in zip(xs, rates, strict=True):
        top.annotate(
            f"{num(r)}%", (x, r), xytext=(0, 6), textcoords="offset points", ha="center", fontsize=8
        )
    top.set_ylim(0, 125)
    top.set_yticks([0, 25, 50, 75, 100])
    top.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: num(v)))
    top.set_ylabel("Tỷ lệ hoàn thành (%)", fontsize=8)
    overdue = [p.counts.overdue for p in points]
    bars = bottom.bar(
        xs,
        overdue,
        color=COLORS["overdue"],
        hatch=HATCHES["overdue"],
        edgecolor=EDGE,
        linewidth=0.4,
        width=0.4,
        label="Quá hạn (việc)",
    )
    for bar, n in zip(bars, overdue, strict=True):
        bottom.annotate(
            str(n),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            xytext=(0, 2),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
        )
    _counts_axis(bottom, "y", max(overdue, default=0) * 1.1)
    bottom.set_ylabel("Số nhiệm vụ quá hạn", fontsize=8)
    bottom.set_xticks(xs, [_wrap(p.label, 16) for p in points], fontsize=8)
    # Few points (one for a first annual report) stay narrow, centred, with room around.
    half = max(1.5, len(points) / 2)
    middle = (len(points) - 1) / 2
    bottom.set_xlim(middle - half, middle + half)
    handles = top.get_legend_handles_labels()[0] + bottom.get_legend_handles_labels()[0]
    fig.legend(
        handles,
        [str(h.get_label()) for h in handles],
        loc="outside lower center",
        ncol=2,
        fontsize=8,
        frameon=False,
    )
    top.set_title("Xu hướng qua các kỳ báo cáo", fontsize=10)
    return fig


def completion_by_area(snapshot: ReportSnapshot) -> bytes:
    return _png(completion_figure(snapshot))


def overdue_by_unit(snapshot: ReportSnapshot) -> bytes:
    return _png(overdue_figure(snapshot))


def trend(snapshot: ReportSnapshot) -> bytes:
    return _png(trend_figure(snapshot))


# Every chart by a stable name (the Content-ID in the mail, the file name on the web page).
CHARTS: dict[str, Callable[[ReportSnapshot], bytes]] = {
    "completion-by-area": completion_by_area,
    "overdue-by-unit": overdue_by_unit,
    "trend": trend,
}


def render_all(snapshot: ReportSnapshot) -> dict[str, bytes]:
    """Every chart of `CHARTS`, by name."""
    return {name: render(snapshot) for name, render in CHARTS.items()}
