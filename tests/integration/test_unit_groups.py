"""Unit kinds, groups and aliases on PostgreSQL: the organisation file, plan imports that
name groups and aliases, refusals that list every unresolved name, mappings kept."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.conftest import SAMPLE_ORG
from tests.plan_docs import TABLE_ROWS, table_docx, table_markdown
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.importer import ImportResult, parse_document, upsert_plan
from workflow.importer.unit_names import Resolved, load_directory
from workflow.importer.units import UnresolvedUnits
from workflow.models import Plan, PlanTask, Unit, UnitAlias, UnitGroup, User
from workflow.services.org import load_org
from workflow.services.plan_units import set_task_units
from workflow.services.unit_aliases import (
    add_alias,
    add_group,
    list_aliases,
    list_groups,
    remove_alias,
    remove_group,
)

ORG_TEXT = SAMPLE_ORG.read_text(encoding="utf-8")
DIVISIONS = ["TCBC", "XDCQ", "CCVC", "CCHC"]
NOT_BOARD = ["VP", "TTRA", *DIVISIONS, "TDKT", "BTG", "VTLT"]


def run(session: Session, rows: list[list[str]], now: datetime) -> ImportResult:
    tree = parse_document(table_markdown(rows).encode(), source="plan.md")
    return upsert_plan(session=session, tree=tree, now=now, source="plan.md")


def rows_with(*tasks: tuple[str, str, str]) -> list[list[str]]:
    """The sample table's header and area row, then tasks (text, lead cell, support cell)."""
    rows = [list(r) for r in TABLE_ROWS[:2]]
    for i, (text, lead, support) in enumerate(tasks, start=1):
        rows.append([str(i), text, lead, support, "Quý IV", ""])
    return rows


def tasks_by_text(session: Session) -> dict[str, PlanTask]:
    return {t.text: t for t in session.exec(select(PlanTask))}


def codes(session: Session, unit_id: int | None) -> str | None:
    unit = session.get(Unit, unit_id) if unit_id else None
    return unit.code if unit else None


def count(session: Session, model: type) -> int:
    return int(session.exec(select(func.count()).select_from(model)).one())


# --- the organisation file ---------------------------------------------------------------


def test_sample_org_has_kinds_groups_and_aliases(org: Session) -> None:
    kinds = {u.code: u.kind for u in org.exec(select(Unit))}
    assert kinds["BGD"] == "board" and kinds["VP"] == "office" and kinds["TTRA"] == "inspectorate"
    assert {c for c in kinds if kinds[c] == "division"} == set(DIVISIONS)
    assert {c for c in kinds if kinds[c] == "subdepartment"} == {"TDKT", "BTG", "VTLT"}
    groups = {g.code: g for g in org.exec(select(UnitGroup))}
    assert set(groups) == {"KHOI_VP", "BAN_CHICUC", "TO_KIEM_TRA_CCHC"}
    assert groups["TO_KIEM_TRA_CCHC"].unit_codes == ["VP", "TTRA", "CCHC", "CCVC"]
    directory = load_directory(session=org)
    for name, expected in [
        ("VP Sở", ["VP"]),
        ("Văn phòng Sở", ["VP"]),
        ("Phòng CCHC", ["CCHC"]),
        ("TCBC", ["TCBC"]),
        ("Phòng Công chức, viên chức", ["CCVC"]),
        ("Đoàn kiểm tra CCHC", ["VP", "TTRA", "CCVC", "CCHC"]),  # organisation order
        ("Các ban, chi cục", ["TDKT", "BTG", "VTLT"]),
        ("Các phòng, đơn vị thuộc Sở", NOT_BOARD),
        ("Các phòng chuyên môn", DIVISIONS),
    ]:
        found = directory.resolve(name)
        assert isinstance(found, Resolved), name
        assert [u.code for u in found.units] == expected, name


def test_org_load_with_groups_is_idempotent_and_reports_edits(session: Session) -> None:
    load_org(session=session, text=ORG_TEXT)
    assert not load_org(session=session, text=ORG_TEXT).changed
    edited = ORG_TEXT.replace("units: [VP, TTRA, CCHC, CCVC]", "units: [VP, CCHC]").replace(
        "aliases: [VP Sở, Văn phòng Sở]", "aliases: [VP Sở, Văn phòng Sở, Văn phòng Sở Nội vụ]"
    )
    result = load_org(session=session, text=edited)
    assert result.created == ["alias 'Văn phòng Sở Nội vụ'"]
    assert result.updated == ["group TO_KIEM_TRA_CCHC"]
    group = session.exec(select(UnitGroup).where(UnitGroup.code == "TO_KIEM_TRA_CCHC")).one()
    assert group.unit_codes == ["VP", "CCHC"]


def test_a_mapped_alias_becomes_the_files(org: Session, now: datetime) -> None:
    add_alias(session=org, now=now, actor=None, name="VP Sở", target="TTRA")
    result = load_org(session=org, text=ORG_TEXT)
    assert result.updated == ["alias 'VP Sở'"]
    alias = org.exec(select(UnitAlias).where(UnitAlias.key == "vp so")).one()
    assert (codes(org, alias.unit_id), alias.source) == ("VP", "org")


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


@pytest.mark.parametrize(
    ("old", "new", "needle", "message"),
    [
        (
            "units: [VP, TTRA, CCHC, CCVC]",
            "units: [VP, NOPE]",
            "code: TO_KIEM_TRA_CCHC",
            "group 'TO_KIEM_TRA_CCHC': unknown unit 'NOPE'",
        ),
        (
            "    kinds: [subdepartment]",
            "    kinds: [department]",
            "code: BAN_CHICUC",
            "kinds.0: Input should be",
        ),
        (
            "    kinds: [subdepartment]",
            "    kinds: [subdepartment]\n    all: true",
            "code: BAN_CHICUC",
            "exactly one of 'all: true', 'kinds:' or 'units:'",
        ),
        ("code: KHOI_VP", "code: VP", "name: Khối văn phòng", "group code 'VP' is a unit's code"),
        ("code: KHOI_VP", "code: all", "name: Khối văn phòng", "reserved for built-in groups"),
        (
            "aliases: [Thanh tra Sở]",
            "aliases: [Thanh tra Sở, VP Sở]",
            "aliases: [Thanh tra Sở, VP Sở]",
            "alias 'VP Sở' already names 'VP'",
        ),
        (
            "aliases: [Thanh tra Sở]",
            "aliases: [Thanh tra Sở, Phòng Cải cách hành chính]",
            "aliases: [Thanh tra Sở, Phòng",
            "already names 'CCHC'",
        ),
        (
            "    kind: office\n",
            "    kind: office\n    board: true\n",
            "code: VP",
            "a board unit has kind 'board'",
        ),
    ],
)
def test_bad_groups_and_aliases_name_the_line_and_write_nothing(
    session: Session, old: str, new: str, needle: str, message: str
) -> None:
    assert old in ORG_TEXT
    text = ORG_TEXT.replace(old, new, 1)
    # The line of the unit or group mapping the mistake is in.
    target = _line_of(text, needle.strip())
    mapping_line = max(
        i
        for i, line in enumerate(text.splitlines(), start=1)
        if i <= target and line.lstrip().startswith("- code:")
    )
    with pytest.raises(InvalidInput, match=rf"line {mapping_line}: .*{_escape(message)}"):
        load_org(session=session, text=text)
    assert count(session, Unit) == count(session, UnitGroup) == count(session, UnitAlias) == 0


def _escape(text: str) -> str:
    import re

    return re.escape(text)


def test_kind_is_read_from_the_name_when_not_given(session: Session) -> None:
    text = (
        "units:\n"
        "  - {code: A, name: Ban Giám đốc}\n"
        "  - {code: B, name: Văn phòng}\n"
        "  - {code: C, name: Phòng Kế hoạch}\n"
        "  - {code: D, name: Chi cục Thủy sản}\n"
        "  - {code: E, name: Trung tâm Dịch vụ việc làm}\n"
        "  - {code: F, name: Thanh tra}\n"
    )
    load_org(session=session, text=text)
    kinds = {u.code: (u.kind, u.is_board) for u in session.exec(select(Unit))}
    assert kinds == {
        "A": ("board", True),
        "B": ("office", False),
        "C": ("division", False),
        "D": ("subdepartment", False),
        "E": ("public_service", False),
        "F": ("inspectorate", False),
    }


# --- imports naming groups and aliases ---------------------------------------------------


def test_groups_expand_and_a_lead_group_is_kept(org: Session, now: datetime) -> None:
    rows = rows_with(
        ("Rà soát thủ tục", "Phòng CCHC", "Các phòng, đơn vị thuộc Sở"),
        ("Tự kiểm tra công vụ", "Các phòng chuyên môn", "VP Sở, Thanh tra Sở"),
        ("Báo cáo chuyên đề", "Các phòng, ban, đơn vị", ""),
        ("Lưu trữ hồ sơ", "Chi cục VTLT", "Các phòng chuyên môn; VP"),
    )
    result = run(org, rows, now)
    tasks = tasks_by_text(org)
    first = tasks["Rà soát thủ tục"]
    assert codes(org, first.lead_unit_id) == "CCHC" and first.lead_group is None
    assert first.supporting_unit_codes == [c for c in NOT_BOARD if c != "CCHC"]
    second = tasks["Tự kiểm tra công vụ"]
    assert second.lead_unit_id is None and second.lead_group == "Các phòng chuyên môn"
    assert second.lead_group_codes == DIVISIONS
    assert second.supporting_unit_codes == ["VP", "TTRA"]
    third = tasks["Báo cáo chuyên đề"]
    assert third.lead_group_codes == NOT_BOARD and third.supporting_unit_codes == []
    fourth = tasks["Lưu trữ hồ sơ"]
    assert codes(org, fourth.lead_unit_id) == "VTLT"
    assert fourth.supporting_unit_codes == [*DIVISIONS, "VP"]
    # The preview's names per task, as `plan import --json` prints them.
    node = parse_document(table_markdown(rows).encode(), source="plan.md").areas[0].tasks[1]
    assert result.units.for_task(node).as_json() == {
        "lead_unit_name": None,
        "lead_group": "Các phòng chuyên môn",
        "lead_unit_names": [
            "Phòng Tổ chức biên chế",
            "Phòng Xây dựng chính quyền",
            "Phòng Công chức viên chức",
            "Phòng Cải cách hành chính",
        ],
        "supporting_unit_names": ["Văn phòng", "Thanh tra"],
    }
    assert not run(org, rows, now).changed


def test_distributing_a_lead_group_task_picks_one_lead(org: Session, now: datetime) -> None:
    run(org, rows_with(("Tự kiểm tra", "Các phòng chuyên môn", "")), now)
    task = tasks_by_text(org)["Tự kiểm tra"]
    cchc = org.exec(select(Unit).where(Unit.code == "CCHC")).one()
    done = set_task_units(session=org, actor=None, task_id=task.id or 0, lead=cchc.id)
    assert done.changed
    assert (task.lead_unit_id, task.lead_group, task.lead_group_codes) == (cchc.id, None, [])


def test_refusal_lists_every_unresolved_name_and_writes_nothing(
    org: Session, now: datetime
) -> None:
    rows = rows_with(
        ("Nhiệm vụ một", "Phòng Tư pháp", "Các đơn vị liên quan"),
        ("Nhiệm vụ hai", "VP Sở", "Các cơ quan liên quan; Phòng Tư pháp"),
        ("Nhiệm vụ ba", "Phòng Kế hoạch tài chính", "Các phòng chuyên môn"),
    )
    with pytest.raises(UnresolvedUnits) as caught:
        run(org, rows, now)
    listed = {u.name: u for u in caught.value.unresolved}
    assert set(listed) == {
        "Phòng Tư pháp",
        "Các đơn vị liên quan",
        "Các cơ quan liên quan",
        "Phòng Kế hoạch tài chính",
    }
    assert listed["Phòng Tư pháp"].loc == "line 19, line 20"
    assert listed["Các đơn vị liên quan"].reason == "vague"
    assert all(len(u.nearest) == 3 for u in listed.values())
    message = str(caught.value)
    assert "4 unit names not resolved" in message and "planflow org alias add" in message
    assert "line 21: 'Phòng Kế hoạch tài chính': unknown unit or group (nearest: " in message
    assert caught.value.extensions()["unresolved_units"][0]["name"] == "Phòng Tư pháp"
    assert count(org, Plan) == count(org, PlanTask) == 0


def test_a_mapping_is_kept_for_the_next_import(org: Session, now: datetime) -> None:
    rows = rows_with(
        ("Nhiệm vụ một", "Phòng Tư pháp", "Các đơn vị liên quan"),
        ("Nhiệm vụ hai", "VP", "Các đơn vị liên quan"),
    )
    with pytest.raises(UnresolvedUnits):
        run(org, rows, now)
    add_alias(session=org, now=now, actor=None, name="PHÒNG TƯ PHÁP", target="VP")
    with pytest.raises(UnresolvedUnits) as caught:
        run(org, rows, now)
    assert [u.name for u in caught.value.unresolved] == ["Các đơn vị liên quan"]
    add_alias(session=org, now=now, actor=None, name="Các đơn vị liên quan", target="KHOI_VP")
    assert run(org, rows, now).changed
    tasks = tasks_by_text(org)
    assert codes(org, tasks["Nhiệm vụ một"].lead_unit_id) == "VP"
    assert tasks["Nhiệm vụ một"].supporting_unit_codes == ["TTRA", *DIVISIONS]
    # Re-importing resolves the same way, changing nothing.
    assert not run(org, rows, now).changed
    # The same import from the Word document.
    tree = parse_document(table_docx(rows), source="plan.docx")
    assert not upsert_plan(session=org, tree=tree, now=now, source="plan.docx").changed


# --- the names service ---------------------------------------------------------------------


def test_alias_service_checks_and_lists(org: Session, now: datetime) -> None:
    alias, created = add_alias(session=org, now=now, actor=None, name=" Phòng  TP ", target="VP")
    assert created and alias.name == "Phòng TP" and alias.source == "mapped"
    again, created = add_alias(session=org, now=now, actor=None, name="phong tp", target="all")
    assert not created and again.unit_id is None and again.group_code == "all"
    listed = {v.alias.name: (v.target_code, v.target_name) for v in list_aliases(session=org)}
    assert listed["phong tp"] == ("all", "Các phòng, đơn vị thuộc Sở")  # as last spelt
    assert listed["VP Sở"] == ("VP", "Văn phòng")
    for name, target, code in [
        ("", "VP", "alias_name"),
        ("Phòng TP2", "NOPE", "alias_target"),
        ("Thanh tra", "VP", "alias_taken"),
        ("Khối văn phòng", "VP", "alias_taken"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            add_alias(session=org, now=now, actor=None, name=name, target=target)
        assert caught.value.code == code
    remove_alias(session=org, actor=None, name="PHONG TP")
    with pytest.raises(NotFound):
        remove_alias(session=org, actor=None, name="Phòng TP")


def test_group_service_adds_and_removes(org: Session, now: datetime) -> None:
    group = add_group(
        session=org, actor=None, code="TCT", name="Tổ công tác số", unit_codes=["VP", "CCHC"]
    )
    add_alias(session=org, now=now, actor=None, name="Tổ CT", target="TCT")
    views = {v.group.code: v for v in list_groups(session=org)}
    assert [u.code for u in views["TCT"].members] == ["VP", "CCHC"] and views["TCT"].removable
    assert not views["all"].removable and "BGD" not in [u.code for u in views["all"].members]
    for kwargs, code in [
        ({"code": "TCT", "name": "Khác", "unit_codes": ["VP"]}, "group_code"),
        ({"code": "kind:x", "name": "Khác", "unit_codes": ["VP"]}, "group_code"),
        ({"code": "G2", "name": "Văn phòng", "unit_codes": ["VP"]}, "group_name"),
        ({"code": "G2", "name": "Nhóm 2"}, "group_members"),
        ({"code": "G2", "name": "Nhóm 2", "unit_codes": ["NOPE"]}, "group_members"),
        ({"code": "G2", "name": "Nhóm 2", "kinds": ["castle"]}, "group_members"),
    ]:
        with pytest.raises(InvalidInput) as caught:
            add_group(session=org, actor=None, **kwargs)  # type: ignore[arg-type]
        assert caught.value.code == code
    remove_group(session=org, actor=None, code=group.code)
    assert org.exec(select(UnitAlias).where(UnitAlias.group_code == "TCT")).first() is None


def test_only_the_coordinator_and_admins_keep_names(org: Session, now: datetime) -> None:
    users = {u.username: u for u in org.exec(select(User))}
    for username in ("cchc.linh", "cchc.truong", "gd.minh"):
        with pytest.raises(NotAllowed):
            add_alias(session=org, now=now, actor=users[username], name="X1", target="VP")
    for username in ("vp.cchc", "vp.admin"):
        alias, _ = add_alias(session=org, now=now, actor=users[username], name="X1", target="VP")
        assert alias.created_by_id == users[username].id
