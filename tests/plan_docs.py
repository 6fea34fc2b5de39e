"""Test helpers: Word documents built at test time from plan text (no binary fixtures)."""

from __future__ import annotations

import copy
import io
import random
import re
from typing import Any

import docx

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")


def _plain(text: str) -> str:
    return " ".join(text.replace("**", "").strip("*").split())


def docx_from_text(text: str, *, tables: dict[int, list[list[str]]] | None = None) -> bytes:
    """A .docx as an office would type the plan: heading styles, bold, bullet list styles.

    `tables` maps a line index to rows of a Word table inserted before that line.
    """
    document = docx.Document()
    for index, raw in enumerate(text.splitlines()):
        for row_index, rows in (tables or {}).items():
            if row_index == index:
                table = document.add_table(rows=len(rows), cols=len(rows[0]))
                for r, row in enumerate(rows):
                    for c, value in enumerate(row):
                        table.cell(r, c).text = value
        line = raw.strip()
        if not line:
            continue
        if m := _HEADING.match(line):
            document.add_heading(_plain(m.group(2)), level=len(m.group(1)))
        elif line.startswith(("- ", "+ ")):
            style = "List Bullet" if line[0] == "-" else "List Bullet 2"
            document.add_paragraph(_plain(line[2:]), style=style)
        elif line.startswith("**"):
            document.add_paragraph().add_run(_plain(line)).bold = True
        else:
            document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


TABLE_PLAN = """\
Số: 12/KH-SNV

Bắc Giang, ngày 05 tháng 3 năm 2024

**KẾ HOẠCH**
**Triển khai nhiệm vụ cải cách hành chính năm 2024**

Thực hiện Quyết định số 50/QĐ-UBND ngày 10/01/2024 của UBND tỉnh.

**I. MỤC ĐÍCH**

1. Bảo đảm thực hiện đúng tiến độ.

**II. NHIỆM VỤ CỤ THỂ**

**III. TỔ CHỨC THỰC HIỆN**

1. Các phòng tổ chức thực hiện.
"""

TABLE_ROWS = [
    ["STT", "Nội dung", "Đơn vị chủ trì", "Đơn vị phối hợp", "Thời gian hoàn thành", "Sản phẩm"],
    ["1. Cải cách thể chế"] * 6,
    [
        "1",
        "Rà soát văn bản quy phạm pháp luật",
        "Thanh tra",
        "Văn phòng; TCBC",
        "Quý II",
        "Báo cáo",
    ],
    ["2", "Tổ chức thi hành pháp luật", "Phòng CCHC", "", "Tháng 12", "Kế hoạch"],
    ["", "+ Kiểm tra việc thi hành", "CCHC", "VP", "Tháng 12", ""],
    ["2. Cải cách thủ tục hành chính", "", "", "", "", ""],
    ["1", "Công khai thủ tục hành chính", "Văn phòng", "", "Thường xuyên", "Cổng thông tin"],
]


def table_docx(rows: list[list[str]] | None = None) -> bytes:
    """The task-table form: a small plan whose part II is one Word table."""
    lines = TABLE_PLAN.splitlines()
    at = lines.index("**III. TỔ CHỨC THỰC HIỆN**")
    return docx_from_text(TABLE_PLAN, tables={at: rows or TABLE_ROWS})


def table_markdown(rows: list[list[str]] | None = None) -> str:
    """The same plan with the table as markdown pipes (as converters extract it)."""
    rows = rows or TABLE_ROWS
    table = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
    table += ["| " + " | ".join(r) + " |" for r in rows[1:]]
    return TABLE_PLAN.replace(
        "**III. TỔ CHỨC THỰC HIỆN**", "\n".join(table) + "\n\n**III. TỔ CHỨC THỰC HIỆN**"
    )


# Large plans, generated deterministically (no large committed files): syllables of a
# made-up Vietnamese-like vocabulary, so words repeat across tasks the way plan words do.
_ONSETS = ["b", "c", "ch", "d", "đ", "g", "h", "kh", "l", "m", "n", "ng", "nh", "ph", "qu"]
_ONSETS += ["s", "t", "th", "tr", "v", "x"]
_RHYMES = ["a", "an", "anh", "ao", "ác", "ài", "âm", "ần", "ê", "ết", "i", "iên", "inh"]
_RHYMES += ["o", "oan", "ông", "ơi", "u", "uân", "ương", "ưu", "ực", "ý", "ỉnh", "ọc"]
_SYLLABLES = [o + r for o in _ONSETS for r in _RHYMES]
_VERBS = ["Rà soát", "Xây dựng", "Triển khai", "Tổ chức", "Kiểm tra", "Hoàn thiện"]
_VERBS += ["Nâng cao chất lượng", "Đẩy mạnh", "Tăng cường", "Đánh giá"]


def _task_text(rng: random.Random) -> str:
    body = " ".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(8, 14)))
    return f"{rng.choice(_VERBS)} {body} của Sở."


def _reword(rng: random.Random, text: str) -> str:
    """Replace one word and insert another: still the same task to the matcher."""
    words = text.removesuffix(".").split()
    words[rng.randrange(2, len(words))] = rng.choice(_SYLLABLES)
    words.insert(rng.randrange(2, len(words)), rng.choice(_SYLLABLES))
    return " ".join(words) + "."


def big_plan(tasks: int, *, reworded: bool = False, seed: int = 14) -> str:
    """A plan of `tasks` task lines (every tenth a sub-task) in areas of about 500.

    `reworded` is the amended plan: every task reworded, one in 50 moved to the next area,
    one in 100 removed and one in 100 added.
    """
    rng = random.Random(seed)
    areas = max(2, tasks // 500)
    body: list[list[str]] = [[] for _ in range(areas)]
    change = random.Random(seed + 1)
    for i in range(tasks):
        text = _task_text(rng)
        area = i * areas // tasks
        mark = "+" if i % 10 == 9 else "-"
        if reworded:
            text = _reword(change, text)
            if i % 100 == 50:
                continue
            if i % 100 == 70:
                body[area].append(f"- {_task_text(change)}")
            if mark == "-" and i % 50 == 20:
                area = (area + 1) % areas
        body[area].append(f"{mark} {text}")
    lines = ["**KẾ HOẠCH**", f"**Cải cách hành chính năm 2026 ({tasks} nhiệm vụ)**", ""]
    lines += ["**I. NỘI DUNG**", ""]
    for a, tasks_of_area in enumerate(body, start=1):
        lines += [f"## {a}. Lĩnh vực số {a}", "a) Mục tiêu", f"Hoàn thành lĩnh vực số {a}."]
        lines += ["b) Nhiệm vụ", *tasks_of_area, ""]
    return "\n".join(lines) + "\n"


def big_docx(text: str) -> bytes:
    """`docx_from_text` for large texts: each kind of paragraph is styled once and copied
    (python-docx's `add_paragraph(style=…)` looks the style up by name every time)."""
    document = docx.Document()
    body = document.element.body
    end = body.sectPr
    models: dict[str, Any] = {}

    def model(kind: str) -> Any:
        if kind not in models:
            if kind == "heading":
                p = document.add_heading("x", level=2)
            elif kind in ("-", "+"):
                p = document.add_paragraph("x", style="List Bullet" + (" 2" if kind == "+" else ""))
            elif kind == "bold":
                p = document.add_paragraph()
                p.add_run("x").bold = True
            else:
                p = document.add_paragraph("x")
            models[kind] = p._p
            body.remove(p._p)
        return models[kind]

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := _HEADING.match(line):
            kind, words = "heading", _plain(m.group(2))
        elif line.startswith(("- ", "+ ")):
            kind, words = line[0], _plain(line[2:])
        elif line.startswith("**"):
            kind, words = "bold", _plain(line)
        else:
            kind, words = "plain", line
        p = copy.deepcopy(model(kind))
        p.r_lst[0].text = words
        end.addprevious(p)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def task_table_plan(*, number: str, title: str, rows: list[str]) -> str:
    """A plan document around a task table (`rows`: the table's markdown lines, header
    included): its number, title, purpose, the table as part II and the closing part."""
    return "\n".join(
        [
            f"Số: {number}",
            "",
            "**KẾ HOẠCH**",
            f"**{title}**",
            "",
            "**I. MỤC ĐÍCH**",
            "",
            "1. Bảo đảm thực hiện đúng tiến độ.",
            "",
            "**II. NHIỆM VỤ CỤ THỂ**",
            "",
            *rows,
            "",
            "**III. TỔ CHỨC THỰC HIỆN**",
            "",
            "1. Các phòng tổ chức thực hiện.",
            "",
        ]
    )
