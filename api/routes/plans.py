"""The plan tree (kế hoạch → lĩnh vực → mục tiêu, chỉ tiêu, nhiệm vụ) and indicator readings.

Plans are agency-wide documents: every signed-in user may read them; only a coordinator
records indicator readings (administrators too, docs/decisions/0010).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from sqlmodel import Session, SQLModel, col, select

from api.deps import CoordinatorUser, CurrentUser, NowDep, SessionDep, SettingsDep
from api.plan_tree import area_indicators, plan_tree
from api.schemas.common import Id
from api.schemas.plans import (
    IndicatorPublic,
    PlanPublic,
    PlanTree,
    ReadingCreate,
    ReadingPublic,
)
from workflow.calendar import load_calendar, local_date
from workflow.errors import NotFound
from workflow.importer import parse_document, upsert_plan
from workflow.importer.preview import deadline_warnings, preview_tasks
from workflow.input_limits import check_plan_document
from workflow.models import (
    Area,
    Indicator,
    IndicatorReading,
    Plan,
)
from workflow.services.indicators import record_reading
from workflow.settings import get_settings

router = APIRouter(prefix="/plans", tags=["plans"])


@router.get("", response_model=list[PlanPublic])
def list_plans(_user: CurrentUser, session: SessionDep) -> list[PlanPublic]:
    """Imported plans, newest first."""
    plans = session.exec(select(Plan).order_by(col(Plan.id).desc())).all()
    return [PlanPublic.model_validate(p) for p in plans]


class ImportOut(SQLModel):
    """What an import changed (or would change, for a dry run)."""

    dry_run: bool
    plan_key: str
    plan_id: int | None
    created: list[str]
    updated: list[str]
    withdrawn: list[str]
    removed: list[str]
    unchanged: int
    start_year: int | None
    end_year: int | None
    # Deadlines the import could not read (or a task-table row without one), by position.
    warnings: list[str]


@router.post("/import", response_model=ImportOut, responses={413: {}})
def import_plan(
    user: CoordinatorUser,
    session: SessionDep,
    now: NowDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    dry_run: Annotated[bool, Form()] = True,
    key: Annotated[str | None, Form(max_length=120)] = None,
) -> ImportOut:
    """Upload a plan (text/markdown, DOCX or PDF with a text layer): a preview by default,
    written if dry_run=false. A scanned PDF (no text) is a 422."""
    source = Path(file.filename or "plan.txt").name
    data = file.file.read(settings.import_max_bytes + 1)
    check_plan_document(data, source=source, settings=settings)
    tree = parse_document(data, source=source)
    digest = hashlib.sha256(data).hexdigest()
    # A dry run does the same writes inside a savepoint it then rolls back.
    savepoint = session.begin_nested() if dry_run else None
    try:
        result = upsert_plan(
            session=session, tree=tree, now=now, source=source, source_sha256=digest, key=key
        )
    finally:
        if savepoint is not None:
            savepoint.rollback()
    previews = preview_tasks(
        tree,
        calendar=load_calendar(session=session),
        today=local_date(now, tz=get_settings().timezone),
    )
    return ImportOut(
        dry_run=dry_run,
        plan_key=result.plan_key,
        plan_id=None if dry_run else result.plan_id,
        created=result.created,
        updated=result.updated,
        withdrawn=result.withdrawn,
        removed=result.removed,
        unchanged=result.unchanged,
        start_year=tree.start_year,
        end_year=tree.end_year,
        warnings=deadline_warnings(tree, previews),
    )


@router.get("/{plan_id}", response_model=PlanTree)
def get_plan(plan_id: Id, _user: CurrentUser, session: SessionDep) -> PlanTree:
    """A plan with its areas, objectives, indicators (targets, latest reading) and tasks."""
    return plan_tree(session, plan_id)


@router.get("/{plan_id}/indicators", response_model=list[IndicatorPublic])
def list_indicators(plan_id: Id, _user: CurrentUser, session: SessionDep) -> list[IndicatorPublic]:
    """The plan's indicators (chỉ tiêu) with targets by year and latest reading."""
    if session.get(Plan, plan_id) is None:
        raise NotFound(f"plan {plan_id} not found")
    area_ids = [a for a in session.exec(select(Area.id).where(Area.plan_id == plan_id)).all() if a]
    by_area = area_indicators(session, area_ids)
    return [i for a in area_ids for i in by_area[a]]


def _indicator(session: Session, indicator_id: int) -> Indicator:
    indicator = session.get(Indicator, indicator_id)
    if indicator is None:
        raise NotFound(f"indicator {indicator_id} not found")
    return indicator


@router.get("/indicators/{indicator_id}/readings", response_model=list[ReadingPublic])
def list_readings(indicator_id: Id, _user: CurrentUser, session: SessionDep) -> list[ReadingPublic]:
    """Measured values of an indicator, oldest first."""
    _indicator(session, indicator_id)
    rows = session.exec(
        select(IndicatorReading)
        .where(IndicatorReading.indicator_id == indicator_id)
        .order_by(col(IndicatorReading.as_of), col(IndicatorReading.id))
    ).all()
    return [ReadingPublic.model_validate(r) for r in rows]


@router.post("/indicators/{indicator_id}/readings", response_model=ReadingPublic, status_code=201)
def add_reading(
    indicator_id: Id,
    body: ReadingCreate,
    user: CoordinatorUser,
    session: SessionDep,
    now: NowDep,
) -> ReadingPublic:
    """Record a measured value (số liệu thực hiện chỉ tiêu), with the rules of the web page:
    a percentage within 0-100, a date neither in the future nor outside the plan's years."""
    reading = record_reading(
        session=session,
        now=now,
        actor=user,
        indicator_id=indicator_id,
        value=body.value,
        as_of=body.as_of,
        note=body.note,
    )
    return ReadingPublic.model_validate(reading)
