"""Property: any plan in the grammar survives render → (noise) → parse as the same tree."""

from __future__ import annotations

import random
import re
from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.importer import parse_document
from workflow.importer.parser import finish
from workflow.importer.render import render_text
from workflow.importer.text import normalise
from workflow.importer.tree import AreaNode, ObjectiveNode, Part, PlanTree, TaskNode

_VOCAB_TEXT = (
    "cải cách hành chính thủ tục người dân tổ chức công vụ số hóa dữ liệu kiểm tra "
    "đánh giá phòng ban đơn vị kế hoạch xây dựng triển khai hồ sơ điện tử công khai "
    "minh bạch bồi dưỡng viên chức tài chính ngân sách dân, vụ, liệu;"
)
VOCAB = _VOCAB_TEXT.split()
QUALIFIERS = [("Tối thiểu ", ">="), ("Ít nhất ", ">="), ("Trên ", ">"), ("", "=")]

words = st.lists(st.sampled_from(VOCAB), min_size=2, max_size=10).map(" ".join)
sentence = words.map(lambda w: w[0].upper() + w[1:].rstrip(",;") + ".")
title = words.map(lambda w: w[0].upper() + w[1:].rstrip(",;"))
target = st.tuples(st.sampled_from(QUALIFIERS), st.integers(1, 100), words).map(
    lambda t: (f"{t[0][0]}{t[1]}% {t[2].rstrip(',;')}.", t[0][1], t[1])
)


@st.composite
def objectives(draw: st.DrawFn) -> list[ObjectiveNode]:
    out = [ObjectiveNode(s, "para") for s in draw(st.lists(sentence, max_size=2))]
    for _ in range(draw(st.integers(0, 3))):
        kind = draw(st.sampled_from(["dash", "dated", "year"]))
        if kind == "year":
            year = draw(st.sampled_from([2025, 2030]))
            for text, _, _ in draw(st.lists(target, min_size=1, max_size=3)):
                out.append(ObjectiveNode(text, "plus", year))
        else:
            year = draw(st.sampled_from([2025, 2030])) if kind == "dated" else None
            out.append(ObjectiveNode(draw(sentence), "dash", year))
    return out


@st.composite
def tasks(draw: st.DrawFn, area: int) -> list[TaskNode]:
    out = []
    # Tasks differ across the plan, sub-tasks under their task (the parser refuses repeats).
    texts = draw(st.lists(sentence, min_size=1, max_size=4, unique_by=normalise))
    for n, text in enumerate(f"{t.removesuffix('.')} mục {area}." for t in texts):
        style = "para" if n == 0 and draw(st.booleans()) else "dash"
        subs = draw(st.lists(sentence, max_size=3, unique_by=normalise))
        out.append(TaskNode(text, style, [TaskNode(s, "plus") for s in subs]))
    return out


@st.composite
def plans(draw: st.DrawFn) -> PlanTree:
    areas = [
        AreaNode(number=n, title=draw(title), objectives=draw(objectives()), tasks=draw(tasks(n)))
        for n in range(1, draw(st.integers(1, 4)) + 1)
    ]
    numbered = st.lists(sentence, max_size=3).map(
        lambda ps: [f"{i}. {p}" for i, p in enumerate(ps, 1)]
    )
    tree = PlanTree(
        title=draw(title) + " giai đoạn 2021-2030",
        kind="KẾ HOẠCH",
        number=f"{draw(st.integers(1, 999))}/KH-SNV",
        place="Bắc Giang",
        issued_on=date(2021, 3, 5),
        date_text="Bắc Giang, ngày 5 tháng 3 năm 2021",
        preamble=draw(st.lists(sentence, max_size=1)),
        parts=[
            Part("I", "QUAN ĐIỂM", draw(numbered)),
            Part("II", "MỤC TIÊU CHUNG", draw(st.lists(sentence, max_size=2))),
            Part("III", "NỘI DUNG", draw(st.lists(sentence, max_size=1)), holds_areas=True),
            Part("IV", "GIẢI PHÁP", draw(numbered)),
        ],
        areas=areas,
    )
    if draw(st.booleans()):
        tree.closing = ["Trên đây là kế hoạch của đơn vị./."]
        tree.recipients = ["Lãnh đạo Sở;", "Lưu: VT, VP."]
        tree.signature = ["GIÁM ĐỐC", "Nguyễn Văn A"]
    return finish(tree, source="generated")


_UNBREAKABLE = re.compile(r"^(\*|#|\d+\. [^.]*$|[ab]\) |- Đến năm|\+ Đến năm)")


def add_noise(text: str, rnd: random.Random) -> str:
    """Break item lines before a lower-case word, sometimes across a blank line."""
    out: list[str] = []
    in_body = False
    for line in text.splitlines():
        in_body = (in_body or line.startswith("**I.")) and not line.startswith("Trên đây")
        spaces = [i for i in range(len(line) - 1) if line[i] == " " and line[i + 1].islower()]
        if not in_body or not line or _UNBREAKABLE.match(line) or not spaces:
            out.append(line)
            continue
        cut = rnd.choice(spaces)
        gap = [""] if rnd.random() < 0.5 else []
        out += [line[:cut], *gap, line[cut + 1 :]]
    return "\n".join(out) + "\n"


@settings(max_examples=80, deadline=None)
@given(tree=plans(), variant=st.integers(0, 7), rnd=st.randoms(use_true_random=False))
def test_render_then_parse_gives_the_same_tree(
    tree: PlanTree, variant: int, rnd: random.Random
) -> None:
    text = add_noise(render_text(tree, variant=variant), rnd)
    parsed = parse_document(text.encode(), source="generated.md")
    assert parsed == tree


@settings(max_examples=40, deadline=None)
@given(dated=st.lists(st.tuples(st.sampled_from([2025, 2030]), target), min_size=1, max_size=4))
def test_generated_targets_keep_comparator_value_and_year(
    dated: list[tuple[int, tuple[str, str, int]]],
) -> None:
    area = AreaNode(
        1,
        "Lĩnh vực",
        objectives=[ObjectiveNode(t[0], "plus", year) for year, t in dated],
        tasks=[TaskNode("Việc.")],
    )
    tree = finish(PlanTree(title="Kế hoạch 2021-2030", areas=[area]), source="generated")
    parsed = parse_document(render_text(tree).encode(), source="generated.md")
    targets = {
        (t.objective_index, t.year): (t.comparator, t.value)
        for i in parsed.areas[0].indicators
        for t in i.targets
    }
    for index, (year, (_, comparator, value)) in enumerate(dated):
        assert targets[(index, year)] == (comparator, value)
