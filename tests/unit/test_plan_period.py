"""The plan's own period, never the period of a plan its legal basis cites."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, SAMPLE_PLAN
from workflow.importer import parse_document
from workflow.importer.parser import plan_period

CITES_2030 = (
    "Căn cứ Kế hoạch số 402/KH-UBND ngày 21/8/2021 của Ủy ban nhân dân tỉnh ban hành "
    "Chương trình tổng thể cải cách hành chính nhà nước giai đoạn 2021-2030;"
)


@pytest.mark.parametrize(
    ("title", "preamble", "period"),
    [
        ("Cải cách hành chính năm 2026", [CITES_2030], (2026, 2026)),
        ("Cải cách hành chính Sở Nội vụ giai đoạn 2021-2025", [CITES_2030], (2021, 2025)),
        ("Cải cách hành chính giai đoạn 2021 – 2030", [], (2021, 2030)),
        ("Cải cách hành chính từ năm 2021 đến năm 2025", [], (2021, 2025)),
        (
            "Thực hiện Chương trình tổng thể cải cách hành chính giai đoạn 2021-2030 năm 2026",
            [],
            (2026, 2026),
        ),
        (
            "Cải cách hành chính của Sở Nội vụ",
            [
                CITES_2030,
                "Thực hiện Kế hoạch số 12/KH-UBND ngày 05/01/2026 của UBND tỉnh về cải cách "
                "hành chính giai đoạn 2021-2030, Sở Nội vụ ban hành Kế hoạch cải cách hành "
                "chính năm 2026 như sau:",
            ],
            (2026, 2026),
        ),
        (
            "Cải cách hành chính của Sở Nội vụ",
            [
                "Theo Chương trình số 5/CTr-UBND giai đoạn 2021-2030 của tỉnh;",
                "Giai đoạn 2026-2030.",
            ],
            (2026, 2030),
        ),
        ("Cải cách hành chính của Sở Nội vụ", [CITES_2030], None),
    ],
)
def test_plan_period(title: str, preamble: list[str], period: tuple[int, int] | None) -> None:
    assert plan_period(title, preamble) == period


def test_an_annual_plan_citing_the_ten_year_plan_is_annual() -> None:
    data = (ROOT / "deploy" / "sample" / "ke-hoach-cchc-2026.md").read_bytes()
    tree = parse_document(data, source="ke-hoach-cchc-2026.md")
    assert any("2021-2030" in p for p in tree.preamble)  # the Căn cứ lines cite it
    assert (tree.start_year, tree.end_year) == (2026, 2026)


def test_the_ten_year_plan_keeps_its_period() -> None:
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    assert (tree.start_year, tree.end_year) == (2021, 2030)
