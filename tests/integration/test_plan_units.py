"""Distributing plan tasks to units (workflow.services.plan_units) and what a re-import does
to that distribution; the sample mapping (deploy/sample/task-units.yaml) on the sample plan."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlmodel import Session, col, select

from tests.conftest import ROOT, SAMPLE_PLAN
from tests.plan_docs import TABLE_ROWS, table_markdown
from workflow.errors import InvalidInput, InvalidTransition, NotAllowed, NotFound
from workflow.importer import ImportResult, parse_document, upsert_plan
from workflow.models import Plan, PlanTask, Unit, User
from workflow.services.plan_units import apply_unit_mapping, set_task_units
from workflow.services.task_assignment import assign_scope
from workflow.yamlio import load_yaml_with_lines

SAMPLE_UNITS = ROOT / "deploy" / "sample" / "task-units.yaml"


def run(session: Session, text: str, now: datetime) -> ImportResult:
    tree = parse_document(text.encode(), source="plan.txt")
    return upsert_plan(session=session, tree=tree, now=now, source="plan.txt")


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def units_of(session: Session, task: PlanTask) -> tuple[str | None, list[str]]:
    session.refresh(task)
    lead = session.get(Unit, task.lead_unit_id) if task.lead_unit_id else None
    return (lead.code if lead else None), list(task.supporting_unit_codes)


def sample_tasks(session: Session, now: datetime) -> dict[str, PlanTask]:
    run(session, SAMPLE_PLAN.read_text(encoding="utf-8"), now)
    return {t.key: t for t in session.exec(select(PlanTask)).all()}


def sample_mapping() -> dict[str, object]:
    mapping = load_yaml_with_lines(SAMPLE_UNITS.read_text(encoding="utf-8"), source="units")
    assert isinstance(mapping, dict)
    return mapping


def leaf(tasks: dict[str, PlanTask], key: str = "2.bca2c8a3") -> PlanTask:
    return tasks[key]


# --- one task --------------------------------------------------------------------------------


def test_the_coordinator_sets_units_by_id_or_code(org: Session, now: datetime) -> None:
    task = leaf(sample_tasks(org, now))
    assert units_of(org, task) == (None, [])
    done = set_task_units(
        session=org,
        actor=user(org, "vp.cchc"),
        task_id=task.id or 0,
        lead=unit(org, "CCHC").id,
        supporting=["TCBC", unit(org, "VP").id or 0, "TCBC"],  # a repeat counts once
    )
    assert done.changed and done.describe() == f"task {task.key}: lead CCHC, support TCBC, VP"
    assert units_of(org, task) == ("CCHC", ["TCBC", "VP"])
    again = set_task_units(
        session=org,
        actor=user(org, "gd.minh"),
        task_id=task.id or 0,
        lead="CCHC",
        supporting=["TCBC", "VP"],
    )
    assert not again.changed
    # Now the CCHC head may assign it; the TCBC head still may not.
    assert assign_scope(session=org, actor=user(org, "cchc.truong")).allows(task.lead_unit_id)
    assert not assign_scope(session=org, actor=user(org, "tcbc.truong")).allows(task.lead_unit_id)
    # An administrator clears it again.
    set_task_units(session=org, actor=user(org, "vp.admin"), task_id=task.id or 0, lead=None)
    assert units_of(org, task) == (None, [])


@pytest.mark.parametrize("username", ["cchc.truong", "pgd.dong", "cchc.linh", "vp.truong"])
def test_others_may_not(org: Session, now: datetime, username: str) -> None:
    task = leaf(sample_tasks(org, now))
    with pytest.raises(NotAllowed):
        set_task_units(session=org, actor=user(org, username), task_id=task.id or 0, lead="CCHC")
    assert units_of(org, task) == (None, [])


def test_a_deactivated_coordinator_may_not(org: Session, now: datetime) -> None:
    task = leaf(sample_tasks(org, now))
    coordinator = user(org, "vp.cchc")
    coordinator.is_active = False
    with pytest.raises(NotAllowed):
        set_task_units(session=org, actor=coordinator, task_id=task.id or 0, lead="CCHC")


@pytest.mark.parametrize(
    ("lead", "supporting", "error", "code"),
    [
        ("KHONG-CO", [], InvalidInput, "unknown_unit"),
        ("CCHC", ["KHONG-CO"], InvalidInput, "unknown_unit"),
        (999_999, [], InvalidInput, "unknown_unit"),
        (True, [], InvalidInput, "unknown_unit"),  # not unit 1
        ("CCHC", ["VP", "CCHC"], InvalidInput, "lead_supports"),
    ],
)
def test_bad_units_are_refused_and_change_nothing(
    org: Session,
    now: datetime,
    lead: object,
    supporting: list[object],
    error: type[Exception],
    code: str,
) -> None:
    task = leaf(sample_tasks(org, now))
    set_task_units(session=org, actor=None, task_id=task.id or 0, lead="TCBC", supporting=["VP"])
    with pytest.raises(error) as raised:
        set_task_units(
            session=org,
            actor=user(org, "vp.cchc"),
            task_id=task.id or 0,
            lead=lead,  # type: ignore[arg-type]
            supporting=supporting,  # type: ignore[arg-type]
        )
    assert raised.value.code == code  # type: ignore[attr-defined]
    assert units_of(org, task) == ("TCBC", ["VP"])


def test_a_withdrawn_or_missing_task(org: Session, now: datetime) -> None:
    task = leaf(sample_tasks(org, now))
    task.status = "withdrawn"
    org.flush()
    with pytest.raises(InvalidTransition, match="withdrawn") as raised:
        set_task_units(session=org, actor=user(org, "vp.cchc"), task_id=task.id or 0, lead="VP")
    assert raised.value.code == "task_withdrawn"
    with pytest.raises(NotFound):
        set_task_units(session=org, actor=user(org, "vp.cchc"), task_id=987_654, lead="VP")


# --- a mapping for the whole plan --------------------------------------------------------------


def test_the_sample_mapping_distributes_every_leaf_of_the_sample_plan(
    org: Session, now: datetime
) -> None:
    tasks = sample_tasks(org, now)
    plan = org.exec(select(Plan)).one()
    mapping = sample_mapping()
    parents = {t.parent_id for t in tasks.values() if t.parent_id is not None}
    leaves = {k for k, t in tasks.items() if t.id not in parents}
    assert set(mapping) - {"__line__"} == leaves  # no unknown key, no leaf left out
    result = apply_unit_mapping(
        session=org, actor=user(org, "vp.cchc"), plan_id=plan.id or 0, mapping=mapping
    )
    assert (len(result.changed), result.unchanged) == (len(leaves), 0)
    leads = {units_of(org, tasks[k])[0] for k in leaves}
    assert leads == {"VP", "TTRA", "CCHC", "TCBC", "CCVC"}
    # Area 2 (thủ tục hành chính) is CCHC's, area 3 (tổ chức bộ máy) TCBC's.
    assert {units_of(org, t)[0] for k, t in tasks.items() if k.startswith("2.")} == {"CCHC"}
    assert {units_of(org, t)[0] for k, t in tasks.items() if k.startswith("3.")} == {"TCBC"}
    # Its unit heads now find tasks to assign; loading it again changes nothing.
    head = user(org, "cchc.truong")
    assert sum(assign_scope(session=org, actor=head).allows(tasks[k].lead_unit_id) for k in leaves)
    again = apply_unit_mapping(session=org, actor=None, plan_id=plan.id or 0, mapping=mapping)
    assert (len(again.changed), again.unchanged) == (0, len(leaves))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('"2.bca2c8a3": {lead: CCHC}\n"9.khong-co": {lead: VP}\n', r"line 2: task '9.khong-co'"),
        ('"2.bca2c8a3": {lead: CCHC}\n"2.c20a5b12": {lead: ZZ}\n', r"unknown unit 'ZZ'"),
        ('"2.bca2c8a3": {lead: CCHC, support: [VP, CCHC]}\n', r"CCHC cannot both lead"),
        ('"2.bca2c8a3": {lead: CCHC, supprt: [VP]}\n', r"supprt: Extra inputs"),
        ('"2.bca2c8a3": {lead: CCHC}\n2.5: {lead: VP}\n', r"task key 2.5 must be quoted"),
        ('"2.bca2c8a3": CCHC\n', r"expected a mapping with 'lead' and 'support'"),
        ('"2.bca2c8a3": {lead: [CCHC]}\n', r"lead: Input should be a valid string"),
    ],
)
def test_a_bad_mapping_writes_nothing(org: Session, now: datetime, text: str, message: str) -> None:
    tasks = sample_tasks(org, now)
    plan = org.exec(select(Plan)).one()
    mapping = load_yaml_with_lines(text, source="units.yaml")
    with pytest.raises(InvalidInput, match=message):
        apply_unit_mapping(
            session=org,
            actor=user(org, "vp.cchc"),
            plan_id=plan.id or 0,
            mapping=mapping,
            source="units.yaml",
        )
    # The good entries before the bad one were not applied either.
    assert units_of(org, tasks["2.bca2c8a3"]) == (None, [])


def test_a_mapping_with_a_withdrawn_task_writes_nothing(org: Session, now: datetime) -> None:
    tasks = sample_tasks(org, now)
    tasks["2.c20a5b12"].status = "withdrawn"
    org.flush()
    mapping = {"2.bca2c8a3": {"lead": "CCHC"}, "2.c20a5b12": {"lead": "CCHC"}}
    with pytest.raises(InvalidTransition, match="withdrawn"):
        apply_unit_mapping(
            session=org, actor=None, plan_id=tasks["2.bca2c8a3"].plan_id, mapping=mapping
        )
    assert units_of(org, tasks["2.bca2c8a3"]) == (None, [])


def test_a_mapping_needs_a_distributor_and_a_plan(org: Session, now: datetime) -> None:
    tasks = sample_tasks(org, now)
    mapping = {"2.bca2c8a3": {"lead": "CCHC"}}
    with pytest.raises(NotAllowed):
        apply_unit_mapping(
            session=org,
            actor=user(org, "cchc.truong"),
            plan_id=tasks["2.bca2c8a3"].plan_id,
            mapping=mapping,
        )
    with pytest.raises(NotFound):
        apply_unit_mapping(session=org, actor=None, plan_id=987_654, mapping=mapping)
    assert units_of(org, tasks["2.bca2c8a3"]) == (None, [])


# --- re-import -----------------------------------------------------------------------------------


def test_reimporting_a_document_without_units_keeps_the_distribution(
    org: Session, now: datetime
) -> None:
    tasks = sample_tasks(org, now)
    plan = org.exec(select(Plan)).one()
    apply_unit_mapping(session=org, actor=None, plan_id=plan.id or 0, mapping=sample_mapping())
    again = run(org, SAMPLE_PLAN.read_text(encoding="utf-8"), now)
    assert not again.changed
    assert units_of(org, tasks["2.bca2c8a3"]) == (
        "CCHC",
        ["CCVC", "TCBC", "XDCQ", "TDKT", "BTG", "VTLT"],
    )
    # A reworded task keeps its key, its work items and its units.
    text = SAMPLE_PLAN.read_text(encoding="utf-8").replace(
        "Thường xuyên, kịp thời cập nhật, công khai", "Thường xuyên cập nhật, công khai"
    )
    revised = run(org, text, now)
    assert [line for line in revised.updated if line.startswith("task 2.d2a87a72")]
    assert units_of(org, tasks["2.d2a87a72"]) == ("CCHC", ["VP"])


def test_reimporting_a_document_that_names_units_overrides_them(
    org: Session, now: datetime
) -> None:
    rows = [list(r) for r in TABLE_ROWS]
    rows[-1][2] = ""  # "Công khai thủ tục hành chính": the document names no unit
    text = table_markdown(rows)
    run(org, text, now)
    tasks = {t.text: t for t in org.exec(select(PlanTask).order_by(col(PlanTask.id)))}
    named, unnamed = (
        tasks["Rà soát văn bản quy phạm pháp luật"],
        tasks["Công khai thủ tục hành chính"],
    )
    assert units_of(org, named) == ("TTRA", ["VP", "TCBC"])
    assert units_of(org, unnamed) == (None, [])
    coordinator = user(org, "vp.cchc")
    for task in (named, unnamed):
        set_task_units(
            session=org, actor=coordinator, task_id=task.id or 0, lead="XDCQ", supporting=["BTG"]
        )
    result = run(org, text, now)
    # The document names units for the first task: it wins, lead and supporting units alike.
    assert units_of(org, named) == ("TTRA", ["VP", "TCBC"])
    assert [line for line in result.updated if line.startswith(f"task {named.key} ")]
    # It names none for the other: the coordinator's distribution stays.
    assert units_of(org, unnamed) == ("XDCQ", ["BTG"])
    assert not [line for line in result.updated if line.startswith(f"task {unnamed.key} ")]
