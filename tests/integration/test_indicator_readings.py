"""Coordinators record indicator readings; the report takes the latest within its period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from tests.integration.report_fixture import BUILD_NOW, seed
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models import User
from workflow.reporting.build import build_report
from workflow.reporting.snapshot import ReportSnapshot
from workflow.services.indicators import record_reading


def user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def test_a_reading_recorded_by_the_coordinator_is_used_by_the_report(org: Session) -> None:
    data = seed(org)
    reading = record_reading(
        session=org,
        now=datetime(2026, 3, 13, 3, 0, tzinfo=UTC),
        actor=user(org, "vp.cchc"),
        indicator_id=data.indicators["digitised"],
        value=64.5,
        as_of=date(2026, 3, 13),
        note="  Báo cáo của Trung tâm PVHCC  ",
    )
    assert (reading.id is not None, reading.note) == (True, "Báo cáo của Trung tâm PVHCC")
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    row = next(
        r for r in ReportSnapshot.from_json(run.snapshot).indicators if r.id == reading.indicator_id
    )
    assert (row.actual, row.as_of, row.status) == (64.5, date(2026, 3, 13), "off_track")


def test_only_coordinators_may_record(org: Session) -> None:
    data = seed(org)
    with pytest.raises(NotAllowed):
        record_reading(
            session=org,
            now=BUILD_NOW,
            actor=user(org, "cchc.linh"),
            indicator_id=data.indicators["online"],
            value=90,
            as_of=date(2026, 3, 1),
        )


@pytest.mark.parametrize(
    ("value", "as_of", "error"),
    [
        (101.0, date(2026, 3, 1), InvalidInput),
        (float("nan"), date(2026, 3, 1), InvalidInput),
        (90.0, date(2026, 3, 18), InvalidInput),  # after today (17/03 in Hanoi)
    ],
)
def test_bad_readings_are_refused(
    org: Session, value: float, as_of: date, error: type[Exception]
) -> None:
    data = seed(org)
    with pytest.raises(error):
        record_reading(
            session=org,
            now=BUILD_NOW,
            actor=user(org, "vp.cchc"),
            indicator_id=data.indicators["online"],
            value=value,
            as_of=as_of,
        )


def test_unknown_indicator(org: Session) -> None:
    with pytest.raises(NotFound):
        record_reading(
            session=org,
            now=BUILD_NOW,
            actor=user(org, "vp.cchc"),
            indicator_id=999_999,
            value=1,
            as_of=date(2026, 3, 1),
        )
