"""Importing plans into PostgreSQL: the sample tree, idempotency, revisions, task tables."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func
from sqlmodel import Session, col, select

from tests.conftest import SAMPLE_PLAN
from tests.plan_docs import TABLE_ROWS, table_docx
from workflow.errors import InvalidInput
from workflow.importer import ImportResult, parse_document, upsert_plan
from workflow.models import (
    Area,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Objective,
    Plan,
    PlanTask,
    Unit,
    User,
    WorkItem,
)

SAMPLE_TEXT = SAMPLE_PLAN.read_text(encoding="utf-8")
REMOVED_TASK = "- Xây dựng kế hoạch chuyển đổi số của Sở giai đoạn 2021-2025 định hướng 2030."


def run(session: Session, text: str | bytes, now: datetime, name: str = "plan.txt") -> ImportResult:
    data = text.encode() if isinstance(text, str) else text
    tree = parse_document(data, source=name)
    return upsert_plan(session=session, tree=tree, now=now, source=name)


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


def test_sample_import_builds_the_plan_tree(session: Session, now: datetime) -> None:
    result = run(session, SAMPLE_TEXT, now)
    assert len(result.created) == 1 + 6 + 25 + 15 + 26
    plan = session.exec(select(Plan)).one()
    assert plan.title == "Cải cách hành chính Sở Nội vụ giai đoạn 2021-2030"
    assert plan.legal_basis == "Kế hoạch số 402/KH-UBND ngày 21/8/2021"
    assert (plan.start_year, plan.end_year, plan.place) == (2021, 2030, "Bắc Giang")
    assert plan.imported_at == now
    assert set(plan.sections) >= {"I", "II", "III", "IV", "V", "VI", "signature"}
    assert len(plan.sections["VI"]["paragraphs"]) == 3
    areas = {a.number: a for a in session.exec(select(Area))}
    tasks = list(session.exec(select(PlanTask)))
    per_area = {
        n: sum(t.area_id == a.id and t.parent_id is None for t in tasks) for n, a in areas.items()
    }
    assert per_area == {1: 3, 2: 7, 3: 3, 4: 5, 5: 3, 6: 2}
    subtasks = [t for t in tasks if t.parent_id is not None]
    assert len(subtasks) == 3 and {t.area_id for t in subtasks} == {areas[1].id}
    assert all(t.status == "active" for t in tasks)
    satisfaction = session.exec(
        select(Indicator).where(col(Indicator.name).startswith("Mức độ hài lòng"))
    ).one()
    targets = session.exec(
        select(IndicatorTarget)
        .where(IndicatorTarget.indicator_id == satisfaction.id)
        .order_by(col(IndicatorTarget.year))
    ).all()
    assert [(t.year, t.comparator, t.value) for t in targets] == [
        (2025, ">=", 90),
        (2030, ">=", 95),
    ]
    objective = session.get(Objective, satisfaction.objective_id)
    assert objective is not None and objective.milestone_year == 2025
    rank = session.exec(select(IndicatorTarget).where(IndicatorTarget.comparator == "rank<=")).one()
    assert (rank.year, rank.value) == (2030, 10)
    assert count(session, IndicatorTarget) == 19


def test_importing_the_same_file_twice_changes_nothing(session: Session, now: datetime) -> None:
    run(session, SAMPLE_TEXT, now)
    rows = [
        count(session, m) for m in (Plan, Area, Objective, Indicator, IndicatorTarget, PlanTask)
    ]
    again = run(session, SAMPLE_TEXT, now + timedelta(days=1))
    assert not again.changed
    assert again.unchanged == 73
    assert [
        count(session, m) for m in (Plan, Area, Objective, Indicator, IndicatorTarget, PlanTask)
    ] == rows
    assert session.exec(select(Plan)).one().imported_at == now
    # The same plan from Word is the same plan.
    from tests.plan_docs import docx_from_text

    assert not run(session, docx_from_text(SAMPLE_TEXT), now, "plan.docx").changed


def _work_item(session: Session, task: PlanTask, now: datetime) -> WorkItem:
    user = session.exec(select(User).where(User.username == "cchc.truong")).one()
    item = WorkItem(
        plan_task_id=task.id,
        title=task.text[:200],
        lead_unit_id=user.unit_id,
        assignee_id=user.id or 0,
        assigner_id=user.id or 0,
        start_on=date(2026, 3, 2),
        due_at=now + timedelta(days=30),
        original_due_at=now + timedelta(days=30),
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item


def test_revised_file_updates_adds_and_withdraws(org: Session, now: datetime) -> None:
    session = org
    run(session, SAMPLE_TEXT, now)
    removed = session.exec(
        select(PlanTask).where(col(PlanTask.text).startswith("Xây dựng kế hoạch chuyển đổi số"))
    ).one()
    item = _work_item(session, removed, now)
    reworded = session.exec(
        select(PlanTask).where(col(PlanTask.text).startswith("Tăng cường tự kiểm tra"))
    ).one()
    key_before = reworded.key
    revised = (
        SAMPLE_TEXT.replace(REMOVED_TASK + "\n", "")
        .replace("Tăng cường tự kiểm tra, rà soát", "Tăng cường tự kiểm tra, thường xuyên rà soát")
        .replace(
            "+ Tăng cường năng lực phản ứng chính sách",
            "+ Ứng dụng trí tuệ nhân tạo trong rà soát văn bản.\n\n"
            "+ Tăng cường năng lực phản ứng chính sách",
        )
        .replace("đạt tối thiểu 95%", "đạt tối thiểu 97%")
    )
    result = run(session, revised, now + timedelta(days=7))

    assert any(line.startswith(f"task {key_before} ") for line in result.updated)
    session.refresh(reworded)
    assert reworded.key == key_before and "thường xuyên rà soát" in reworded.text
    [created] = result.created
    assert created.startswith("task 1.") and "trí tuệ nhân tạo" in created
    new = session.exec(select(PlanTask).where(col(PlanTask.text).contains("trí tuệ"))).one()
    parent = session.get(PlanTask, new.parent_id)
    assert parent is not None and parent.text.startswith("Đổi mới, nâng cao chất lượng")
    assert [(s.position, s.text[:9]) for s in _children(session, parent)] == [
        (0, "Tổ chức t"),
        (1, "Ứng dụng "),
        (2, "Tăng cườn"),
        (3, "Thực hiện"),
    ]
    [withdrawn] = result.withdrawn
    assert "1 work items keep pointing at it" in withdrawn
    session.refresh(removed)
    assert removed.status == "withdrawn"
    session.refresh(item)
    assert item.plan_task_id == removed.id
    assert any("indicator 2/" in line and "Mức độ hài lòng" in line for line in result.updated)
    assert (
        session.exec(select(IndicatorTarget).where(IndicatorTarget.value == 97)).one().year == 2030
    )
    assert session.exec(select(Plan)).one().imported_at == now + timedelta(days=7)

    back = run(session, SAMPLE_TEXT, now + timedelta(days=8))
    session.refresh(removed)
    assert removed.status == "active"
    assert any("Xây dựng kế hoạch chuyển đổi số" in line for line in back.updated)
    new_again = session.get(PlanTask, new.id)
    assert new_again is not None and new_again.status == "withdrawn"


def _children(session: Session, parent: PlanTask) -> list[PlanTask]:
    return list(
        session.exec(
            select(PlanTask)
            .where(PlanTask.parent_id == parent.id, PlanTask.status == "active")
            .order_by(col(PlanTask.position))
        )
    )


def test_removed_area_withdraws_its_tasks(session: Session, now: datetime) -> None:
    run(session, SAMPLE_TEXT, now)
    start = SAMPLE_TEXT.index("## **6. Xây dựng")
    end = SAMPLE_TEXT.index("## **IV.")
    result = run(session, SAMPLE_TEXT[:start] + SAMPLE_TEXT[end:], now)
    assert len([w for w in result.withdrawn if w.startswith("task 6.")]) == 2
    assert len([w for w in result.withdrawn if w.startswith("objective 6/")]) == 5
    assert count(session, Area) == 6  # the area row stays; its work is withdrawn


def test_indicator_with_readings_is_kept_others_removed(session: Session, now: datetime) -> None:
    run(session, SAMPLE_TEXT, now)
    top10 = session.exec(select(Indicator).where(col(Indicator.name).contains("top 10"))).one()
    session.add(
        IndicatorReading(
            indicator_id=top10.id or 0, value=8, as_of=date(2025, 12, 31), recorded_at=now
        )
    )
    session.flush()
    revised = SAMPLE_TEXT.replace(
        "- Chỉ số về kết quả đánh giá chuyển đổi số của Sở nằm trong top 10 của tỉnh.\n", ""
    ).replace("- Trên 70% hoạt động kiểm tra của đơn vị", "- Nhiều hoạt động kiểm tra của đơn vị")
    result = run(session, revised, now)
    assert session.get(Indicator, top10.id) is not None
    assert [r for r in result.removed if r.startswith("indicator 6/")] != []
    assert (
        session.exec(select(Indicator).where(col(Indicator.name).contains("Trên 70%"))).first()
        is None
    )


def test_task_table_maps_units_by_name_or_code(org: Session, now: datetime) -> None:
    result = run(org, table_docx(), now, "plan.docx")
    assert result.changed
    units = {u.id: u.code for u in org.exec(select(Unit))}
    tasks = {t.text: t for t in org.exec(select(PlanTask))}
    first = tasks["Rà soát văn bản quy phạm pháp luật"]
    assert units[first.lead_unit_id or 0] == "TTRA"
    assert first.supporting_unit_codes == ["VP", "TCBC"]
    assert (first.due_text, first.product) == ("Quý II", "Báo cáo")
    sub = tasks["Kiểm tra việc thi hành"]
    assert units[sub.lead_unit_id or 0] == "CCHC" and sub.supporting_unit_codes == ["VP"]
    assert units[tasks["Tổ chức thi hành pháp luật"].lead_unit_id or 0] == "CCHC"
    assert not run(org, table_docx(), now, "plan.docx").changed


def test_unknown_unit_names_the_row_and_writes_nothing(org: Session, now: datetime) -> None:
    rows = [list(r) for r in TABLE_ROWS]
    rows[3][2] = "Phòng Không Tồn Tại"
    with pytest.raises(InvalidInput, match=r"table 1 row 4: 'Phòng Không Tồn Tại': unknown unit"):
        run(org, table_docx(rows), now, "plan.docx")
    assert count(org, Plan) == count(org, PlanTask) == 0


def test_a_task_moved_to_another_area_keeps_its_row_units_and_items(
    org: Session, now: datetime
) -> None:
    run(org, SAMPLE_TEXT, now)
    lines = SAMPLE_TEXT.splitlines()
    single = next(i for i, line in enumerate(lines) if line.startswith("- Tăng cường tự kiểm tra"))
    parent = next(i for i, line in enumerate(lines) if line.startswith("- Đổi mới, nâng cao"))
    block = [single, parent, parent + 2, parent + 4, parent + 6]  # the task, a task + 3 subs
    moved_lines = [lines[i] for i in block]
    assert [line[0] for line in moved_lines] == ["-", "-", "+", "+", "+"]
    rest = [line for i, line in enumerate(lines) if i not in block]
    at = rest.index("b) Nhiệm vụ") + 1  # area 2's tasks
    moved = "\n".join([*rest[:at], "", *"\n\n".join(moved_lines).splitlines(), *rest[at:]])

    def row(prefix: str) -> PlanTask:
        return org.exec(select(PlanTask).where(col(PlanTask.text).startswith(prefix))).one()

    task, boss = row("Tăng cường tự kiểm tra"), row("Đổi mới, nâng cao")
    subs = _children(org, boss)
    unit = org.exec(select(Unit).where(Unit.code == "TTRA")).one()
    task.lead_unit_id, task.supporting_unit_codes = unit.id, ["VP"]
    item = _work_item(org, task, now)
    before = {t.id: t.key for t in (task, boss, *subs)}

    result = run(org, moved, now + timedelta(days=1))

    assert not result.withdrawn and not result.created
    areas = {a.number: a.id for a in org.exec(select(Area))}
    for t in (task, boss, *subs):
        org.refresh(t)
        assert (t.key, t.status, t.area_id) == (before[t.id], "active", areas[2])
    assert [s.id for s in _children(org, boss)] == [s.id for s in subs]
    assert (task.lead_unit_id, task.supporting_unit_codes) == (unit.id, ["VP"])
    org.refresh(item)
    assert item.plan_task_id == task.id
    assert any(line.startswith(f"task {task.key} ") for line in result.updated)
    assert not run(org, moved, now + timedelta(days=2)).changed
