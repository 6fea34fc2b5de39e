"""Coordinators record indicator readings; the report takes the latest within its period."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from tests.integration.report_fixture import BUILD_NOW, seed
from workflow.errors import InvalidInput, NotAllowed, NotFound
from workflow.models import IndicatorReading, Plan, User
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


def test_only_coordinators_and_administrators_may_record(org: Session) -> None:
    """As the API's CoordinatorUser (docs/decisions/0010): the coordinator and the admin."""
    data = seed(org)
    for name in ("cchc.linh", "cchc.truong", "gd.minh"):
        with pytest.raises(NotAllowed):
            record_reading(
                session=org,
                now=BUILD_NOW,
                actor=user(org, name),
                indicator_id=data.indicators["online"],
                value=90,
                as_of=date(2026, 3, 1),
            )
    admin = record_reading(
        session=org,
        now=BUILD_NOW,
        actor=user(org, "vp.admin"),
        indicator_id=data.indicators["online"],
        value=90,
        as_of=date(2026, 3, 1),
    )
    assert admin.recorded_by_id == user(org, "vp.admin").id


@pytest.mark.parametrize(
    ("value", "as_of", "code"),
    [
        (101.0, date(2026, 3, 1), "reading_percent"),
        (-0.5, date(2026, 3, 1), "reading_percent"),
        (float("nan"), date(2026, 3, 1), "reading_not_a_number"),
        (float("inf"), date(2026, 3, 1), "reading_not_a_number"),
        (90.0, date(2026, 3, 18), "reading_future"),  # after today (17/03 in Hanoi)
        (90.0, date(2020, 12, 31), "reading_outside_plan"),  # the plan runs 2021-2030
    ],
)
def test_bad_readings_are_refused(org: Session, value: float, as_of: date, code: str) -> None:
    data = seed(org)
    plan = org.exec(select(Plan).where(Plan.key == "cchc-2021-2030")).one()
    plan.start_year, plan.end_year = 2021, 2030
    with pytest.raises(InvalidInput) as refused:
        record_reading(
            session=org,
            now=BUILD_NOW,
            actor=user(org, "vp.cchc"),
            indicator_id=data.indicators["online"],
            value=value,
            as_of=as_of,
        )
    assert refused.value.code == code
    assert org.exec(select(IndicatorReading).where(IndicatorReading.as_of == as_of)).all() == []


def test_a_plan_without_years_takes_any_past_date(org: Session) -> None:
    data = seed(org)  # the fixture's plan states no years
    reading = record_reading(
        session=org,
        now=BUILD_NOW,
        actor=user(org, "vp.cchc"),
        indicator_id=data.indicators["online"],
        value=50,
        as_of=date(2019, 6, 30),
    )
    assert reading.id is not None


def test_a_second_reading_of_a_date_supersedes_the_first(org: Session) -> None:
    """Both stay (history is kept); the report takes the one recorded later."""
    data = seed(org)
    for value, hour in ((60.0, 2), (75.0, 3)):
        record_reading(
            session=org,
            now=datetime(2026, 3, 13, hour, 0, tzinfo=UTC),
            actor=user(org, "vp.cchc"),
            indicator_id=data.indicators["digitised"],
            value=value,
            as_of=date(2026, 3, 13),
        )
    same_day = org.exec(
        select(IndicatorReading).where(
            IndicatorReading.indicator_id == data.indicators["digitised"],
            IndicatorReading.as_of == date(2026, 3, 13),
        )
    ).all()
    assert sorted(r.value for r in same_day) == [60.0, 75.0]
    run = build_report(session=org, now=BUILD_NOW, kind="quarterly", period="2026Q1")
    row = next(
        r
        for r in ReportSnapshot.from_json(run.snapshot).indicators
        if r.id == data.indicators["digitised"]
    )
    assert row.actual == 75.0


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
