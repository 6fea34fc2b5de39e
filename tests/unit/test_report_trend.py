"""The trend sentence of a report: the same comparison worded in Vietnamese and English."""

from __future__ import annotations

from workflow.reporting.snapshot import Counts, TrendPoint
from workflow.reporting.text import trend_of, trend_parts, trend_sentence


def _point(key: str, label: str, *, total: int, done: int, overdue: int) -> TrendPoint:
    counts = Counts(total=total, done_on_time=done, overdue=overdue)
    return TrendPoint(key=key, label=label, counts=counts)


Q4 = _point("2025Q4", "quý IV năm 2025", total=10, done=4, overdue=3)


def test_a_rise_and_fewer_overdue_items() -> None:
    points = [Q4, _point("2026Q1", "quý I năm 2026", total=10, done=6, overdue=1)]
    trend = trend_of(points)
    assert trend is not None and trend.rate_sign == 1 and trend.d_over == -2
    # Words, never arrows, in running text.
    assert trend_sentence(points) == (
        "Tỷ lệ hoàn thành tăng 20 điểm phần trăm so với quý IV năm 2025 (từ 40% lên 60%); "
        "số nhiệm vụ quá hạn giảm 2 so với quý IV năm 2025 (từ 3 xuống 1)."
    )
    # Both are improvements: a report lists them under "Ưu điểm", nothing under "Hạn chế".
    better, worse = trend_parts(points)
    assert len(better) == 2 and worse == []


def test_more_overdue_items_is_a_setback_never_a_strength() -> None:
    points = [Q4, _point("2026Q1", "quý I năm 2026", total=10, done=4, overdue=8)]
    better, worse = trend_parts(points)
    assert better == []
    assert worse == ["số nhiệm vụ quá hạn tăng 5 so với quý IV năm 2025 (từ 3 lên 8)"]


def test_changes_within_five_hundredths_of_a_point_count_as_unchanged() -> None:
    # 4/10 → 400/1001: −0.04 points, not a fall.
    points = [Q4, _point("2026Q1", "quý I năm 2026", total=1001, done=400, overdue=3)]
    trend = trend_of(points)
    assert trend is not None and trend.rate_sign == 0 and trend.d_over == 0
    # Nothing changed: nothing to say.
    assert trend_parts(points) == ([], [])
    assert trend_sentence(points) is None


def test_no_trend_without_a_previous_period_with_items() -> None:
    empty = _point("2025Q4", "quý IV năm 2025", total=0, done=0, overdue=0)
    q1 = _point("2026Q1", "quý I năm 2026", total=10, done=6, overdue=1)
    assert trend_of([q1]) is None and trend_sentence([empty, q1]) is None
