"""Indicator extraction: comparators, values, years and identity across milestone years."""

from __future__ import annotations

import pytest

from tests.conftest import SAMPLE_PLAN
from workflow.importer import parse_document
from workflow.importer.indicators import clauses, derive, extract, find_target
from workflow.importer.tree import AreaNode, ObjectiveNode
from workflow.models.plan import COMPARATORS


@pytest.mark.parametrize(
    ("text", "comparator", "value", "unit"),
    [
        ("Tối thiểu 80% thủ tục được thanh toán trực tuyến", ">=", 80, "%"),
        ("ít nhất 80% thủ tục hành chính được tích hợp", ">=", 80, "%"),
        ("Trên 70% hoạt động kiểm tra", ">", 70, "%"),
        ("100% hồ sơ được luân chuyển điện tử", "=", 100, "%"),
        ("nằm trong top 10 của tỉnh", "rank<=", 10, "rank"),
        ("tăng tối thiểu 20% cho đến khi đạt tỷ lệ 100%", "increase>=", 20, "%"),
        ("tỷ lệ giao dịch đạt từ 30% trở lên", ">=", 30, "%"),
        ("tỷ lệ hồ sơ trễ hạn dưới 5%", "<", 5, "%"),
        ("chi phí không quá 12,5 %", "<=", 12.5, "%"),
        ("đạt 95% trở lên", ">=", 95, "%"),
    ],
)
def test_comparator_and_value(text: str, comparator: str, value: float, unit: str) -> None:
    found = find_target(text)
    assert found is not None
    assert (found.comparator, found.value, found.measure_unit) == (comparator, value, unit)
    assert found.comparator in COMPARATORS


@pytest.mark.parametrize(
    "text",
    ["Hoàn thiện thể chế các lĩnh vực.", "Nghị định số 107/2020/NĐ-CP", "mức độ 3 và 4"],
)
def test_objective_without_a_number_stays_qualitative(text: str) -> None:
    assert extract(text) == []


def test_clauses_split_at_sentences_and_trong_so_do() -> None:
    text = "Tối thiểu 80% A, trong số đó, tỷ lệ B đạt từ 30% trở lên. Tỷ lệ C đạt 100%."
    assert clauses(text) == [
        "Tối thiểu 80% A",
        "trong số đó, tỷ lệ B đạt từ 30% trở lên.",
        "Tỷ lệ C đạt 100%.",
    ]


def test_the_same_indicator_in_two_years_has_two_targets() -> None:
    area = AreaNode(
        number=2,
        title="TTHC",
        objectives=[
            ObjectiveNode("Mức độ hài lòng của người dân đạt tối thiểu 90%.", "plus", 2025),
            ObjectiveNode("100% hồ sơ được số hóa.", "plus", 2025),
            ObjectiveNode("Mức độ hài lòng của người dân đạt tối thiểu 95%.", "plus", 2030),
            ObjectiveNode("Chỉ số chuyển đổi số nằm trong top 5.", "dash", None),
        ],
    )
    indicators = derive(area, end_year=2030)
    assert [[(t.year, t.comparator, t.value) for t in i.targets] for i in indicators] == [
        [(2025, ">=", 90), (2030, ">=", 95)],
        [(2025, "=", 100)],
        [(2030, "rank<=", 5)],
    ]
    assert len({i.key for i in indicators}) == 3
    assert all(i.key.startswith("a2-i-") for i in indicators)
    # Without a plan period an undated target has no year: it stays qualitative.
    assert len(derive(area, end_year=None)) == 2


SAMPLE_TARGETS = {
    2: [
        [(2025, "=", 100)],
        [(2025, ">=", 80), (2030, "=", 100)],
        [(2025, ">=", 30), (2030, ">=", 50)],
        [(2025, "increase>=", 20)],
        [(2025, ">=", 100), (2030, ">=", 90)],
        [(2025, ">=", 80)],
        [(2025, ">=", 100)],
        [(2025, ">=", 90), (2030, ">=", 95)],
        [(2025, "=", 80)],
    ],
    # Areas 4 and 6 state no year: their targets are for the end of the plan (2030).
    4: [[(2030, "=", 100)], [(2030, "=", 100)]],
    6: [[(2030, "=", 100)], [(2030, "=", 100)], [(2030, ">", 70)], [(2030, "rank<=", 10)]],
}


def test_sample_targets_of_areas_2_4_6() -> None:
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    got = {
        a.number: [[(t.year, t.comparator, t.value) for t in i.targets] for i in a.indicators]
        for a in tree.areas
        if a.indicators
    }
    assert got == SAMPLE_TARGETS
    satisfaction = tree.areas[1].indicators[7]
    assert satisfaction.name.startswith("Mức độ hài lòng của người dân, tổ chức")
    assert [t.objective_index for t in satisfaction.targets] == [6, 10]
