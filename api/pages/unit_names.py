"""Unit names in the page's language, and what the plan page's task rows need to show each
task's units (kept apart from `api.pages.plan_units`, which needs `api.pages.ui`, so the
plan page can use it without an import cycle)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from sqlmodel import Session, col, select

from api.pages.i18n import language
from workflow.models import Unit, User
from workflow.services.plan_units import may_distribute


def unit_label(unit: Unit, lang: str) -> str:
    """A unit's name in `lang`: the English one where the unit has one."""
    return unit.name_en if lang == "en" and unit.name_en else unit.name


def unit_names(session: Session, lang: str) -> tuple[list[Unit], dict[int, str], dict[str, str]]:
    """Every unit (by name), and their names in `lang` by id and by code."""
    units = list(session.exec(select(Unit).order_by(col(Unit.name))).all())
    names = {u.code: unit_label(u, lang) for u in units}
    return units, {u.id or 0: names[u.code] for u in units}, names


def plan_units_context(request: Request, session: Session, user: User) -> dict[str, Any]:
    """The plan page's unit names and whether `user` gets the "Phân công" link."""
    _units, by_id, by_code = unit_names(session, language(request, user))
    return {
        "unit_name": by_id,
        "unit_name_by_code": by_code,
        "can_distribute": may_distribute(user),
    }
