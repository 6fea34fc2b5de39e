"""Grouped mail (decision 0021): one mail per person per bulk action, one morning mail per
person per sweep run, every rung still recorded once, "one mail per event" on request."""

from __future__ import annotations

import email
from datetime import datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from bench.plan_issue import plan_text
from notifications.delivery import deliver_outbox
from notifications.models import Notification
from notifications.preferences import apply_unsubscribe, preferences_of, set_preferences
from notifications.senders.maildir import MaildirSender
from tasks import jobs
from tests.integration.notifications.conftest import make_settings
from workflow.calendar import load_calendar, local_date
from workflow.importer import parse_document, upsert_plan
from workflow.models import Plan, Unit, User, WorkItem
from workflow.services.org import unit_head
from workflow.services.plan_issue import issue_plan
from workflow.services.work_items import ItemSpec, create_item

pytestmark = pytest.mark.integration

SETTINGS = make_settings()


def _names(root: Path) -> set[str]:
    """The mails in the Maildir so far, by file name."""
    return {p.name for p in (root / "new").iterdir()} if (root / "new").exists() else set()


def _mails(root: Path, *, after: set[str] | None = None) -> list[email.message.Message]:
    """The Maildir's mails, without those named in `after` (file names are unique, not
    ordered: a slice by count could pick earlier mails)."""
    if not (root / "new").exists():
        return []
    seen = after or set()
    return [
        email.message_from_bytes(p.read_bytes())
        for p in sorted((root / "new").iterdir())
        if p.name not in seen
    ]


def _subject(msg: email.message.Message) -> str:
    return str(make_header(decode_header(msg["Subject"])))


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def test_issuing_a_200_task_plan_mails_each_recipient_once(
    org: Session, now: datetime, tmp_path: Path
) -> None:
    units = [
        u.code
        for u in org.exec(select(Unit).order_by(col(Unit.id)))
        if unit_head(session=org, unit_id=u.id or 0) is not None
    ]
    units = [code for code in units if code != "BGD"] or units
    text = plan_text(200, year=2027, units=units)
    tree = parse_document(text.encode(), source="plan.md")
    key = upsert_plan(session=org, tree=tree, now=now, source="plan.md").plan_key
    plan = org.exec(select(Plan).where(Plan.key == key)).one()
    result = issue_plan(session=org, plan_id=plan.id or 0, actor=_user(org, "vp.cchc"), now=now)
    assert len(result.created_item_ids) >= 150
    box = tmp_path / "mail"
    deliver_outbox(session=org, now=now, sender=MaildirSender(box), settings=SETTINGS)
    mails = _mails(box)
    per_recipient: dict[str, int] = {}
    for msg in mails:
        per_recipient[msg["To"]] = per_recipient.get(msg["To"], 0) + 1
    assert mails and max(per_recipient.values()) == 1, per_recipient
    # Every item's mail is in the outbox, folded into its recipient's one mail.
    assigned = org.exec(select(Notification).where(Notification.kind == "assigned")).all()
    assert len(assigned) == len(result.created_item_ids)
    events = org.exec(select(Notification).where(col(Notification.dedup_key).like("event:%")))
    assert {r.status for r in events} == {"grouped"}
    grouped = org.exec(select(Notification).where(Notification.kind == "grouped")).all()
    assert all(g.status == "sent" for g in grouped)
    # A head's mail lists the first 20 items (title, lead unit, due) and links the rest.
    biggest = max(grouped, key=lambda g: g.context["total"])
    assert biggest.context["total"] > 20 and len(biggest.context["entries"]) == 20
    msg = next(m for m in mails if m["X-Planflow-Notification"] == str(biggest.id))
    assert "In-Reply-To" not in msg  # a list of items starts its own conversation
    body = _text(msg)
    assert "Nhiệm vụ số" in body and "Đơn vị chủ trì" in body and "Hạn:" in body
    assert f"{biggest.context['total'] - 20} việc khác" in body and "/my" in body
    assert _subject(msg).startswith(f"[Thông báo] {biggest.context['total']} việc")
    # A rerun sends nothing more: the rows are grouped, the grouped mails sent.
    again = deliver_outbox(session=org, now=now, sender=MaildirSender(box), settings=SETTINGS)
    assert again.sent == 0 and len(_mails(box)) == len(mails)


def _seven_due_items(session: Session, now: datetime) -> tuple[User, list[WorkItem]]:
    officer, head = _user(session, "cchc.linh"), _user(session, "cchc.truong")
    calendar = load_calendar(session=session)
    today = local_date(now, tz=SETTINGS.timezone)
    offsets = [-3, -1, 0, 0, 1, 3, 5]  # two overdue, two due today, three reminders
    items = []
    for n, offset in enumerate(offsets):
        due = (
            calendar.add_working_days(today, offset)
            if offset >= 0
            else calendar.subtract_working_days(today, -offset)
        )
        spec = ItemSpec(
            title=f"Việc buổi sáng số {n + 1}",
            lead_unit_id=officer.unit_id or 0,
            assignee_id=officer.id or 0,
            start_on=due - timedelta(days=30),
            due_on=due,
        )
        # Assigned a week ago (each on its own, mailed then), so only the sweep mails today.
        items.append(
            create_item(session=session, now=now - timedelta(days=7), spec=spec, assigner=head)
        )
    return officer, items


def test_a_morning_run_sends_one_mail_listing_all_seven_items(
    org: Session, now: datetime, tmp_path: Path
) -> None:
    officer, items = _seven_due_items(org, now)
    box = tmp_path / "mail"
    deliver_outbox(session=org, now=now - timedelta(days=7), sender=MaildirSender(box))
    before = _names(box)
    sweep = jobs.sweep_due(session=org, now=now)
    assert sweep.reminders == 7
    # The run's notices wait for its other batches (distributed mode), then go as one.
    deliver_outbox(session=org, now=now, sender=MaildirSender(box), settings=SETTINGS)
    assert not [m for m in _mails(box, after=before) if officer.email in m["To"]]
    later = now + timedelta(seconds=SETTINGS.mail_group_settle_seconds + 1)
    deliver_outbox(session=org, now=later, sender=MaildirSender(box), settings=SETTINGS)
    to_officer = [m for m in _mails(box, after=before) if officer.email in m["To"]]
    assert len(to_officer) == 1
    msg = to_officer[0]
    assert msg["X-Planflow-Kind"] == "grouped"
    text = _text(msg)
    for item in items:
        assert item.title in text and f"/ui/items/{item.id}" in text
    # Grouped by urgency: overdue first, then due today, then the reminders.
    assert text.index("== Quá hạn") < text.index("== Đến hạn hôm nay") < text.index("== Sắp")
    assert _subject(msg).startswith("[Việc cần làm] 7 việc: 2 quá hạn, 2 đến hạn hôm nay")
    # Each item's rung is recorded once, as before: seven rows, one per item, folded.
    rows = org.exec(
        select(Notification).where(
            col(Notification.work_item_id).in_([i.id for i in items]),
            col(Notification.kind).in_(["reminder", "due_today", "overdue"]),
        )
    ).all()
    assert len(rows) == 7 and {r.status for r in rows} == {"grouped"}
    assert len({r.work_item_id for r in rows}) == 7
    # The head's escalations of the two overdue items: one mail too, none held back.
    head = _user(org, "cchc.truong")
    to_head = [m for m in _mails(box, after=before) if head.email in m["To"]]
    assert len(to_head) == 1 and "== Quá hạn trong đơn vị bạn phụ trách" in _text(to_head[0])
    assert to_head[0]["List-Unsubscribe"] is None  # escalations cannot be switched off
    # The one-click unsubscribe of that mail stops the kinds it folds in.
    token = msg["List-Unsubscribe"].strip("<>").rsplit("/", 1)[1]
    apply_unsubscribe(session=org, settings=SETTINGS, token=token, now=later)
    assert set(preferences_of(session=org, user_id=officer.id or 0).opted_out_kinds) == {
        "overdue",
        "due_today",
        "reminder",
    }


def _text(msg: email.message.Message) -> str:
    return next(
        str(p.get_payload(decode=True).decode())
        for p in msg.walk()
        if p.get_content_type() == "text/plain"
    )


def test_one_mail_per_event_when_the_settings_say_so(
    org: Session, now: datetime, tmp_path: Path
) -> None:
    officer, _items = _seven_due_items(org, now)
    set_preferences(session=org, user_id=officer.id or 0, grouped=False)
    box = tmp_path / "mail"
    deliver_outbox(session=org, now=now - timedelta(days=7), sender=MaildirSender(box))
    before = _names(box)
    jobs.sweep_due(session=org, now=now)
    deliver_outbox(session=org, now=now, sender=MaildirSender(box), settings=SETTINGS)
    to_officer = [m for m in _mails(box, after=before) if officer.email in m["To"]]
    # One mail per item, at once, each in its item's conversation.
    assert len(to_officer) == 7
    assert {m["X-Planflow-Kind"] for m in to_officer} == {"overdue", "due_today", "reminder"}
    assert len({m["In-Reply-To"] for m in to_officer}) == 7


def test_the_morning_mail_keeps_quiet_hours_and_the_recipients_language(
    org: Session, now: datetime, tmp_path: Path
) -> None:
    officer, _items = _seven_due_items(org, now)
    box = tmp_path / "mail"
    deliver_outbox(session=org, now=now - timedelta(days=7), sender=MaildirSender(box))
    before = _names(box)
    # It is 9:00 in Hanoi: quiet until noon, and mail in English.
    set_preferences(session=org, user_id=officer.id or 0, quiet_start_hour=8, quiet_end_hour=12)
    officer.language = "en"
    org.add(officer)
    org.flush()
    jobs.sweep_due(session=org, now=now)
    deliver_outbox(
        session=org, now=now + timedelta(minutes=5), sender=MaildirSender(box), settings=SETTINGS
    )
    assert not [m for m in _mails(box, after=before) if officer.email in m["To"]]
    noon = now + timedelta(hours=3, minutes=1)
    deliver_outbox(session=org, now=noon, sender=MaildirSender(box), settings=SETTINGS)
    to_officer = [m for m in _mails(box, after=before) if officer.email in m["To"]]
    assert len(to_officer) == 1 and to_officer[0]["X-Planflow-Kind"] == "grouped"
    text = _text(to_officer[0])
    assert text.startswith("Dear ") and "== Overdue (2) ==" in text
    assert _subject(to_officer[0]).startswith("[To do] 7 items: 2 overdue")


def test_a_group_that_cannot_be_folded_goes_out_mail_by_mail(
    org: Session, now: datetime, tmp_path: Path
) -> None:
    officer, _items = _seven_due_items(org, now)
    box = tmp_path / "mail"
    deliver_outbox(session=org, now=now - timedelta(days=7), sender=MaildirSender(box))
    before = _names(box)
    jobs.sweep_due(session=org, now=now)
    rows = org.exec(
        select(Notification).where(
            Notification.status == "grouping", Notification.recipient_user_id == officer.id
        )
    ).all()
    assert len(rows) == 7
    rows[0].context = {**rows[0].context, "working_days_left": "many"}  # a stored bug
    org.add(rows[0])
    org.flush()
    later = now + timedelta(minutes=5)
    result = deliver_outbox(session=org, now=later, sender=MaildirSender(box), settings=SETTINGS)
    to_officer = [m for m in _mails(box, after=before) if officer.email in m["To"]]
    # The six good rows go out one by one; the bad one fails alone, visibly.
    assert len(to_officer) == 6 and result.failed == 1
    org.expire_all()
    assert org.get(Notification, rows[0].id).status == "failed"  # type: ignore[union-attr]
