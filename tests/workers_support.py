"""Helpers for the scheduled-jobs tests: items that become due, committed schemas, processes."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlmodel import Session, select

from tests.conftest import ROOT
from workflow.models.org import Unit, User
from workflow.models.work import WorkItem


def schema_name(worker_id: str, purpose: str) -> str:
    """A schema of its own per checkout, xdist worker and test purpose (visible to subprocesses)."""
    checkout = hashlib.sha1(str(ROOT).encode(), usedforsecurity=False).hexdigest()[:6]
    return f"pf_wk_{checkout}_{worker_id}_{purpose}".replace("-", "_")


def officer(session: Session, username: str = "tcbc.hoa") -> User:
    return session.exec(select(User).where(User.username == username)).one()


def make_item(
    session: Session,
    *,
    now: datetime,
    due_at: datetime,
    next_action_at: datetime | None,
    assignee: str = "tcbc.hoa",
    state: str = "accepted",
    title: str = "Rà soát thủ tục hành chính",
) -> WorkItem:
    user = officer(session, assignee)
    unit = session.get(Unit, user.unit_id)
    assert unit is not None
    head = session.exec(
        select(User).where(User.unit_id == user.unit_id, User.role == "unit_head")
    ).one()
    item = WorkItem(
        title=title,
        state=state,
        lead_unit_id=user.unit_id,
        assignee_id=user.id or 0,
        assigner_id=head.id or 0,
        start_on=(now - timedelta(days=20)).date(),
        due_at=due_at,
        original_due_at=due_at,
        next_action_at=next_action_at,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    return item
