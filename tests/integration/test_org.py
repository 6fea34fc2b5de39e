"""Loading the organisation chart from YAML: idempotent, all-or-nothing, clear errors."""

from __future__ import annotations

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from tests.conftest import SAMPLE_ORG
from workflow.errors import InvalidInput
from workflow.models import Unit, User
from workflow.services.org import director, load_org, overseer, unit_head


def test_sample_org_loads_with_reporting_line(session: Session) -> None:
    result = load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
    assert len([c for c in result.created if c.startswith("unit")]) == 10
    cchc = session.exec(select(Unit).where(Unit.code == "CCHC")).one()
    head = unit_head(session=session, unit_id=cchc.id or 0)
    assert head is not None and head.username == "cchc.truong"
    deputy = overseer(session=session, unit_id=cchc.id or 0)
    assert deputy is not None and deputy.username == "pgd.dong"
    boss = director(session=session)
    assert boss is not None and boss.role == "director"


def test_loading_twice_changes_nothing(session: Session) -> None:
    text = SAMPLE_ORG.read_text(encoding="utf-8")
    load_org(session=session, text=text)
    again = load_org(session=session, text=text)
    assert not again.changed
    assert again.unchanged == 10 + 26 + 3 + 24  # units, users, groups, aliases


def test_edit_is_reported_as_update(session: Session) -> None:
    text = SAMPLE_ORG.read_text(encoding="utf-8")
    load_org(session=session, text=text)
    edited = text.replace("name: Ban Tôn giáo", "name: Phòng Tôn giáo")
    result = load_org(session=session, text=edited)
    assert result.updated == ["unit BTG"]


def test_unknown_unit_names_the_line_and_writes_nothing(session: Session) -> None:
    text = SAMPLE_ORG.read_text(encoding="utf-8")
    lines = text.splitlines()
    bad_line = next(i for i, line in enumerate(lines) if "username: tt.binh" in line)
    lines[bad_line] = lines[bad_line].replace("unit: TTRA", "unit: NOPE")
    with pytest.raises(InvalidInput, match=rf"line {bad_line + 1}: unknown unit 'NOPE'"):
        load_org(session=session, text="\n".join(lines))
    assert session.exec(select(func.count()).select_from(User)).one() == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected top-level 'units:'"),
        ("units: [", "not valid YAML"),
        ("units:\n  - {code: A}\n", "line 2: name: Field required"),
        ("units:\n  - {code: A, name: A, colour: red}\n", "colour: Extra inputs"),
    ],
)
def test_bad_yaml_is_a_clear_error(session: Session, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_org(session=session, text=text)
