"""PlanTree → the text grammar the parser reads (the canonical form of a plan).

`variant` picks among the heading styles real extractions show (`**1. …**`, `## 2. …`,
`### **3. …**`, `#### a) Mục tiêu`), so a round trip covers all of them.
"""

from __future__ import annotations

from workflow.importer.tree import AreaNode, ObjectiveNode, PlanTree, TaskNode

_AREA_STYLES = ("**{}**", "## {}", "### **{}**", "{}")
_SECTION_STYLES = ("{}", "#### {}", "#### **{}**", "### **{}**")
_PART_STYLES = ("**{}**", "## **{}**")


def _objectives(objectives: list[ObjectiveNode]) -> list[str]:
    out: list[str] = []
    open_year: int | None = None
    for o in objectives:
        if o.style == "plus":
            if o.milestone_year is not None and o.milestone_year != open_year:
                out.append(f"- Đến năm {o.milestone_year}:")
                open_year = o.milestone_year
            out.append(f"+ {o.text}")
            continue
        open_year = None
        if o.style == "dash":
            prefix = f"Đến năm {o.milestone_year}: " if o.milestone_year else ""
            out.append(f"- {prefix}{o.text}")
        else:
            out.append(o.text)
    return out


def _tasks(tasks: list[TaskNode]) -> list[str]:
    out: list[str] = []
    for t in tasks:
        out.append(t.text if t.style == "para" else f"- {t.text}")
        out.extend(f"+ {c.text}" for c in t.children)
    return out


def _area(area: AreaNode, variant: int) -> list[str]:
    section = _SECTION_STYLES[variant % len(_SECTION_STYLES)]
    out = [_AREA_STYLES[variant % len(_AREA_STYLES)].format(f"{area.number}. {area.title}")]
    if area.objectives:
        out += [section.format("a) Mục tiêu"), *_objectives(area.objectives)]
    if area.tasks:
        out += [section.format("b) Nhiệm vụ"), *_tasks(area.tasks)]
    return out


def render_text(tree: PlanTree, *, variant: int = 0) -> str:
    """The plan as text, one item per paragraph (blank line between lines)."""
    out: list[str] = []
    if tree.number is not None:
        out.append(f"Số: {tree.number}")
    if tree.date_text:
        out.append(tree.date_text)
    if tree.kind:
        out.append(f"**{tree.kind}**")
    out += [f"**{tree.title}**", *tree.preamble]
    for n, part in enumerate(tree.parts):
        style = _PART_STYLES[(variant + n) % len(_PART_STYLES)]
        out.append(style.format(f"{part.number}. {part.title}"))
        out += part.paragraphs
        if part.holds_areas:
            for i, area in enumerate(tree.areas):
                out += _area(area, variant + i)
    if not any(p.holds_areas for p in tree.parts):
        for i, area in enumerate(tree.areas):
            out += _area(area, variant + i)
    out += tree.closing
    if tree.recipients:
        out += ["### ***Nơi nhận***", *(f"- {r}" for r in tree.recipients)]
    out += [f"**{s}**" for s in tree.signature]
    return "\n\n".join(out) + "\n"
