"""FastAPI application factory: routes, pages, error mapping, login guard, scheduler."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from api import openapi, problems
from api.auth import LoginGuard
from api.deps import connection_slots
from api.observability import ObservabilityMiddleware
from api.pages import (
    absences,
    assign,
    dashboard,
    dates,
    item_forms,
    mailbox,
    oidc_sign_in,
    org_names,
    outbox,
    people_admin,
    plan_units,
    plan_views,
    ui,
    unsubscribe,
)
from api.pages import board as board_page
from api.pages import calendar as calendar_page
from api.pages import director as director_page
from api.pages import indicators as indicator_pages
from api.pages import lists as list_pages
from api.pages import plan_import as plan_import_page
from api.pages import plan_issue as plan_issue_page
from api.pages import reports as report_pages
from api.pages import search as search_page
from api.pages import settings as settings_page
from api.pages import staff_import as staff_import_page
from api.routes import (
    auth,
    calendar,
    comments,
    evidence,
    extensions,
    health,
    ical,
    items,
    me,
    org,
    people,
    plans,
    preferences,
    reports,
)
from api.routes import plan_issue as plan_issue_api
from api.routes import plan_units as plan_units_api
from api.routes import views as views_api
from api.security import SecurityMiddleware
from api.sign_in import mail_reset_link
from workflow.settings import get_settings

STATIC_DIR = Path(__file__).resolve().parent / "static"


def create_app(*, run_scheduler: bool | None = None) -> FastAPI:
    """Build the app; the embedded scheduler is attached by the lifespan when enabled.

    `run_scheduler` None follows the `scheduler_embedded` setting (off by default, so the
    app in tests schedules nothing unless asked; `planflow serve` turns it on).
    """
    settings = get_settings()
    enabled = settings.scheduler_embedded if run_scheduler is None else run_scheduler

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.scheduler = None
        if enabled:
            from tasks.scheduler import start_embedded

            app.state.scheduler = start_embedded()
        try:
            yield
        finally:
            if app.state.scheduler is not None:
                app.state.scheduler.shutdown(wait=True)

    app = FastAPI(title="planflow", version="0.1.0", lifespan=lifespan)
    app.add_middleware(
        SecurityMiddleware,
        max_body_bytes=settings.request_max_bytes,
        secure=settings.secure_cookies,
    )
    # Added last, so outermost: it sees every answer's final status and names its request.
    app.add_middleware(ObservabilityMiddleware)
    app.state.login_guard = LoginGuard(settings)
    # Requests wait here for a database connection (503 after the pool timeout).
    app.state.db_slots = connection_slots(settings, scheduler=enabled)
    # Replaceable (e.g. by an SSO bridge); the default queues a mail in the outbox.
    app.state.reset_link_sender = mail_reset_link
    problems.install(app)
    app.state.html_problem = ui.html_problem
    openapi.install(app)
    for router in (
        health.router,
        auth.router,
        me.router,
        org.router,
        plans.router,
        plan_units_api.router,
        plan_issue_api.router,
        views_api.router,
        items.router,
        comments.router,
        evidence.router,
        extensions.router,
        calendar.router,
        calendar_page.router,
        ical.router,
        preferences.router,
        reports.router,
        dashboard.router,
        board_page.router,
        plan_views.router,
        director_page.router,
        ui.router,
        list_pages.router,
        search_page.router,
        assign.router,
        plan_units.router,
        plan_issue_page.router,
        plan_import_page.router,
        item_forms.router,
        mailbox.router,
        unsubscribe.router,
        settings_page.router,
        report_pages.router,
        indicator_pages.router,
        dates.router,
        org_names.router,
        people.router,
        absences.router,
        staff_import_page.router,
        people_admin.router,
        oidc_sign_in.router,
        outbox.router,
    ):
        app.include_router(router)
    # The pages' own script (the date picker): served from the package, never a CDN.
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
