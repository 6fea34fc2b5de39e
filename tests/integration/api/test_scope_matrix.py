"""Authorisation matrix: every route the app serves × the sample users and nobody signed in.

`MATRIX` says for each (method, path) who may call it: everybody (`Public`), any signed-in
user acting on their own data (`SignedIn`), some roles (`Roles`), whoever may assign work to
a unit (`Manages`), or those who see a work item and stand in one of some relations to it
(`OnItem`). The routes are walked from `app.routes`, so a new route without a row fails
`test_every_route_has_a_row`. docs/decisions/0010-api-authorisation.md explains the rules.

The callers are the twelve users of conftest.VISIBILITY (every role), a deactivated account
whose token was issued before, and nobody. Expected answers: allowed → anything but
401/403/404 and below 500 (a 409 or 422 means the caller got past authorisation); refused
by role or relation → 403; an item outside the caller's scope → 404 without a trace of it;
nobody (or a deactivated account) → 401, or on pages a redirect to /login. API refusals are
problem+json.

Seeded once per module inside one transaction rolled back at the end; every request runs in
a savepoint rolled back after it, so an allowed write (an approval, a new account, a calendar
change) never changes what the next probe sees.
"""

from __future__ import annotations

import itertools
import mailbox
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from pwdlib.hashers.argon2 import Argon2Hasher
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, select

import api.auth
from api.auth import TokenKind, issue_token
from api.deps import get_now
from api.pages.settings import LISTED_KINDS
from tests.conftest import SAMPLE_ORG
from tests.integration.api.conftest import (
    MANAGES,
    RELATIONS,
    VISIBILITY,
    Sample,
    seed_sample,
    unit_coded,
    user_named,
)
from workflow.models import (
    Absence,
    Area,
    CalendarOverride,
    Indicator,
    Plan,
    PlanTask,
    SavedView,
    User,
)
from workflow.models.org import Role
from workflow.states import ActorRelation as Rel

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # the `now` fixture's instant
OK = 0  # expected: past authorisation (anything but 401/403/404, below 500)
LOGIN = -1  # expected: a page's redirect (303) to /login
ICAL_TOKEN = "authz-ical-feed-token"
INACTIVE = "tcbc.khoa"  # deactivated after their token was issued: treated as nobody


# --- who may call a route ------------------------------------------------------------------


@dataclass(frozen=True)
class Public:
    """No sign-in (a token in the request is the credential, if any): everybody gets `status`."""

    status: int = OK


@dataclass(frozen=True)
class SignedIn:
    """Any active account (reads agency-wide data, or acts on the caller's own)."""


@dataclass(frozen=True)
class Roles:
    """Holders of one of `roles`; anybody else gets 403."""

    roles: frozenset[str]


@dataclass(frozen=True)
class Manages:
    """Whoever may assign work to the unit `code` (see conftest.MANAGES); anybody else 403."""

    code: str


@dataclass(frozen=True)
class OnItem:
    """Scoped to one work item: 404 to whoever does not see it (conftest.VISIBILITY); of
    those who do, only holders of one of `relations` (None: all of them) pass, others 403."""

    relations: frozenset[str] | None = None


@dataclass(frozen=True)
class Named:
    """These accounts only (a relation to one person, e.g. their absence); others 403."""

    usernames: frozenset[str]


Access = Public | SignedIn | Roles | Manages | OnItem | Named
Probe = Callable[["World", str | None], dict[str, Any]]


@dataclass(frozen=True)
class Row:
    access: Access
    # The request (path parameters under "path", the rest for client.request) made of the
    # world and, for OnItem rows, the key of the sample item.
    probe: Probe = lambda _w, _k: {}
    page: bool = False  # a browser page: refusals are HTML, nobody signed in goes to /login


def roles(*names: Role) -> Roles:
    return Roles(frozenset(r.value for r in names))


def relations(*names: Rel) -> OnItem:
    return OnItem(frozenset(r.value for r in names))


def fixed(**kwargs: Any) -> Probe:
    return lambda _w, _k: kwargs


EDITORS = roles(Role.COORDINATOR, Role.ADMIN)  # calendar, plans, readings, unit names
DISTRIBUTORS = roles(Role.DIRECTOR, Role.COORDINATOR, Role.ADMIN)  # tasks' units, issuing
REPORT_READERS = roles(Role.DIRECTOR, Role.DEPUTY_DIRECTOR, Role.UNIT_HEAD, Role.COORDINATOR)
ADMIN = roles(Role.ADMIN)
WORKER = relations(Rel.ASSIGNEE)  # the probe's action: accept, from assigned
OWNERS = relations(Rel.ASSIGNEE, Rel.LEAD_UNIT_HEAD)  # evidence, extension requests
# The seeded absence is cchc.linh's: she, her unit's head and the administrator end it.
ABSENCE_KEEPERS = Named(frozenset({"cchc.linh", "cchc.truong", "vp.admin"}))
PEOPLE_KEEPERS = roles(Role.ADMIN, Role.UNIT_HEAD)  # the administration of people
OFFICER_KEEPERS = Named(frozenset({"cchc.truong", "vp.admin"}))  # cchc.linh's page
DECIDERS = relations(Rel.LEAD_UNIT_HEAD, Rel.DEPUTY_IN_CHARGE, Rel.DIRECTOR)  # extensions
CSRF = "authz-probe-csrf"
PAGE_FORM = {"headers": {"Cookie": f"pf_csrf={CSRF}"}}
NEW_PASSWORD = "mat-khau-moi-du-dai"
PLAN_TEXT = """**KẾ HOẠCH**
**Thử phân quyền giai đoạn 2026-2030**

**III. NỘI DUNG, NHIỆM VỤ**

**1. Cải cách thể chế**

a) Mục tiêu

Hoàn thiện thể chế.

b) Nhiệm vụ

- Rà soát văn bản quy phạm pháp luật.
"""

LOGINS = itertools.count()

MATRIX: dict[tuple[str, str], Row] = {
    # the OpenAPI document and its viewers, health probes
    ("GET", "/openapi.json"): Row(Public(200)),
    ("GET", "/docs"): Row(Public(200)),
    ("GET", "/docs/oauth2-redirect"): Row(Public(200)),
    ("GET", "/redoc"): Row(Public(200)),
    ("GET", "/healthz"): Row(Public(200)),
    ("GET", "/readyz"): Row(Public(200)),
    # By client address or a scrape token, never by account: any user here is refused.
    ("GET", "/metrics"): Row(Public(403)),
    # authentication: the credentials are the body (bad ones here)
    # (a name per call: five failures for one name from one address block it, known or not)
    ("POST", "/auth/token"): Row(
        Public(401),
        lambda _w, _k: {"data": {"username": f"khong.co.{next(LOGINS)}", "password": "sai"}},
    ),
    ("POST", "/auth/refresh"): Row(Public(401), fixed(json={"refresh_token": "forged"})),
    ("POST", "/auth/logout"): Row(SignedIn()),
    ("POST", "/auth/password"): Row(
        SignedIn(), fixed(json={"current_password": "sai", "new_password": NEW_PASSWORD})
    ),
    ("POST", "/auth/password-reset"): Row(Public(202), fixed(json={"login": "khong.co"})),
    ("POST", "/auth/password-reset/confirm"): Row(
        Public(400), fixed(json={"token": "forged", "new_password": NEW_PASSWORD})
    ),
    # the caller's own account
    ("GET", "/me"): Row(SignedIn()),
    ("PATCH", "/me"): Row(SignedIn(), fixed(json={"language": "vi"})),
    ("POST", "/me/ical-token"): Row(SignedIn()),
    ("DELETE", "/me/ical-token"): Row(SignedIn()),
    ("GET", "/me/notifications"): Row(SignedIn()),
    ("PUT", "/me/notifications"): Row(SignedIn(), fixed(json={"mode": "digest"})),
    ("GET", "/ical/{token}.ics"): Row(Public(200), fixed(path={"token": ICAL_TOKEN})),
    # organisation, accounts
    ("GET", "/units"): Row(SignedIn()),
    ("GET", "/users"): Row(SignedIn()),
    ("GET", "/admin/users"): Row(ADMIN),
    ("POST", "/admin/users"): Row(
        ADMIN,
        lambda w, _k: {
            "json": {
                "username": "thu.quyen",
                "email": "thu.quyen@sonoivu.example.vn",
                "full_name": "Tài khoản thử",
                "unit_id": w.ids["unit"],
                "role": "officer",
            }
        },
    ),
    ("PATCH", "/admin/users/{user_id}"): Row(
        ADMIN, lambda w, _k: {"path": {"user_id": w.ids["user"]}, "json": {"title": "Chuyên viên"}}
    ),
    ("GET", "/admin/users/{user_id}/history"): Row(
        ADMIN, lambda w, _k: {"path": {"user_id": w.ids["user"]}}
    ),
    # directory sign-in (OpenID Connect is off here: 404; a callback without its flow: 400)
    ("GET", "/login/oidc"): Row(Public(404), page=True),
    ("GET", "/login/oidc/callback"): Row(Public(404), page=True),
    # the administration of people: administrators, and a head for their unit's officers
    ("GET", "/ui/org"): Row(PEOPLE_KEEPERS, page=True),
    ("GET", "/ui/org/people"): Row(PEOPLE_KEEPERS, page=True),
    ("GET", "/ui/org/people/new"): Row(PEOPLE_KEEPERS, page=True),
    ("POST", "/ui/org/people/new"): Row(PEOPLE_KEEPERS, fixed(data={"username": "x"}), page=True),
    ("GET", "/ui/org/people/{person_id}"): Row(
        OFFICER_KEEPERS, lambda w, _k: {"path": {"person_id": w.ids["officer"]}}, page=True
    ),
    ("POST", "/ui/org/people/{person_id}"): Row(
        OFFICER_KEEPERS,
        lambda w, _k: {"path": {"person_id": w.ids["officer"]}, "data": {"title": "Chuyên viên"}},
        page=True,
    ),
    ("POST", "/ui/org/people/{person_id}/move"): Row(
        ADMIN,
        lambda w, _k: {"path": {"person_id": w.ids["officer"]}, "data": {"unit_id": w.ids["vp"]}},
        page=True,
    ),
    ("POST", "/ui/org/people/{person_id}/deactivate"): Row(
        OFFICER_KEEPERS, lambda w, _k: {"path": {"person_id": w.ids["officer"]}}, page=True
    ),
    ("POST", "/ui/org/people/{person_id}/reactivate"): Row(
        OFFICER_KEEPERS, lambda w, _k: {"path": {"person_id": w.ids["officer"]}}, page=True
    ),
    # plans: agency-wide reading, edited by the coordinator
    ("GET", "/plans"): Row(SignedIn()),
    ("POST", "/plans/import"): Row(
        EDITORS,
        fixed(files={"file": ("thu.txt", PLAN_TEXT.encode(), "text/plain")}, data={"dry_run": "1"}),
    ),
    ("GET", "/plans/{plan_id}"): Row(
        SignedIn(), lambda w, _k: {"path": {"plan_id": w.ids["plan"]}}
    ),
    ("GET", "/plans/{plan_id}/indicators"): Row(
        SignedIn(), lambda w, _k: {"path": {"plan_id": w.ids["plan"]}}
    ),
    ("GET", "/plans/indicators/{indicator_id}/readings"): Row(
        SignedIn(), lambda w, _k: {"path": {"indicator_id": w.ids["indicator"]}}
    ),
    ("POST", "/plans/indicators/{indicator_id}/readings"): Row(
        EDITORS,
        lambda w, _k: {
            "path": {"indicator_id": w.ids["indicator"]},
            "json": {"value": 80, "as_of": "2026-03-01"},
        },
    ),
    # a plan task's lead and supporting units: the coordinator distributes, as the director
    ("PUT", "/plans/tasks/{task_id}/units"): Row(
        DISTRIBUTORS,
        lambda w, _k: {
            "path": {"task_id": w.ids["task"]},
            "json": {"lead_unit_id": w.ids["unit"], "supporting_unit_ids": []},
        },
    ),
    # issuing a plan as work: who distributes its tasks (the preview is as guarded)
    ("POST", "/plans/{plan_id}/issue"): Row(
        DISTRIBUTORS,
        lambda w, _k: {"path": {"plan_id": w.ids["plan"]}, "json": {"dry_run": False}},
    ),
    # work items: the list is scoped in its query (test_list_shows_exactly_the_scope)
    ("GET", "/items"): Row(SignedIn()),
    ("POST", "/items"): Row(
        Manages("CCHC"),
        lambda w, _k: {
            "json": {
                "title": "Việc giao thử",
                "lead_unit_id": w.ids["unit"],
                "assignee_id": w.ids["officer"],
                "due_on": "2026-04-30",
            }
        },
    ),
    ("POST", "/items/bulk-assign"): Row(
        Manages("CCHC"), lambda w, _k: {"json": {"area_id": w.ids["area"], "due_on": "2026-04-30"}}
    ),
    ("GET", "/items/{item_id}"): Row(OnItem()),
    ("POST", "/items/{item_id}/actions/{action}"): Row(
        WORKER, fixed(path={"action": "accept"}, json={})
    ),
    ("POST", "/items/{item_id}/progress"): Row(WORKER, fixed(json={"percent": 30})),
    ("GET", "/items/{item_id}/comments"): Row(OnItem()),
    ("POST", "/items/{item_id}/comments"): Row(OnItem(), fixed(json={"body": "Đề nghị phối hợp"})),
    ("GET", "/items/{item_id}/evidence"): Row(OnItem()),
    ("POST", "/items/{item_id}/evidence"): Row(OWNERS, fixed(data={"note": "Đã gửi dự thảo"})),
    ("GET", "/items/{item_id}/evidence/{evidence_id}/file"): Row(
        OnItem(), lambda w, k: {"path": {"evidence_id": w.sample.evidence[k or ""]}}
    ),
    ("GET", "/items/{item_id}/extensions"): Row(OnItem()),
    ("POST", "/items/{item_id}/extensions"): Row(
        OWNERS, fixed(json={"requested_due_on": "2026-12-31", "reason": "Chờ số liệu"})
    ),
    ("POST", "/items/{item_id}/extensions/{request_id}/decision"): Row(
        DECIDERS,
        lambda w, k: {
            "path": {"request_id": w.sample.extension[k or ""]},
            "json": {"approve": False, "note": "Chưa đủ lý do"},
        },
    ),
    # working-day calendar: everybody reads it, the coordinator keeps it
    ("GET", "/calendar/overrides"): Row(SignedIn()),
    ("POST", "/calendar/overrides"): Row(
        EDITORS, fixed(json={"day": "2026-04-18", "is_working": True, "reason": "Làm bù"})
    ),
    ("DELETE", "/calendar/overrides/{day}"): Row(
        EDITORS, lambda w, _k: {"path": {"day": w.ids["override_day"]}}
    ),
    # periodic reports: agency-wide, not for officers and administrators
    ("GET", "/reports"): Row(REPORT_READERS),
    ("GET", "/reports/{report_id}/{fmt}"): Row(
        REPORT_READERS, lambda w, _k: {"path": {"report_id": w.ids["report"], "fmt": "xlsx"}}
    ),
    # the report pages: the same readers; the coordinator builds an ended period's report
    ("GET", "/ui/reports"): Row(REPORT_READERS, page=True),
    ("GET", "/ui/reports/{report_id}"): Row(
        REPORT_READERS, lambda w, _k: {"path": {"report_id": w.ids["report"]}}, page=True
    ),
    ("GET", "/ui/reports/{report_id}/charts/{name}"): Row(
        REPORT_READERS,
        lambda w, _k: {"path": {"report_id": w.ids["report"], "name": "trend"}},
        page=True,
    ),
    ("POST", "/ui/reports/build"): Row(
        roles(Role.COORDINATOR), fixed(data={"kind": "weekly", "period": "2026-W09"}), page=True
    ),
    # pages
    ("GET", "/"): Row(SignedIn(), page=True),  # the dashboard, of the caller's own scope
    ("GET", "/ui/team"): Row(REPORT_READERS, page=True),  # items of the units one answers for
    # the unit board: any signed-in user (their own unit's items they may see; those who
    # answer for units, those units); a move is the state table's action, as the buttons
    ("GET", "/ui/board"): Row(SignedIn(), page=True),
    ("POST", "/ui/board/items/{item_id}/move"): Row(
        WORKER, fixed(data={"to": "accepted"}), page=True
    ),
    # the plan timeline and the deadline calendar: the items the caller sees
    ("GET", "/ui/plans/{plan_id}/timeline"): Row(
        SignedIn(), lambda w, _k: {"path": {"plan_id": w.ids["plan"]}}, page=True
    ),
    ("GET", "/ui/deadlines"): Row(SignedIn(), page=True),
    # the Director's dashboard: those who answer for units, over their own work scope
    ("GET", "/ui/director"): Row(REPORT_READERS, page=True),
    ("GET", "/login"): Row(Public(), page=True),
    ("POST", "/login"): Row(
        Public(401),
        fixed(**PAGE_FORM, data={"username": "khong.co", "password": "sai", "csrf_token": CSRF}),
        page=True,
    ),
    ("POST", "/logout"): Row(Public(303), page=True),
    ("GET", "/lang/{code}"): Row(Public(303), fixed(path={"code": "en"}), page=True),
    ("GET", "/forgot-password"): Row(Public(200), page=True),
    ("POST", "/forgot-password"): Row(
        Public(303),
        fixed(**PAGE_FORM, data={"login": "khong.co", "csrf_token": CSRF}),
        page=True,
    ),
    ("GET", "/reset-password"): Row(Public(400), page=True),  # no token: the error page
    ("POST", "/reset-password"): Row(
        Public(400),
        fixed(**PAGE_FORM, data={"token": "forged", "password": NEW_PASSWORD, "csrf_token": CSRF}),
        page=True,
    ),
    ("GET", "/my"): Row(SignedIn(), page=True),
    # search, saved views, export and bulk actions (api/pages/lists.py, api/routes/views.py):
    # each reads or acts only within the caller's scope; the bulk service refuses per item
    ("GET", "/ui/search"): Row(SignedIn(), fixed(params={"q": "bao cao"}), page=True),
    ("GET", "/search"): Row(SignedIn(), fixed(params={"q": "bao cao"})),
    ("GET", "/ui/export/{list_name}/{fmt}"): Row(
        SignedIn(), fixed(path={"list_name": "my", "fmt": "csv"}), page=True
    ),
    ("POST", "/ui/views"): Row(
        SignedIn(),
        fixed(**PAGE_FORM, data={"csrf_token": CSRF, "list": "my", "name": "A", "query": ""}),
        page=True,
    ),
    ("POST", "/ui/views/{view_id}/delete"): Row(
        Named(frozenset({"cchc.linh"})),
        lambda w, _k: {
            **PAGE_FORM,
            "path": {"view_id": w.ids["view"]},
            "data": {"csrf_token": CSRF},
        },
        page=True,
    ),
    ("GET", "/me/views"): Row(SignedIn()),
    ("POST", "/me/views"): Row(SignedIn(), fixed(json={"list": "my", "name": "A", "query": ""})),
    ("DELETE", "/me/views/{view_id}"): Row(
        Named(frozenset({"cchc.linh"})), lambda w, _k: {"path": {"view_id": w.ids["view"]}}
    ),
    ("POST", "/items/bulk"): Row(
        SignedIn(), fixed(json={"action": "cancel", "item_ids": [1], "reason": "Trùng"})
    ),
    ("POST", "/ui/items/bulk"): Row(
        SignedIn(),
        fixed(
            **PAGE_FORM, data={"csrf_token": CSRF, "action": "cancel", "ids": "1", "reason": "x"}
        ),
        page=True,
    ),
    # everybody's own notification settings (the same services as /me/notifications)
    ("GET", "/ui/settings/notifications"): Row(SignedIn(), page=True),
    ("POST", "/ui/settings/notifications"): Row(
        SignedIn(), fixed(data={"mode": "immediate", "kinds": LISTED_KINDS}), page=True
    ),
    ("GET", "/ui/plans"): Row(SignedIn(), page=True),
    ("GET", "/ui/plans/{plan_id}"): Row(
        SignedIn(), lambda w, _k: {"path": {"plan_id": w.ids["plan"]}}, page=True
    ),
    # an indicator's page: everybody reads it; its reading form as the API's readings
    ("GET", "/ui/indicators/{indicator_id}"): Row(
        SignedIn(), lambda w, _k: {"path": {"indicator_id": w.ids["indicator"]}}, page=True
    ),
    ("POST", "/ui/indicators/{indicator_id}/readings"): Row(
        EDITORS,
        lambda w, _k: {
            "path": {"indicator_id": w.ids["indicator"]},
            "data": {"as_of": "2026-03-01", "value": "80", "note": "Số liệu thử"},
        },
        page=True,
    ),
    ("GET", "/ui/items/{item_id}"): Row(OnItem(), page=True),
    ("POST", "/ui/items/{item_id}/actions/{action}"): Row(
        WORKER, fixed(path={"action": "accept"}), page=True
    ),
    # the "Giao việc" form of a plan task led by CCHC: whoever may assign to CCHC
    ("GET", "/ui/tasks/{task_id}/assign"): Row(
        Manages("CCHC"), lambda w, _k: {"path": {"task_id": w.ids["task"]}}, page=True
    ),
    ("POST", "/ui/tasks/{task_id}/assign"): Row(
        Manages("CCHC"),
        lambda w, _k: {
            **PAGE_FORM,
            "path": {"task_id": w.ids["task"]},
            "data": {
                "csrf_token": CSRF,
                "title": "Rà soát văn bản",
                "lead_unit_id": str(w.ids["unit"]),
                "assignee_id": str(w.ids["officer"]),
                "start_on": "2026-03-02",
                "due_on": "2026-04-30",
            },
        },
        page=True,
    ),
    # the "Phân công" form of a plan task: who distributes tasks to units (as the API)
    ("GET", "/ui/tasks/{task_id}/units"): Row(
        DISTRIBUTORS, lambda w, _k: {"path": {"task_id": w.ids["task"]}}, page=True
    ),
    ("POST", "/ui/tasks/{task_id}/units"): Row(
        DISTRIBUTORS,
        lambda w, _k: {
            **PAGE_FORM,
            "path": {"task_id": w.ids["task"]},
            "data": {"csrf_token": CSRF, "lead_unit_id": str(w.ids["unit"])},
        },
        page=True,
    ),
    # the "Nhập kế hoạch" page: as `POST /plans/import` (a preview; nothing is written)
    ("GET", "/ui/plan-import"): Row(EDITORS, page=True),
    ("POST", "/ui/plan-import"): Row(
        EDITORS,
        fixed(
            **PAGE_FORM,
            files={"file": ("thu.txt", PLAN_TEXT.encode(), "text/plain")},
            data={"csrf_token": CSRF},
        ),
        page=True,
    ),
    # the "Ban hành" page of a plan: as its API
    ("GET", "/ui/plans/{plan_id}/issue"): Row(
        DISTRIBUTORS, lambda w, _k: {"path": {"plan_id": w.ids["plan"]}}, page=True
    ),
    ("POST", "/ui/plans/{plan_id}/issue"): Row(
        DISTRIBUTORS,
        lambda w, _k: {
            **PAGE_FORM,
            "path": {"plan_id": w.ids["plan"]},
            "data": {"csrf_token": CSRF},
        },
        page=True,
    ),
    ("POST", "/ui/items/{item_id}/evidence"): Row(
        OWNERS, fixed(data={"note": "Đã gửi dự thảo"}), page=True
    ),
    ("GET", "/ui/items/{item_id}/evidence/{evidence_id}/file"): Row(
        OnItem(), lambda w, k: {"path": {"evidence_id": w.sample.evidence[k or ""]}}, page=True
    ),
    ("POST", "/ui/items/{item_id}/extensions"): Row(
        OWNERS, fixed(data={"requested_due_on": "2026-12-31", "reason": "Chờ số liệu"}), page=True
    ),
    ("POST", "/ui/items/{item_id}/extensions/{request_id}/decision"): Row(
        DECIDERS,
        lambda w, k: {
            "path": {"request_id": w.sample.extension[k or ""]},
            "data": {"decision": "refuse", "note": "Chưa đủ lý do"},
        },
        page=True,
    ),
    ("POST", "/ui/items/{item_id}/progress"): Row(
        WORKER, fixed(data={"progress": "30"}), page=True
    ),
    ("POST", "/ui/items/{item_id}/comments"): Row(
        OnItem(), fixed(data={"body": "Đề nghị phối hợp"}), page=True
    ),
    # what the date fields ask while a date is typed (the picker's days off, the due line)
    ("GET", "/ui/dates/days-off"): Row(SignedIn(), fixed(params={"year": 2026}), page=True),
    ("GET", "/ui/dates/check"): Row(SignedIn(), fixed(params={"day": "31/05/2026"}), page=True),
    # the working calendar page: everybody reads it, the coordinator keeps it (as the API)
    ("GET", "/ui/calendar"): Row(SignedIn(), page=True),
    ("POST", "/ui/calendar/overrides"): Row(
        EDITORS,
        fixed(data={"day": "2026-04-18", "kind": "working", "reason": "Làm bù"}),
        page=True,
    ),
    ("POST", "/ui/calendar/overrides/remove"): Row(
        EDITORS, lambda w, _k: {"data": {"day": w.ids["override_day"]}}, page=True
    ),
    # the names plans use for units: the coordinator (who imports plans) keeps them
    ("GET", "/ui/units"): Row(EDITORS, page=True),
    ("POST", "/ui/units/aliases"): Row(
        EDITORS, fixed(data={"name": "Phòng Tư pháp", "target": "VP"}), page=True
    ),
    ("POST", "/ui/units/aliases/remove"): Row(EDITORS, fixed(data={"name": "VP Sở"}), page=True),
    ("POST", "/ui/units/groups"): Row(
        EDITORS, fixed(data={"code": "THU", "name": "Nhóm thử", "units": ["VP"]}), page=True
    ),
    ("POST", "/ui/units/groups/remove"): Row(EDITORS, fixed(data={"code": "KHOI_VP"}), page=True),
    # people coming and going: a head's list to reassign, absences with a delegate; an
    # absence is the person's, their unit head's and the administrators' to end
    ("GET", "/me/to-reassign"): Row(SignedIn()),
    ("GET", "/absences"): Row(SignedIn()),
    ("POST", "/absences"): Row(
        SignedIn(),
        lambda w, _k: {
            "json": {
                "delegate_id": w.ids["officer"],
                "starts_on": "2026-04-06",
                "ends_on": "2026-04-07",
            }
        },
    ),
    ("DELETE", "/absences/{absence_id}"): Row(
        ABSENCE_KEEPERS, lambda w, _k: {"path": {"absence_id": w.ids["absence"]}}
    ),
    ("GET", "/ui/absences"): Row(SignedIn(), page=True),
    ("POST", "/ui/absences"): Row(
        SignedIn(),
        lambda w, _k: {
            "data": {
                "delegate_id": w.ids["officer"],
                "starts_on": "06/04/2026",
                "ends_on": "07/04/2026",
            }
        },
        page=True,
    ),
    ("POST", "/ui/absences/{absence_id}/cancel"): Row(
        ABSENCE_KEEPERS, lambda w, _k: {"path": {"absence_id": w.ids["absence"]}}, page=True
    ),
    # the staff list import: it creates, moves and deactivates accounts
    ("GET", "/ui/org/import"): Row(ADMIN, page=True),
    ("POST", "/ui/org/import"): Row(ADMIN, page=True),
    ("POST", "/ui/org/import/confirm"): Row(
        ADMIN, fixed(data={"payload": "", "filename": "ds.csv"}), page=True
    ),
    # the outbox console: everybody's mail and the mail server's state
    ("GET", "/ui/outbox"): Row(ADMIN, page=True),
    ("POST", "/ui/outbox/retry"): Row(ADMIN, fixed(data={"all_failed": "true"}), page=True),
    ("POST", "/ui/outbox/suppressions/remove"): Row(
        ADMIN, fixed(data={"email": "nobody@example.vn"}), page=True
    ),
    # the dev mailbox holds everybody's mail, password reset links included
    ("GET", "/dev/mailbox"): Row(ADMIN, page=True),
    ("GET", "/dev/mailbox/{key}"): Row(
        ADMIN, lambda w, _k: {"path": {"key": w.ids["mail"]}}, page=True
    ),
    ("GET", "/dev/mailbox/{key}/cid/{cid}"): Row(
        ADMIN, lambda w, _k: {"path": {"key": w.ids["mail"], "cid": "chart"}}, page=True
    ),
    # a simulated reply acts as the mail's recipient would (reply by mail, embedded mode)
    ("GET", "/dev/mailbox/{key}/reply"): Row(
        ADMIN, lambda w, _k: {"path": {"key": w.ids["mail"]}}, page=True
    ),
    ("POST", "/dev/mailbox/{key}/reply"): Row(
        ADMIN, lambda w, _k: {"path": {"key": w.ids["mail"]}, "data": {"text": "Ý kiến"}}, page=True
    ),
    # unsubscribe links: the signed token is the credential (a forged one here)
    ("GET", "/unsubscribe/{token}"): Row(Public(400), fixed(path={"token": "forged"}), page=True),
    ("POST", "/unsubscribe/{token}"): Row(Public(400), fixed(path={"token": "forged"}), page=True),
}


# --- the world the probes run in ---------------------------------------------------------------


@dataclass
class World:
    app: FastAPI
    client: TestClient
    conn: Connection
    sample: Sample
    roles: dict[str, str]  # username → role
    headers: dict[str, dict[str, str]]  # username → bearer header
    ids: dict[str, Any] = field(default_factory=dict)  # what the probes address


def seed_plan(session: Session, *, unit_id: int) -> dict[str, int]:
    """A plan with one area, one indicator and one task led by `unit_id`."""
    plan = Plan(key="thu-phan-quyen", title="Kế hoạch thử phân quyền", imported_at=NOW)
    session.add(plan)
    session.flush()
    area = Area(plan_id=plan.id or 0, number=1, title="Cải cách thể chế")
    session.add(area)
    session.flush()
    indicator = Indicator(area_id=area.id or 0, key="ty-le", name="Tỷ lệ văn bản được rà soát")
    task = PlanTask(
        plan_id=plan.id or 0,
        area_id=area.id or 0,
        key="ra-soat",
        position=1,
        text="Rà soát văn bản quy phạm pháp luật",
        lead_unit_id=unit_id,
    )
    session.add_all([indicator, task])
    session.flush()
    return {
        "plan": plan.id or 0,
        "area": area.id or 0,
        "indicator": indicator.id or 0,
        "task": task.id or 0,
    }


def seed_mail(root: Path) -> str:
    """One message with an inline image (cid:chart) in the dev mailbox; returns its key."""
    message = EmailMessage()
    message["Subject"] = "Thư thử phân quyền"
    message["From"] = "planflow@sonoivu.example.vn"
    message["To"] = "cchc.linh@sonoivu.example.vn"
    message["Reply-To"] = "planflow+notatoken@sonoivu.example.vn"
    message["Date"] = format_datetime(NOW)
    message.set_content("Nội dung thư")
    message.add_alternative('<p><img src="cid:chart"></p>', subtype="html")
    html = message.get_payload()[1]  # type: ignore[index]
    html.add_related(b"\x89PNG\r\n\x1a\n", maintype="image", subtype="png", cid="<chart>")
    root.parent.mkdir(parents=True, exist_ok=True)
    return str(mailbox.Maildir(root, create=True).add(message.as_bytes()))


@pytest.fixture(scope="module")
def world(pg_engine: Engine, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    from api.app import create_app
    from workflow.reporting.build import build_report
    from workflow.services.org import load_org
    from workflow.settings import get_settings

    var_dir = tmp_path_factory.mktemp("authz-var")
    with pytest.MonkeyPatch.context() as env, pg_engine.connect() as conn:
        env.setenv("PLANFLOW_VAR_DIR", str(var_dir))
        env.setenv("PLANFLOW_MAIL_BACKEND", "maildir")
        env.setenv("PLANFLOW_MAIL_REPLY_MODE", "subaddress")
        # Every caller tries a wrong password on both sign-in routes: no rate limit here.
        env.setenv("PLANFLOW_LOGIN_RATE_PER_IP", "10000/minute")
        env.setenv("PLANFLOW_LOGIN_RATE_PER_ACCOUNT", "10000/minute")
        # Nobody here has a password, so every check runs against the dummy hash; a cheap
        # one saves 0.2 s per check (three per caller) and changes no answer.
        env.setattr(api.auth, "_DUMMY_HASH", Argon2Hasher(time_cost=1, memory_cost=1024).hash("x"))
        get_settings.cache_clear()
        trans = conn.begin()
        seed = Session(bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False)
        with seed:
            load_org(session=seed, text=SAMPLE_ORG.read_text(encoding="utf-8"))
            sample = seed_sample(seed, now=NOW, var_dir=var_dir)
            cchc = unit_coded(seed, "CCHC").id or 0
            ids: dict[str, Any] = seed_plan(seed, unit_id=cchc)
            ids["report"] = build_report(
                session=seed, now=NOW, kind="quarterly", period="2025Q4"
            ).id
            seed.add(
                CalendarOverride(
                    day=date(2026, 9, 5), is_working=True, reason="Làm bù", created_at=NOW
                )
            )
            ids |= {
                "override_day": "2026-09-05",
                "unit": cchc,
                "officer": user_named(seed, "cchc.linh").id,
                "user": user_named(seed, "tt.binh").id,
                "vp": unit_coded(seed, "VP").id,
                "mail": seed_mail(var_dir / "mail"),
            }
            user_named(seed, "cchc.linh").ical_token = ICAL_TOKEN
            absence = Absence(
                user_id=ids["officer"],
                delegate_id=user_named(seed, "cchc.nam").id or 0,
                starts_on=date(2026, 3, 10),
                ends_on=date(2026, 3, 12),
                created_at=NOW,
            )
            seed.add(absence)
            view = SavedView(
                user_id=ids["officer"],
                list_name="my",
                name="Quá hạn",
                query="flag=overdue",
                created_at=NOW,
            )
            seed.add(view)
            seed.flush()
            ids["absence"] = absence.id
            ids["view"] = view.id
            users = {u.username: u for u in seed.exec(select(User)).all()}
            settings = get_settings()
            headers = {
                name: {
                    "Authorization": "Bearer "
                    + issue_token(users[name], kind=TokenKind.ACCESS, now=NOW, settings=settings)
                }
                for name in [*VISIBILITY, INACTIVE]
            }
            users[INACTIVE].is_active = False
            seed.commit()  # releases the seed's savepoint; the module's transaction goes on
        app = create_app()
        app.state.session_factory = lambda: Session(
            bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        app.dependency_overrides[get_now] = lambda: NOW
        try:
            with TestClient(app) as client:
                yield World(
                    app=app,
                    client=client,
                    conn=conn,
                    sample=sample,
                    roles={name: user.role for name, user in users.items()},
                    headers=headers,
                    ids=ids,
                )
        finally:
            trans.rollback()
            get_settings.cache_clear()


def call(
    world: World, method: str, path: str, key: str | None, row: Row, headers: dict[str, str]
) -> httpx.Response:
    """One probe of `row`, in a savepoint rolled back afterwards (its writes vanish)."""
    args = dict(row.probe(world, key))
    params = dict(args.pop("path", {}))
    if key is not None:
        params["item_id"] = world.sample.by_key()[key].id
    url = path.format(**params)
    headers = {**headers, **args.pop("headers", {})}
    savepoint = world.conn.begin_nested()
    try:
        return world.client.request(method, url, headers=headers, follow_redirects=False, **args)
    finally:
        savepoint.rollback()
        world.client.cookies.clear()


def expected(row: Row, world: World, username: str | None, key: str | None) -> int:
    """The answer `username` (None: nobody signed in) should get from `row` (on item `key`)."""
    access = row.access
    if isinstance(access, Public):
        return access.status
    if username is None or username == INACTIVE:
        return LOGIN if row.page else 401
    if isinstance(access, SignedIn):
        return OK
    if isinstance(access, Roles):
        return OK if world.roles[username] in access.roles else 403
    if isinstance(access, Manages):
        return OK if username in MANAGES[access.code] else 403
    if isinstance(access, Named):
        return OK if username in access.usernames else 403
    assert key is not None
    if key not in VISIBILITY[username]:
        return 404
    held = RELATIONS.get(username, {}).get(key, set())
    return OK if access.relations is None or held & access.relations else 403


def mismatch(row: Row, expect: int, r: httpx.Response, *, hidden: str | None) -> str | None:
    """Why `r` is not the `expect`ed answer (None when it is)."""
    status = r.status_code
    if expect == OK:
        good = status < 500 and status not in (401, 403, 404)
    elif expect == LOGIN:
        good = status == 303 and r.headers.get("location", "").startswith("/login")
    else:
        good = status == expect
    if not good:
        wanted = {OK: "allowed", LOGIN: "redirect to /login"}.get(expect, str(expect))
        return f"{status} (expected {wanted}) {r.text[:160]!r}"
    if status in (401, 403, 404) and not row.page:
        if r.headers.get("content-type") != "application/problem+json":
            return f"{status} is not problem+json"
        if hidden is not None and hidden in r.text.replace('"title":"', ""):
            return "the 404 names the hidden item"
    return None


# --- the tests ---------------------------------------------------------------------------------


def served_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app answers, included routers resolved (HEAD comes with GET)."""
    return {
        (method, str(route.path))
        for route in iter_route_contexts(app.routes)
        for method in route.methods or ()
        if method != "HEAD"
    }


def test_every_route_has_a_row(world: World) -> None:
    served = served_routes(world.app)
    documented = {
        (method.upper(), path)
        for path, operations in world.app.openapi()["paths"].items()
        for method in operations
    }
    # The walk sees at least what the OpenAPI document lists (a walk that silently found
    # nothing would make the next line vacuous), and the pages besides.
    assert documented <= served and ("GET", "/my") in served
    assert served - set(MATRIX) == set(), "routes without a row in MATRIX"
    assert set(MATRIX) - served == set(), "rows for routes the app no longer serves"


def test_a_new_route_shows_up_in_the_walk() -> None:
    """Included routers are walked with their prefix, so a new route cannot hide from MATRIX."""
    from api.app import create_app

    app = create_app()
    extra = APIRouter(prefix="/extra")
    extra.add_api_route("/{thing_id}", lambda thing_id: {}, methods=["PATCH"])
    app.include_router(extra)
    assert served_routes(app) - set(MATRIX) == {("PATCH", "/extra/{thing_id}")}


CALLERS = [*sorted(VISIBILITY), INACTIVE, None]


@pytest.mark.parametrize("username", CALLERS, ids=[u or "anonymous" for u in CALLERS])
def test_routes_answer_as_the_matrix_says(username: str | None, world: World) -> None:
    """One caller against every row (on every sample item for item rows)."""
    headers = world.headers[username] if username else {}
    wrong: list[str] = []
    for (method, path), row in sorted(MATRIX.items()):
        keys = sorted(world.sample.by_key()) if isinstance(row.access, OnItem) else [None]
        for key in keys:
            r = call(world, method, path, key, row, headers)
            expect = expected(row, world, username, key)
            hidden = world.sample.by_key()[key].title if key and expect == 404 else None
            if why := mismatch(row, expect, r, hidden=hidden):
                wrong.append(f"{method} {path}{f' on {key}' if key else ''}: {why}")
    assert not wrong, f"{username or 'anonymous'}:\n" + "\n".join(wrong)


def test_the_callers_exercise_every_rule(world: World) -> None:
    """Every role is among the callers; every restricted row admits one and refuses another."""
    assert {world.roles[u] for u in VISIBILITY} == {r.value for r in Role}
    for (method, path), row in MATRIX.items():
        if isinstance(row.access, Public | SignedIn):
            continue
        keys = sorted(world.sample.by_key()) if isinstance(row.access, OnItem) else [None]
        answers = {expected(row, world, u, k) for u in VISIBILITY for k in keys}
        assert OK in answers and answers - {OK}, (method, path, answers)


@pytest.mark.parametrize("username", sorted(VISIBILITY))
def test_list_shows_exactly_the_scope(username: str, world: World) -> None:
    r = world.client.get("/items", params={"page_size": 200}, headers=world.headers[username])
    assert r.status_code == 200
    ids = {i["id"] for i in r.json()["items"]}
    expected_ids = {
        item.id for key, item in world.sample.by_key().items() if key in VISIBILITY[username]
    }
    assert ids == expected_ids
