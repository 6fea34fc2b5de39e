"""The plan tree (kế hoạch → lĩnh vực → mục tiêu, chỉ tiêu, nhiệm vụ) as the API's models, in
four queries whatever the plan's size: the API's `GET /plans/{id}` and the plan page."""

from __future__ import annotations

from collections import defaultdict

from sqlmodel import Session, col, select

from api.schemas.plans import (
    AreaPublic,
    IndicatorPublic,
    ObjectivePublic,
    PlanTree,
    ReadingPublic,
    TargetPublic,
    TaskPublic,
)
from workflow.errors import NotFound
from workflow.models import (
    Area,
    Indicator,
    IndicatorReading,
    IndicatorTarget,
    Objective,
    Plan,
    PlanTask,
)


def area_indicators(session: Session, area_ids: list[int]) -> dict[int, list[IndicatorPublic]]:
    """Each area's indicators with their targets by year and latest reading."""
    indicators = session.exec(
        select(Indicator).where(col(Indicator.area_id).in_(area_ids)).order_by(col(Indicator.id))
    ).all()
    ids = [i.id for i in indicators]
    targets: dict[int, list[TargetPublic]] = defaultdict(list)
    for t in session.exec(
        select(IndicatorTarget)
        .where(col(IndicatorTarget.indicator_id).in_(ids))
        .order_by(col(IndicatorTarget.year))
    ).all():
        targets[t.indicator_id].append(TargetPublic.model_validate(t))
    latest: dict[int, ReadingPublic] = {}
    for r in session.exec(
        select(IndicatorReading)
        .where(col(IndicatorReading.indicator_id).in_(ids))
        .order_by(col(IndicatorReading.as_of), col(IndicatorReading.id))
    ).all():
        latest[r.indicator_id] = ReadingPublic.model_validate(r)
    out: dict[int, list[IndicatorPublic]] = defaultdict(list)
    for i in indicators:
        assert i.id is not None
        out[i.area_id].append(
            IndicatorPublic.model_validate(
                i, update={"targets": targets[i.id], "latest": latest.get(i.id)}
            )
        )
    return out


def _tasks(session: Session, plan_id: int) -> dict[int, list[TaskPublic]]:
    rows = session.exec(
        select(PlanTask).where(PlanTask.plan_id == plan_id).order_by(col(PlanTask.position))
    ).all()
    nodes = {t.id: TaskPublic.model_validate(t, update={"subtasks": []}) for t in rows}
    roots: dict[int, list[TaskPublic]] = defaultdict(list)
    for t in rows:
        node = nodes[t.id]
        parent = nodes.get(t.parent_id) if t.parent_id is not None else None
        if parent is not None:
            parent.subtasks.append(node)
        else:
            roots[t.area_id].append(node)
    return roots


def plan_tree(session: Session, plan_id: int) -> PlanTree:
    """The whole tree of one plan, in four queries whatever its size."""
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound(f"plan {plan_id} not found")
    areas = session.exec(
        select(Area).where(Area.plan_id == plan_id).order_by(col(Area.number))
    ).all()
    area_ids = [a.id for a in areas if a.id is not None]
    objectives: dict[int, list[ObjectivePublic]] = defaultdict(list)
    for o in session.exec(
        select(Objective)
        .where(col(Objective.area_id).in_(area_ids))
        .order_by(col(Objective.position))
    ).all():
        objectives[o.area_id].append(ObjectivePublic.model_validate(o))
    indicators = area_indicators(session, area_ids)
    tasks = _tasks(session, plan_id)
    return PlanTree.model_validate(
        plan,
        update={
            "areas": [
                AreaPublic.model_validate(
                    a,
                    update={
                        "objectives": objectives[a.id or 0],
                        "indicators": indicators[a.id or 0],
                        "tasks": tasks[a.id or 0],
                    },
                )
                for a in areas
            ]
        },
    )
