"""Mails written as one batch (`PendingMail`): one statement, dedup keys kept, on both databases."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import func
from sqlmodel import Session, select

from notifications.models import Notification
from notifications.outbox import PendingMail, enqueue, prepare
from tests.integration.notifications.conftest import reminder_context
from workflow import db
from workflow.models.org import User

pytestmark = pytest.mark.integration


def _batch(session: Session, people: list[User], now: datetime, keys: list[str]) -> PendingMail:
    pending = PendingMail()
    for user, key in zip(people, keys, strict=True):
        pending.add(
            prepare(
                session=session,
                kind="reminder",
                recipient=user,
                context=reminder_context(user, now=now),
                dedup_key=key,
                now=now,
            )
        )
    return pending


def _check_batch(session: Session, now: datetime) -> None:
    people = list(session.exec(select(User).order_by(User.id).limit(3)).all())
    enqueue(
        session=session,
        kind="reminder",
        recipient=people[0],
        context=reminder_context(people[0], now=now),
        dedup_key="reminder:1:a",
        now=now,
    )
    # One key already stored, one twice in the batch: both kept once, nothing raised.
    pending = _batch(
        session,
        [people[0], people[1], people[2], people[2]],
        now,
        ["reminder:1:a", "reminder:1:b", "reminder:1:c", "reminder:1:c"],
    )
    assert pending.write(session) == 2
    assert pending.rows == []
    rows = session.exec(select(Notification).order_by(Notification.dedup_key)).all()
    assert [(r.dedup_key, r.recipient_email) for r in rows] == [
        ("reminder:1:a", people[0].email),
        ("reminder:1:b", people[1].email),
        ("reminder:1:c", people[2].email),
    ]
    assert rows[1].status == "pending" and rows[1].context["item"]["id"] == 42
    assert pending.write(session) == 0  # nothing left to write


def test_a_batch_keeps_every_dedup_key_once_on_postgresql(org: Session, now: datetime) -> None:
    _check_batch(org, now)


def test_a_batch_keeps_every_dedup_key_once_on_sqlite(embedded_db: str, now: datetime) -> None:
    with db.session_scope() as session:
        _check_batch(session, now)
    with db.session_scope() as session:
        assert session.exec(select(func.count()).select_from(Notification)).one() == 3


def test_a_large_batch_is_written_whole(org: Session, now: datetime) -> None:
    user = org.exec(select(User).limit(1)).one()
    keys = [f"reminder:9:{n}" for n in range(1203)]
    pending = _batch(org, [user] * len(keys), now, keys)
    assert pending.write(org) == 1203
    total = org.exec(select(func.count()).select_from(Notification)).one()
    assert total == 1203
