"""The plan parser on the sample plan and on extraction noise; no database."""

from __future__ import annotations

import re

import pytest

from tests.conftest import SAMPLE_PLAN
from workflow.errors import InvalidInput
from workflow.importer import parse_document
from workflow.importer.lines import clean
from workflow.importer.tree import PlanTree

SAMPLE_BYTES = SAMPLE_PLAN.read_bytes()
SAMPLE_LINES = SAMPLE_PLAN.read_text(encoding="utf-8").splitlines()

# Counted by hand in deploy/sample/ke-hoach-cchc-so-noi-vu-2021-2030.txt.
TASKS_PER_AREA = {1: 3, 2: 7, 3: 3, 4: 5, 5: 3, 6: 2}
SUBTASKS_PER_AREA = {1: 3, 2: 0, 3: 0, 4: 0, 5: 0, 6: 0}
OBJECTIVES_PER_AREA = {1: 1, 2: 11, 3: 2, 4: 5, 5: 1, 6: 5}


@pytest.fixture(scope="module")
def sample() -> PlanTree:
    return parse_document(SAMPLE_BYTES, source=SAMPLE_PLAN.name)


def test_sample_has_six_areas_with_every_task_and_subtask(sample: PlanTree) -> None:
    assert [a.number for a in sample.areas] == [1, 2, 3, 4, 5, 6]
    assert sample.areas[5].title == "Xây dựng và phát triển chính quyền điện tử, chính quyền số"
    assert {a.number: len(a.tasks) for a in sample.areas} == TASKS_PER_AREA
    subtasks = {a.number: sum(len(t.children) for t in a.tasks) for a in sample.areas}
    assert subtasks == SUBTASKS_PER_AREA
    assert {a.number: len(a.objectives) for a in sample.areas} == OBJECTIVES_PER_AREA
    parent = sample.areas[0].tasks[2]
    assert parent.text == "Đổi mới, nâng cao chất lượng, hiệu quả thực thi pháp luật:"
    assert sample.counts() == {
        "areas": 6,
        "objectives": 25,
        "indicators": 15,
        "targets": 19,
        "tasks": 23,
        "subtasks": 3,
    }


def test_sample_metadata_and_parts_are_kept(sample: PlanTree) -> None:
    assert sample.kind == "KẾ HOẠCH"
    assert sample.title == "Cải cách hành chính Sở Nội vụ giai đoạn 2021-2030"
    assert sample.number == "/KH-SNV"
    assert sample.place == "Bắc Giang"
    assert sample.issued_on is None  # the sample leaves the day and month blank
    assert (sample.start_year, sample.end_year) == (2021, 2030)
    assert sample.legal_basis == ["Kế hoạch số 402/KH-UBND ngày 21/8/2021"]
    assert sample.key == "cai-cach-hanh-chinh-so-noi-vu-giai-doan-2021-2030"
    sections = sample.sections()
    assert [k for k in sections if k.isupper() and k.isalpha()] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
    ]
    assert sections["I"]["title"] == "QUAN ĐIỂM" and len(sections["I"]["paragraphs"]) == 3
    assert sections["II"]["paragraphs"][0].startswith("Tiếp tục xây dựng nền hành chính")
    assert sections["III"]["areas"] is True
    assert len(sections["IV"]["paragraphs"]) == 6
    assert len(sections["V"]["paragraphs"]) == 2
    assert sections["VI"]["paragraphs"][2].startswith("3. Giao Văn phòng tham mưu Giám đốc Sở")
    assert sections["closing"][0].startswith("Trên đây là Kế hoạch")
    assert sections["recipients"] == [
        "Lãnh đạo Sở;",
        "Các phòng, trung tâm thuộc Sở;",
        "Lưu: VT, VP.",
    ]
    assert sections["signature"] == ["KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Quang Đông"]


def _section_iii() -> list[tuple[int, str]]:
    start = next(i for i, s in enumerate(SAMPLE_LINES) if "III. NỘI DUNG" in s)
    end = next(i for i, s in enumerate(SAMPLE_LINES) if "IV. GIẢI PHÁP" in s)
    return [(n, s) for n, s in enumerate(SAMPLE_LINES[start + 1 : end], start + 2) if s.strip()]


def test_no_text_of_section_iii_is_lost(sample: PlanTree) -> None:
    """Every non-empty line of section III lands in exactly one node, and its text is there."""
    nodes: list[tuple[str, list[int], str]] = []
    for area in sample.areas:
        nodes.append(("area", area.lines, area.title))
        nodes += [("objective", o.lines, o.text) for o in area.objectives]
        for task in area.tasks:
            nodes.append(("task", task.lines, task.text))
            nodes += [("subtask", c.lines, c.text) for c in task.children]
    contents = [text for kind, _, text in nodes if kind != "area"]
    lines = _section_iii()
    assert len(lines) == 74
    for no, raw in lines:
        owners = [n for n in nodes if no in n[1]]
        assert len(owners) == 1, f"line {no} is in {len(owners)} nodes: {raw!r}"
        kind, _, text = owners[0]
        content = re.sub(r"^[-+]\s*", "", clean(raw)[0])
        if kind == "area":
            # Headings: the area title, a) Mục tiêu, b) Nhiệm vụ, - Đến năm 2025:
            assert re.match(r"^(\d\. |[ab]\) (Mục tiêu|Nhiệm vụ)$|Đến năm \d{4}:$)", content)
            assert not content[:1].isdigit() or content.endswith(text)
        else:
            assert content in text
            assert sum(content in c for c in contents) == 1, raw


def test_year_blocks_set_the_milestone_year(sample: PlanTree) -> None:
    years = [o.milestone_year for o in sample.areas[1].objectives]
    assert years == [None, None] + [2025] * 6 + [2030] * 3


def test_sentence_broken_across_a_blank_line_is_joined(sample: PlanTree) -> None:
    objective = sample.areas[0].objectives[0]
    assert "thi đua, khen thưởng, tôn giáo và lưu trữ; tổ chức thi hành" in objective.text
    assert objective.lines == [30, 32]
    task = sample.areas[4].tasks[1]
    assert "công khai tài chính và phòng chống tham nhũng, lãng phí. Ban hành" in task.text


HEADINGS = """\
**I. MỤC TIÊU**

Nội dung.

**II. NHIỆM VỤ**

{area}

{objectives}

Một mục tiêu
viết trên hai dòng.

Mục tiêu thứ hai.

{tasks}

- Nhiệm vụ một
tiếp tục ở dòng sau.

+ Việc con một.

- Nhiệm vụ hai.
"""


@pytest.mark.parametrize(
    ("area", "objectives", "tasks"),
    [
        ("**1. Cải cách thể chế**", "a) Mục tiêu", "b) Nhiệm vụ"),
        ("## 1. Cải cách thể chế", "#### a) Mục tiêu", "#### b) Nhiệm vụ"),
        ("### **1. Cải cách thể chế**", "#### **a) Mục tiêu**", "### **b) Nhiệm vụ**"),
        ("1. Cải cách thể chế", "a. Mục tiêu", "b. Nhiệm vụ:"),
    ],
)
def test_heading_styles_seen_in_extractions(area: str, objectives: str, tasks: str) -> None:
    text = HEADINGS.format(area=area, objectives=objectives, tasks=tasks)
    tree = parse_document(text.encode(), source="plan.md")
    [only] = tree.areas
    assert (only.number, only.title) == (1, "Cải cách thể chế")
    assert [o.text for o in only.objectives] == [
        "Một mục tiêu viết trên hai dòng.",
        "Mục tiêu thứ hai.",
    ]
    assert [t.text for t in only.tasks] == ["Nhiệm vụ một tiếp tục ở dòng sau.", "Nhiệm vụ hai."]
    assert [c.text for c in only.tasks[0].children] == ["Việc con một."]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", r"line 1: the file is empty"),
        (b"  \n\n \t\n", r"line 1: the file is empty"),
        ("Một dòng\nHai dòng\nBa dòng\n".encode(), r"line 3: no reform areas found"),
        (b"line one\nline two\n\x00\x01\x02binary", r"line 3: binary data"),
        ("dòng một\n".encode() + b"\xff\xfe bad", r"line 2: not UTF-8 text"),
        (
            "**II. X**\n\n**1. A**\n\nb) Nhiệm vụ\n\n+ Việc con trước việc cha\n".encode(),
            r"line 7: sub-task '\+' before any task in area 1",
        ),
        (
            "**1. A**\n\na) Mục tiêu\n\nX.\n\n**1. B**\n\nb) Nhiệm vụ\n".encode(),
            r"line 7: area 1 appears twice",
        ),
    ],
)
def test_bad_input_names_the_line(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_document(data, source="plan.txt")


def test_a_plan_without_roman_parts_still_parses() -> None:
    text = "**KẾ HOẠCH**\n**Thử 2021-2025**\n\n**1. A**\n\nb) Nhiệm vụ\n\n- Làm việc.\n"
    tree = parse_document(text.encode(), source="x.txt")
    assert tree.title == "Thử 2021-2025"
    assert [t.text for t in tree.areas[0].tasks] == ["Làm việc."]


def test_decomposed_unicode_is_read_like_composed() -> None:
    import unicodedata

    nfd = unicodedata.normalize("NFD", SAMPLE_PLAN.read_text(encoding="utf-8"))
    assert parse_document(nfd.encode(), source="nfd.txt") == parse_document(
        SAMPLE_BYTES, source="nfc.txt"
    )


def test_too_long_area_title_is_an_input_error() -> None:
    text = f"**1. {'Dài ' * 200}**\n\nb) Nhiệm vụ\n\n- Việc.\n"
    with pytest.raises(InvalidInput, match=r"line 1: area title longer than 500 characters"):
        parse_document(text.encode(), source="x.txt")
