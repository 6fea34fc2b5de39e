"""Every link of every kind of mail, opened in Chromium as the recipient would.

Mail of every kind is queued on the live server's database for the people of the
Inspectorate (Thanh tra, which no other browser test uses), the heads of the units that
support or are told of the item, and the Director and deputies (the periodic report); the
password reset is asked for through the page. `planflow mail deliver` writes them to the
dev mailbox (var/mail). Each link is then opened twice:

- signed out: an item, "my items", the report or the settings page goes to the sign-in
  page, which returns the recipient to it; an unsubscribe or reset link needs no sign-in;
- signed in as the recipient: straight on the page.

Either way the answer is an HTML page showing the item's title, the report's period, the
settings, or the opt-out it offers.
"""

from __future__ import annotations

import mailbox
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from sqlmodel import Session, col, select

from notifications import contexts as c
from notifications.models import Notification
from notifications.outbox import enqueue
from notifications.reports import send_report
from tests.e2e.conftest import live_cli
from tests.mail_links import links_in
from workflow.db import make_engine
from workflow.models import Unit, User, WorkItem
from workflow.models.work import WorkItemUnit
from workflow.reporting.build import build_report
from workflow.settings import get_settings

TITLE = "Thanh tra việc chấp hành kỷ luật hành chính năm 2026"
PASSWORD = "planflow-dev"
ITEM_KINDS = {
    # kind: (recipient, extra context fields)
    "assigned": ("tt.binh", {"assigner_name": "Bùi Văn Chánh", "note": "Làm sớm"}),
    "reminder": ("tt.binh", {"working_days_left": 2}),
    "due_today": ("tt.binh", {}),
    "overdue": ("tt.binh", {"working_days_late": 1}),
    "rework": ("tt.binh", {"reviewer_name": "Bùi Văn Chánh", "reason": "Bổ sung số liệu"}),
    "item_update": ("tt.binh", {"change": "approved", "actor_name": "Bùi Văn Chánh"}),
    "chase": ("tt.binh", {"actor_name": "Phạm Văn Hùng", "comment": "Đề nghị khẩn trương"}),
    "reassigned": (
        "tt.binh",
        {"actor_name": "Bùi Văn Chánh", "new_assignee_name": "Ngô Thị Bình"},
    ),
    "comment": ("tt.binh", {"author_name": "Bùi Văn Chánh", "body": "Đã xem bản nháp"}),
    "returned": ("tt.chanh", {"actor_name": "Ngô Thị Bình", "reason": "Không đúng chức năng"}),
    "awaiting_review": ("tt.chanh", {"actor_name": "Ngô Thị Bình"}),
    "support_assigned": (
        "tcbc.truong",
        {"unit_name": "Phòng Tổ chức biên chế", "assigner_name": "Bùi Văn Chánh"},
    ),
    "support_closed": (
        "tcbc.truong",
        {"unit_name": "Phòng Tổ chức biên chế", "outcome": "done", "actor_name": "Bùi Văn Chánh"},
    ),
    "informed": (
        "xdcq.truong",
        {"unit_name": "Phòng Xây dựng chính quyền", "assigner_name": "Bùi Văn Chánh"},
    ),
}


@dataclass
class Generated:
    """What was queued: the item, the report run, and each mail's recipient by its id."""

    item_id: int
    report_id: int
    report_label: str
    reset_user_id: int
    recipients: dict[int, str] = field(default_factory=dict)  # notification id → username
    kinds: dict[int, str] = field(default_factory=dict)  # notification id → kind


def _queue_every_kind(db: Path) -> Generated:
    """One mail of every kind about one Inspectorate item, and the last week's report."""
    engine = make_engine(f"sqlite:///{db}")
    now = datetime.now(UTC)
    settings = get_settings()
    with Session(engine) as s:
        users = {u.username: u for u in s.exec(select(User))}
        units = {u.code: u for u in s.exec(select(Unit))}
        due = now + timedelta(days=3)
        item = WorkItem(
            title=TITLE,
            lead_unit_id=units["TTRA"].id,
            assignee_id=users["tt.binh"].id,
            assigner_id=users["tt.chanh"].id,
            start_on=date.today(),
            due_at=due,
            original_due_at=due,
            created_at=now,
            updated_at=now,
        )
        s.add(item)
        s.flush()
        assert item.id is not None
        s.add(WorkItemUnit(work_item_id=item.id, unit_id=units["TCBC"].id, role="support"))
        s.add(WorkItemUnit(work_item_id=item.id, unit_id=units["XDCQ"].id, role="inform"))
        ref = c.ItemRef(
            id=item.id,
            title=TITLE,
            due_at=due,
            unit_name="Thanh tra",
            assignee_name="Ngô Thị Bình",
        )
        queued: list[tuple[str, str, Any]] = [
            (kind, who, {"item": ref, **extra}) for kind, (who, extra) in ITEM_KINDS.items()
        ]
        queued += [
            (
                "extension_requested",
                "tt.chanh",
                {
                    "item": ref,
                    "requester_name": "Ngô Thị Bình",
                    "requested_due_at": due + timedelta(days=7),
                    "reason": "Chờ số liệu",
                },
            ),
            (
                "extension_decided",
                "tt.binh",
                {
                    "item": ref,
                    "approved": True,
                    "decided_by_name": "Bùi Văn Chánh",
                    "requested_due_at": due,
                },
            ),
            (
                "escalation",
                "pgd.hung",
                {
                    "level": 2,
                    "unit_names": ["Thanh tra"],
                    "items": [c.EscalationItem(**ref.model_dump(), working_days_late=2)],
                },
            ),
            (
                "grouped",
                "tt.binh",
                {
                    "occasion": "morning",
                    "entries": [
                        c.GroupedEntry(**ref.model_dump(), kind=c.Kind.OVERDUE, days=1),
                        c.GroupedEntry(**ref.model_dump(), kind=c.Kind.REMINDER, days=2),
                    ],
                    "total": 30,
                    "counts": {"overdue": 10, "reminder": 20},
                    "kinds": [c.Kind.OVERDUE, c.Kind.REMINDER],
                },
            ),
            (
                "mail_alarm",
                "vp.admin",
                {
                    "since": datetime.now(UTC),
                    "error": "554 5.7.1 Relay access denied",
                    "pending": 12,
                    "oldest_pending_at": datetime.now(UTC),
                },
            ),
            (
                "reply_refused",
                "tt.binh",
                {"item": ref, "asked": "Đã nhận", "reasons": ["not_allowed_now"]},
            ),
            (
                "to_reassign",
                "tt.chanh",
                {"person_name": "Ngô Thị Bình", "reason": "moved", "items": [ref]},
            ),
            (
                "digest",
                "tt.binh",
                {
                    "day": date.today(),
                    "entries": [
                        c.DigestEntry(kind=c.Kind.REMINDER, subject=TITLE, item_id=item.id)
                    ],
                },
            ),
        ]
        reset_user = users["tt.binh"].id or 0
        generated = Generated(
            item_id=item.id, report_id=0, report_label="", reset_user_id=reset_user
        )
        for kind, who, fields in queued:
            user = users[who]
            row = enqueue(
                session=s,
                kind=kind,
                recipient=user,
                context={"recipient_name": user.full_name, **fields},
                dedup_key=f"e2e-mail-links:{kind}:{who}",
                now=now,
                work_item_id=item.id,
                settings=settings,
            )
            generated.recipients[row.id or 0] = who
            generated.kinds[row.id or 0] = kind
        # Last week's report, to the Director and each deputy for the units they oversee.
        year, week, _ = (now - timedelta(days=7)).isocalendar()
        run = build_report(session=s, now=now, kind="weekly", period=f"{year}-W{week:02d}")
        send_report(session=s, now=now, run=run, settings=settings)
        s.flush()
        generated.report_id, generated.report_label = run.id or 0, run.label
        s.commit()
    engine.dispose()
    return generated


def _mails(var: Path) -> list[EmailMessage]:
    box = mailbox.Maildir(var / "mail", create=False)
    found = []
    for key in box.iterkeys():
        msg = message_from_bytes(box.get_bytes(key), policy=policy.default)
        assert isinstance(msg, EmailMessage)
        found.append(msg)
    return found


def _delivered(var: Path, gen: Generated) -> dict[str, list[tuple[str, EmailMessage]]]:
    """This test's mails in the dev mailbox by kind, each with its recipient's username:
    the rows queued above, the report run's and the reset asked for tt.binh."""
    engine = make_engine(f"sqlite:///{var / 'pf.db'}")
    with Session(engine) as s:
        names = {u.id: u.username for u in s.exec(select(User))}
        rows = s.exec(
            select(Notification).where(
                col(Notification.id).in_(list(gen.recipients))
                | col(Notification.dedup_key).startswith(f"report:{gen.report_id}:")
                | (
                    (col(Notification.kind) == "password_reset")
                    & (col(Notification.recipient_user_id) == gen.reset_user_id)
                )
            )
        ).all()
        ours = {r.id: names[r.recipient_user_id] for r in rows if r.recipient_user_id}
    engine.dispose()
    by_kind: dict[str, list[tuple[str, EmailMessage]]] = {}
    for msg in _mails(var):
        row_id = int(str(msg["X-Planflow-Notification"]))
        if row_id in ours:
            by_kind.setdefault(str(msg["X-Planflow-Kind"]), []).append((ours[row_id], msg))
    return by_kind


def _parts(msg: EmailMessage) -> tuple[str, str]:
    html = msg.get_body(("html",))
    text = msg.get_body(("plain",))
    assert html is not None and text is not None
    return str(html.get_content()), str(text.get_content())  # type: ignore[attr-defined]


def _local(url: str, server: str) -> str:
    """The link with the live server's origin (the mails name the configured base URL)."""
    parts = urlsplit(url)
    return server + parts.path + (f"?{parts.query}" if parts.query else "")


def _sign_in_here(page: Any, username: str) -> None:
    """Fill the sign-in page the browser was sent to."""
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-submit")


def _check_page(page: Any, url: str, gen: Generated, *, signed_in: bool) -> None:
    """The page `url` opened on: HTML, and what it is about."""
    assert page.evaluate("document.contentType") == "text/html", url
    path = urlsplit(url).path
    if path.startswith("/ui/items/"):
        assert page.locator("#item-title").inner_text() == TITLE
    elif path == "/my":
        assert page.locator("#nav-my").count() == 1 and "/my" in page.url
    elif path.startswith("/ui/reports/"):
        assert gen.report_label in page.locator("#report-title").inner_text()
    elif path == "/ui/settings/notifications":
        assert page.locator("#settings-form").count() == 1
    elif path.startswith("/unsubscribe/"):
        if signed_in:  # the recipient's settings, the opt-out offered on top
            assert "/ui/settings/notifications?unsubscribe=" in page.url
            assert page.locator("#settings-unsubscribe").count() == 1
        else:
            assert page.locator("#unsubscribe-ask").count() == 1
    elif path == "/reset-password":
        assert page.locator("input[type=password]").count() == 2
    elif path == "/ui/team":  # the head's "to reassign" list lives on the unit page
        assert "/ui/team" in page.url and page.locator("#nav-team").count() == 1
    elif path == "/ui/outbox":  # the mail alarm's console, for the administrator
        assert page.locator("#outbox-title").count() == 1
    else:
        raise AssertionError(f"a mail links to an unexpected page: {url}")
    if signed_in:
        assert page.locator("#whoami").count() == 1 or path == "/reset-password"


# Links that work without signing in: the signed token or reset link is the credential.
TOKEN_PAGES = ("/unsubscribe/", "/reset-password")


def test_every_link_of_every_mail_opens_its_page(
    live_server: str, live_dir: Path, browser: Any
) -> None:
    gen = _queue_every_kind(live_dir / "pf.db")
    # The password reset is asked for on the page, as a person who forgot it would.
    page = browser.new_page()
    page.goto(f"{live_server}/forgot-password")
    page.fill("#login", "tt.binh")
    page.click("#forgot-submit")
    page.wait_for_url("**/forgot-password?sent=1")
    page.close()
    live_cli(live_dir, "mail", "deliver")

    by_kind = _delivered(live_dir, gen)
    assert set(by_kind) == {k.value for k in c.Kind}, sorted(set(c.Kind) - set(by_kind))

    # Each distinct (recipient, link) once: the footers repeat the same pages.
    visits: dict[tuple[str, str], str] = {}
    for kind, mails in sorted(by_kind.items()):
        for who, msg in mails:
            links = links_in(*_parts(msg))
            assert links, f"{kind} has no link"
            for url in links:
                assert urlsplit(url).path.startswith(("/ui/", "/my", *TOKEN_PAGES)), (kind, url)
                visits.setdefault((who, _local(url, live_server)), kind)
    paths = {urlsplit(u).path for _, u in visits}
    assert f"/ui/items/{gen.item_id}" in paths and f"/ui/reports/{gen.report_id}" in paths
    assert {"/my", "/ui/settings/notifications", "/reset-password"} <= paths

    contexts: dict[str, Any] = {}
    try:
        for (who, url), kind in sorted(visits.items()):
            # Signed out: through the sign-in page, back to the link.
            ctx = browser.new_context()
            page = ctx.new_page()
            page.goto(url)
            if not urlsplit(url).path.startswith(TOKEN_PAGES):
                assert "/login?next=" in page.url, (kind, url, page.url)
                _sign_in_here(page, who)
                page.wait_for_url(url)
            _check_page(page, url, gen, signed_in=False)
            ctx.close()
            # Signed in as the recipient: straight on the page.
            if who not in contexts:
                contexts[who] = browser.new_context()
                first = contexts[who].new_page()
                first.goto(f"{live_server}/login")
                _sign_in_here(first, who)
                first.wait_for_url(lambda u: "/login" not in u)
                first.close()
            page = contexts[who].new_page()
            page.goto(url)
            if not urlsplit(url).path.startswith("/unsubscribe/"):
                assert page.url == url, (kind, url, page.url)
            _check_page(page, url, gen, signed_in=True)
            page.close()
    finally:
        for ctx in contexts.values():
            ctx.close()


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/"])
def test_sign_in_never_leaves_the_site(live_server: str, browser: Any, target: str) -> None:
    page = browser.new_page()
    page.goto(f"{live_server}/login?next={target}")
    _sign_in_here(page, "tt.binh")
    page.wait_for_url(lambda u: "/login" not in u)
    assert page.url == f"{live_server}/my"
    assert re.match(r"^http://127\.0\.0\.1:\d+/my$", page.url)
    page.close()
