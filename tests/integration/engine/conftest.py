"""Fixtures for the engine tests: people of the sample organisation and an item factory."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest
from sqlmodel import Session, select

from workflow.models import Unit, User, WorkItem
from workflow.services.work_items import ItemSpec, assign


class People:
    """Look-ups by username / unit code in the sample organisation."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def __getitem__(self, username: str) -> User:
        return self.session.exec(select(User).where(User.username == username)).one()

    def unit(self, code: str) -> Unit:
        return self.session.exec(select(Unit).where(Unit.code == code)).one()


@pytest.fixture
def people(org: Session) -> People:
    return People(org)


MakeItem = Callable[..., WorkItem]


@pytest.fixture
def make_item(org: Session, people: People, now: datetime) -> MakeItem:
    """Assign a CCHC item from cchc.truong to cchc.linh (override any ItemSpec field)."""

    def make(*, at: datetime | None = None, **overrides: Any) -> WorkItem:
        fields: dict[str, Any] = {
            "title": "Báo cáo CCHC quý I",
            "lead_unit_id": people.unit("CCHC").id,
            "assignee_id": people["cchc.linh"].id,
            "start_on": date(2026, 3, 2),
            "due_working_days": 10,
        }
        if "due_on" in overrides:
            fields.pop("due_working_days")
        fields.update(overrides)
        return assign(
            session=org, now=at or now, actor=people["cchc.truong"], spec=ItemSpec(**fields)
        )

    return make
