"""The landing page: plans and work at a glance."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import func
from sqlmodel import select

from api.deps import SessionDep
from api.templating import templates
from workflow.models import Plan, Unit, User, WorkItem

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def home(request: Request, session: SessionDep) -> HTMLResponse:
    """Counts of what the system tracks, with links to each part (public: counts only)."""
    counts = {
        "plans": session.exec(select(func.count()).select_from(Plan)).one(),
        "units": session.exec(select(func.count()).select_from(Unit)).one(),
        "users": session.exec(select(func.count()).select_from(User)).one(),
        "items": session.exec(select(func.count()).select_from(WorkItem)).one(),
    }
    return templates.TemplateResponse(request, "home.html", {"counts": counts})
