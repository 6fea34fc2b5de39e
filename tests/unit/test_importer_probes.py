"""Import correctness found by probing: duplicates, nesting, numbered lines, length limits."""

from __future__ import annotations

import io

import docx
import pytest

from tests.plan_docs import TABLE_ROWS, docx_from_text, table_docx, table_markdown
from workflow.errors import InvalidInput
from workflow.importer import parse_document

HEAD = """\
**KẾ HOẠCH**
**Cải cách hành chính năm 2026**

**I. NHIỆM VỤ**

## 1. Cải cách thể chế

a) Mục tiêu

Hoàn thiện thể chế.

b) Nhiệm vụ

"""


def parse(body: str) -> object:
    return parse_document((HEAD + body).encode(), source="plan.md")


def line_of(text: str, needle: str, nth: int = 1) -> int:
    """The 1-based line number of the nth line of HEAD + text containing needle."""
    found = [i for i, line in enumerate((HEAD + text).splitlines(), 1) if needle in line]
    return found[nth - 1]


def test_a_duplicated_task_line_names_both_lines() -> None:
    body = "- Rà soát văn bản.\n- Tổ chức thi hành.\n- Rà  soát văn bản.\n"
    first, second = line_of(body, "Rà soát"), line_of(body, "Rà  soát")
    with pytest.raises(InvalidInput, match=rf"line {second}: the same task as line {first}\b"):
        parse(body)


def test_a_duplicated_sub_task_names_both_lines_but_cousins_may_repeat() -> None:
    body = "- Việc A.\n+ Báo cáo kết quả.\n- Việc B.\n+ Báo cáo kết quả.\n"
    tree = parse(body)  # the same sub-task under two tasks is fine
    assert [len(t.children) for t in tree.areas[0].tasks] == [1, 1]  # type: ignore[attr-defined]
    body += "+ Báo cáo kết quả.\n"
    first, second = line_of(body, "Báo cáo", 2), line_of(body, "Báo cáo", 3)
    with pytest.raises(InvalidInput, match=rf"line {second}: the same task as line {first}\b"):
        parse(body)


def test_a_duplicated_table_row_names_both_rows() -> None:
    rows = [list(r) for r in TABLE_ROWS] + [list(TABLE_ROWS[2])]
    with pytest.raises(InvalidInput, match=r"table 1 row 8: the same task as table 1 row 3\b"):
        parse_document(table_docx(rows), source="plan.docx")


def test_outline_numbered_lines_are_tasks_and_sub_tasks_not_one_merged_task() -> None:
    body = (
        "1.1. Rà soát văn bản quy phạm pháp luật\n"
        "1.2. Tổ chức thi hành pháp luật\n"
        "1.2.1. Kiểm tra việc thi hành\n"
        "1.2.2 Tập huấn cho công chức\n"
        "1.3. Công khai thủ tục hành chính\n"
    )
    tree = parse(body)
    tasks = tree.areas[0].tasks  # type: ignore[attr-defined]
    assert [t.text for t in tasks] == [
        "Rà soát văn bản quy phạm pháp luật",
        "Tổ chức thi hành pháp luật",
        "Công khai thủ tục hành chính",
    ]
    assert [c.text for c in tasks[1].children] == [
        "Kiểm tra việc thi hành",
        "Tập huấn cho công chức",
    ]


def test_numbered_paragraphs_outside_the_tasks_stay_apart() -> None:
    text = (HEAD + "- Việc A.\n").replace(
        "**I. NHIỆM VỤ**",
        "**I. MỤC ĐÍCH**\n\n1.1. Bảo đảm tiến độ\n1.2. Bảo đảm chất lượng\n\n**II. NHIỆM VỤ**",
    )
    tree = parse_document(text.encode(), source="plan.md")
    assert tree.parts[0].paragraphs == ["1.1. Bảo đảm tiến độ", "1.2. Bảo đảm chất lượng"]


def test_a_number_continuing_a_sentence_is_not_an_outline_line() -> None:
    tree = parse("- Hỗ trợ kinh phí tối đa\n1.5 triệu đồng mỗi hồ sơ.\n")
    [task] = tree.areas[0].tasks  # type: ignore[attr-defined]
    assert task.text == "Hỗ trợ kinh phí tối đa 1.5 triệu đồng mỗi hồ sơ."


def test_a_third_outline_level_is_refused_with_its_line_not_flattened() -> None:
    body = "1.1. Việc A\n1.1.1. Việc con\n1.1.1.1. Việc cháu\n"
    with pytest.raises(InvalidInput, match=rf"line {line_of(body, 'cháu')}: a third level"):
        parse(body)


def test_a_third_word_list_level_is_refused_with_its_paragraph() -> None:
    document = docx.Document()
    for line in HEAD.replace("**", "").splitlines():
        if line.startswith("## "):
            document.add_heading(line[3:], level=2)
        elif line:
            document.add_paragraph(line)
    document.add_paragraph("Việc A", style="List Bullet")
    document.add_paragraph("Việc con", style="List Bullet 2")
    document.add_paragraph("Việc cháu", style="List Bullet 3")
    buffer = io.BytesIO()
    document.save(buffer)
    paragraphs = len(document.paragraphs)
    with pytest.raises(InvalidInput, match=rf"paragraph {paragraphs}: a third level"):
        parse_document(buffer.getvalue(), source="plan.docx")


@pytest.mark.parametrize("as_docx", [True, False])
def test_table_numbering_gives_sub_tasks_and_refuses_a_third_level(as_docx: bool) -> None:
    rows = [list(r) for r in TABLE_ROWS[:3]]
    rows += [["1.1", "Kiểm tra việc rà soát", "", "", "", ""]]
    data = table_docx(rows) if as_docx else table_markdown(rows).encode()
    tree = parse_document(data, source="plan.docx" if as_docx else "plan.md")
    [task] = tree.areas[0].tasks
    assert [c.text for c in task.children] == ["Kiểm tra việc rà soát"]
    rows += [["1.1.1", "Kiểm tra lại", "", "", "", ""]]
    data = table_docx(rows) if as_docx else table_markdown(rows).encode()
    markdown = table_markdown(rows).splitlines()
    row_line = next(i for i, line in enumerate(markdown, 1) if "Kiểm tra lại" in line)
    where = "table 1 row 5" if as_docx else f"line {row_line}"
    with pytest.raises(InvalidInput, match=rf"{where}: a third level"):
        parse_document(data, source="plan.docx" if as_docx else "plan.md")


def test_a_too_long_title_names_the_title_line() -> None:
    text = HEAD.replace("Cải cách hành chính năm 2026", "Cải cách " * 60) + "- Việc A.\n"
    with pytest.raises(InvalidInput, match=r"plan.md: line 2: title longer than 500"):
        parse_document(text.encode(), source="plan.md")
    word = docx_from_text(text)
    with pytest.raises(InvalidInput, match=r"plan.docx: paragraph 2: title longer than 500"):
        parse_document(word, source="plan.docx")


def test_a_too_long_number_names_its_line() -> None:
    text = "Số: " + "12/KH-SNV " * 10 + "\n\n" + HEAD + "- Việc A.\n"
    with pytest.raises(InvalidInput, match=r"line 1: number longer than 80"):
        parse_document(text.encode(), source="plan.md")
    text = "\n\n" + text
    with pytest.raises(InvalidInput, match=r"line 3: number longer than 80"):
        parse_document(text.encode(), source="plan.md")


def test_a_too_long_area_title_in_word_names_its_paragraph() -> None:
    text = HEAD.replace("Cải cách thể chế", "Thể chế " * 70) + "- Việc A.\n"
    with pytest.raises(InvalidInput, match=r"paragraph 4: area title longer than 500"):
        parse_document(docx_from_text(text), source="plan.docx")
