"""The one rule of how an indicator is judged (workflow.indicators), on a table of cases."""

from __future__ import annotations

import pytest

from workflow.indicators import Applied, Milestone, applied_target, judge, short_name
from workflow.reporting.text import num, target_label

M = Milestone


@pytest.mark.parametrize(
    ("milestones", "year", "applied"),
    [
        # The year's own target.
        ([M(2025, ">=", 80), M(2030, ">=", 100)], 2025, Applied(2025, ">=", 80)),
        # On the path between two milestones: 80 + 20 * 1/5.
        ([M(2025, ">=", 80), M(2030, ">=", 100)], 2026, Applied(2026, ">=", 84, towards=2030)),
        ([M(2025, ">=", 30), M(2030, ">=", 50)], 2028, Applied(2028, ">=", 42, towards=2030)),
        # After the last milestone: it must be kept.
        ([M(2025, ">=", 80)], 2027, Applied(2025, ">=", 80)),
        # Before the first: the first.
        ([M(2030, "rank<=", 10)], 2026, Applied(2030, "rank<=", 10)),
        # A rank or an increase has no path: the last milestone reached.
        ([M(2025, "rank<=", 20), M(2030, "rank<=", 10)], 2027, Applied(2025, "rank<=", 20)),
        # The same level both ends: the last milestone, not a "path".
        ([M(2025, "=", 100), M(2030, "=", 100)], 2026, Applied(2025, "=", 100)),
        ([], 2026, None),
    ],
)
def test_the_target_that_applies_to_a_year(
    milestones: list[Milestone], year: int, applied: Applied | None
) -> None:
    assert applied_target(milestones, year) == applied


@pytest.mark.parametrize(
    ("comparator", "target", "actual", "status"),
    [
        # "Tối thiểu 80%": at, above, just below, far below.
        (">=", 80, 80, "on_track"),
        (">=", 80, 85, "on_track"),
        (">=", 80, 75, "at_risk"),
        (">=", 80, 40, "off_track"),
        # "Trên 70%": at is not above.
        (">", 70, 70, "at_risk"),
        (">", 70, 71, "on_track"),
        # A bare level ("100%", "80% người dân ..."): reaching it or more meets it.
        ("=", 80, 85, "on_track"),
        ("=", 100, 100, "on_track"),
        ("=", 100, 95, "at_risk"),
        # "Trong top 10": rank 8 is in, rank 11 near, rank 20 far.
        ("rank<=", 10, 8, "on_track"),
        ("rank<=", 10, 11, "at_risk"),
        ("rank<=", 10, 20, "off_track"),
        # "tăng tối thiểu 20%".
        ("increase>=", 20, 20, "on_track"),
        ("increase>=", 20, 10, "off_track"),
        ("<=", 5, 0, "on_track"),
        (">=", 90, None, "no_data"),
        (None, None, 50, "no_target"),
    ],
)
def test_judgement_follows_the_wording(
    comparator: str | None, target: float | None, actual: float | None, status: str
) -> None:
    assert judge(comparator, target, actual, 0.9) == status


def test_the_issue_cases_are_judged_against_the_years_target() -> None:
    """85% against "Tối thiểu 80%" (2025) on the way to 100% (2030) is on track in 2025 and
    2026 (84%); 95 against "Tối thiểu 100%" (2025) is not on track (issue 24)."""
    path = [M(2025, ">=", 80), M(2030, ">=", 100)]
    for year in (2025, 2026):
        applied = applied_target(path, year)
        assert applied is not None
        assert judge(applied.comparator, applied.value, 85, 0.9) == "on_track"
    applied = applied_target([M(2025, ">=", 100)], 2026)
    assert applied is not None
    assert judge(applied.comparator, applied.value, 95, 0.9) == "at_risk"
    assert target_label("=", 100, "%") == "100%"
    assert target_label(">=", 84, "%") == "≥ 84%"


@pytest.mark.parametrize(
    ("name", "short"),
    [
        (
            "Tối thiểu 80% thủ tục hành chính có yêu cầu nghĩa vụ tài chính, được triển khai"
            " thanh toán trực tuyến",
            "Tỷ lệ thủ tục hành chính có yêu cầu nghĩa vụ tài chính, được triển khai thanh"
            " toán trực tuyến",
        ),
        (
            "trong số đó, tỷ lệ giao dịch thanh toán trực tuyến đạt từ 30% trở lên.",
            "Tỷ lệ giao dịch thanh toán trực tuyến",
        ),
        (
            "Mức độ hài lòng của người dân, tổ chức về giải quyết thủ tục hành chính đạt tối"
            " thiểu 90%.",
            "Mức độ hài lòng của người dân, tổ chức về giải quyết thủ tục hành chính",
        ),
        (
            "Chỉ số về kết quả đánh giá chuyển đổi số của Sở nằm trong top 10 của tỉnh.",
            "Chỉ số về kết quả đánh giá chuyển đổi số của Sở",
        ),
        (
            # "mức độ 3 và 4" is part of the name, not a target.
            "Tỷ lệ hồ sơ giải quyết trực tuyến mức độ 3 và 4 trên tổng số hồ sơ đạt tối"
            " thiểu 100%.",
            "Tỷ lệ hồ sơ giải quyết trực tuyến mức độ 3 và 4 trên tổng số hồ sơ",
        ),
        ("Số sáng kiến được công nhận", "Số sáng kiến được công nhận"),
    ],
)
def test_short_names_drop_the_target(name: str, short: str) -> None:
    assert short_name(name) == short


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (81.25, 1, "81,3"),
        (13 / 16 * 100, 1, "81,3"),
        (2.675, 2, "2,68"),
        (100.0, 1, "100"),
        (0.04, 1, "0"),
        (66.66666, 1, "66,7"),
        (-0.01, 1, "0"),
    ],
)
def test_numbers_round_half_up_with_a_decimal_comma(value: float, digits: int, text: str) -> None:
    assert num(value, digits) == text
