"""An API client bound to the test's rolled-back PostgreSQL transaction, and sample items.

Every request gets its own session on the test's connection (savepoint mode), so the
request-level commit is real but disappears with the test.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlmodel import Session, col, select

from api.auth import TokenKind, issue_token, set_password
from api.deps import CSRF_COOKIE, get_now
from notifications.models import Notification
from workflow.models import Evidence, ExtensionRequest, Unit, User, WorkItem, WorkItemUnit
from workflow.settings import get_settings


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private var directory (evidence files) for the test's app."""
    monkeypatch.setenv("PLANFLOW_VAR_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


@pytest.fixture
def app(org: Session, now: datetime, var_dir: Path) -> Iterator[FastAPI]:
    from api.app import create_app

    application = create_app()
    conn = org.connection()
    application.state.session_factory = lambda: Session(
        bind=conn, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    application.dependency_overrides[get_now] = lambda: now
    yield application


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def user_named(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


PAGE_PASSWORD = "mat-khau-giao-dien-1"


def signed_in(client: TestClient, org: Session, username: str) -> str:
    """Sign `username` in through the sign-in form (cookie session); return the CSRF token
    for the pages' forms."""
    set_password(session=org, user=user_named(org, username), password=PAGE_PASSWORD)
    org.flush()
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token
    r = client.post(
        "/login",
        data={"username": username, "password": PAGE_PASSWORD, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    # Signing in renews the CSRF token: the forms now carry the new cookie's value.
    renewed = client.cookies.get(CSRF_COOKIE)
    assert renewed and renewed != token.group(1)
    return renewed


def reset_links(session: Session, username: str) -> list[str]:
    """The password reset links queued in the outbox for `username`, oldest first."""
    user = user_named(session, username)
    rows = session.exec(
        select(Notification)
        .where(Notification.kind == "password_reset", Notification.recipient_user_id == user.id)
        .order_by(col(Notification.id))
    ).all()
    return [str(row.context["reset_url"]) for row in rows]


def unit_coded(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


@pytest.fixture
def auth_for(org: Session, now: datetime) -> Callable[[str], dict[str, str]]:
    """Bearer headers for a sample user (token minted directly: no password hashing)."""

    def _headers(username: str) -> dict[str, str]:
        user = user_named(org, username)
        token = issue_token(user, kind=TokenKind.ACCESS, now=now, settings=get_settings())
        return {"Authorization": f"Bearer {token}"}

    return _headers


def make_item(
    session: Session,
    *,
    now: datetime,
    lead: str,
    assignee: str,
    assigner: str,
    title: str = "Việc mẫu",
    due_in_days: int = 20,
    state: str = "assigned",
    support: tuple[str, ...] = (),
    inform: tuple[str, ...] = (),
) -> WorkItem:
    due = now + timedelta(days=due_in_days)
    item = WorkItem(
        title=title,
        state=state,
        lead_unit_id=unit_coded(session, lead).id,
        assignee_id=user_named(session, assignee).id,
        assigner_id=user_named(session, assigner).id,
        start_on=date(2026, 3, 2),
        due_at=due,
        original_due_at=due,
        created_at=now,
        updated_at=now,
    )
    session.add(item)
    session.flush()
    for codes, role in ((support, "support"), (inform, "inform")):
        for code in codes:
            session.add(
                WorkItemUnit(work_item_id=item.id, unit_id=unit_coded(session, code).id, role=role)
            )
    session.flush()
    return item


@dataclass
class Sample:
    """Three items in different corners of the organisation."""

    cchc: WorkItem  # led by CCHC, assigned to cchc.linh
    tcbc_with_cchc: WorkItem  # led by TCBC, CCHC supports
    xdcq: WorkItem  # led by XDCQ, nobody else involved
    vp_informs: WorkItem  # led by VTLT, VP informed

    evidence: dict[str, int] = field(default_factory=dict)  # key → evidence id with a file
    extension: dict[str, int] = field(default_factory=dict)  # key → pending request id

    def by_key(self) -> dict[str, WorkItem]:
        return {
            "cchc": self.cchc,
            "tcbc_with_cchc": self.tcbc_with_cchc,
            "xdcq": self.xdcq,
            "vp_informs": self.vp_informs,
        }


@pytest.fixture
def sample(org: Session, now: datetime, var_dir: Path) -> Sample:
    return seed_sample(org, now=now, var_dir=var_dir)


def seed_sample(org: Session, *, now: datetime, var_dir: Path) -> Sample:
    """The four sample items, each with a stored evidence file and a pending extension request."""
    result = Sample(
        cchc=make_item(
            org, now=now, lead="CCHC", assignee="cchc.linh", assigner="cchc.truong", title="A"
        ),
        tcbc_with_cchc=make_item(
            org,
            now=now,
            lead="TCBC",
            assignee="tcbc.hoa",
            assigner="tcbc.truong",
            support=("CCHC",),
            title="B",
        ),
        xdcq=make_item(
            org, now=now, lead="XDCQ", assignee="xdcq.mai", assigner="xdcq.truong", title="C"
        ),
        vp_informs=make_item(
            org,
            now=now,
            lead="VTLT",
            assignee="vtlt.ha",
            assigner="vtlt.truong",
            inform=("VP",),
            title="D",
        ),
    )
    for key, item in result.by_key().items():
        stored = var_dir / "evidence" / str(item.id) / f"{key}.txt"
        stored.parent.mkdir(parents=True, exist_ok=True)
        stored.write_text(f"minh chứng {key}", encoding="utf-8")
        evidence = Evidence(
            work_item_id=item.id or 0,
            uploaded_by_id=item.assignee_id,
            filename=f"{key}.txt",
            content_type="text/plain",
            size_bytes=stored.stat().st_size,
            storage_path=str(stored.relative_to(var_dir)),
            created_at=now,
        )
        request = ExtensionRequest(
            work_item_id=item.id or 0,
            requested_by_id=item.assignee_id,
            requested_due_at=item.due_at + timedelta(days=10),
            previous_due_at=item.due_at,
            reason="Chờ ý kiến các sở",
            created_at=now,
        )
        org.add(evidence)
        org.add(request)
        org.flush()
        result.evidence[key] = evidence.id or 0
        result.extension[key] = request.id or 0
    return result


# Who sees what (docs/decisions/0010-api-authorisation.md): username → keys of the Sample
# items visible to them.
VISIBILITY: dict[str, set[str]] = {
    "gd.minh": {"cchc", "tcbc_with_cchc", "xdcq", "vp_informs"},  # director
    "vp.cchc": {"cchc", "tcbc_with_cchc", "xdcq", "vp_informs"},  # coordinator
    "pgd.dong": {"cchc", "tcbc_with_cchc", "vp_informs"},  # oversees CCHC, CCVC, VTLT
    "pgd.lan": {"tcbc_with_cchc", "xdcq"},  # oversees TCBC, XDCQ, BTG
    "cchc.truong": {"cchc", "tcbc_with_cchc"},  # unit head: led or supported by CCHC
    "cchc.linh": {"cchc", "tcbc_with_cchc"},  # officer: own + unit supports
    "cchc.nam": {"tcbc_with_cchc"},  # officer of CCHC, not the assignee
    "tcbc.hoa": {"tcbc_with_cchc"},
    "xdcq.mai": {"xdcq"},
    "vp.an": {"vp_informs"},  # officer: unit informed
    "vp.admin": {"vp_informs"},  # admin holds no item rights beyond an officer's
    "tt.binh": set(),
}

# How each user stands to the Sample items they see (workflow.states.ActorRelation values);
# users and items not listed stand in no relation (they may only read and comment).
RELATIONS: dict[str, dict[str, set[str]]] = {
    "gd.minh": {key: {"director"} for key in ("cchc", "tcbc_with_cchc", "xdcq", "vp_informs")},
    "vp.cchc": {key: {"coordinator"} for key in ("cchc", "tcbc_with_cchc", "xdcq", "vp_informs")},
    "pgd.dong": {"cchc": {"deputy_in_charge"}, "vp_informs": {"deputy_in_charge"}},
    "pgd.lan": {"tcbc_with_cchc": {"deputy_in_charge"}, "xdcq": {"deputy_in_charge"}},
    "cchc.truong": {"cchc": {"lead_unit_head", "assigner"}},
    "cchc.linh": {"cchc": {"assignee"}},
    "tcbc.hoa": {"tcbc_with_cchc": {"assignee"}},
    "xdcq.mai": {"xdcq": {"assignee"}},
}

# Who may assign work to a unit (its head, its deputy in charge, the director, the coordinator).
MANAGES: dict[str, set[str]] = {"CCHC": {"gd.minh", "vp.cchc", "pgd.dong", "cchc.truong"}}
