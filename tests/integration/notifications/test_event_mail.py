"""Relayed event mail through deliver_outbox to a real aiosmtpd: subject, body, link."""

from __future__ import annotations

import random
from datetime import date, datetime
from email.header import decode_header, make_header
from email.message import Message

from sqlmodel import Session

from notifications.delivery import deliver_outbox
from notifications.senders.smtp import SmtpSender
from tests.integration.notifications.conftest import BASE_URL
from tests.smtp_sink import SmtpSink
from workflow.models.org import User
from workflow.services.work_items import ItemSpec, act, assign
from workflow.settings import Settings

TITLE = "Rà soát thủ tục hành chính <lĩnh vực> đất đai & nội vụ"


def _subject(msg: Message) -> str:
    return str(make_header(decode_header(str(msg["Subject"]))))


def _parts(msg: Message) -> dict[str, str]:
    return {
        part.get_content_type(): part.get_payload(decode=True).decode(  # type: ignore[union-attr]
            part.get_content_charset() or "ascii"
        )
        for part in msg.walk()
        if part.get_content_maintype() == "text"
    }


def test_assignment_and_chase_arrive_with_title_and_link(
    session: Session,
    users: dict[str, User],
    sink: SmtpSink,
    smtp_settings: Settings,
    now: datetime,
) -> None:
    linh, head = users["cchc.linh"], users["cchc.truong"]
    spec = ItemSpec(
        title=TITLE,
        lead_unit_id=linh.unit_id,
        assignee_id=linh.id or 0,
        start_on=date(2026, 3, 2),
        due_on=date(2026, 3, 20),
    )
    item = assign(session=session, now=now, actor=head, spec=spec)
    act(session=session, now=now, actor=users["gd.minh"], item_id=item.id or 0,
        action="chase", comment="Đề nghị hoàn thành trước ngày 20/3")  # fmt: skip
    result = deliver_outbox(
        session=session,
        now=now,
        sender=SmtpSender(smtp_settings),
        settings=smtp_settings,
        rng=random.Random(1),
    )
    assert (result.relayed, result.sent, result.failed) == (2, 2, 0)
    assert sink.to(head.email) == []
    received = [r.message() for r in sink.to(linh.email)]
    # One conversation: the same subject and root; what happened opens each body.
    assert {_subject(m) for m in received} == {f"{TITLE} (#{item.id})"}
    assert len({m["In-Reply-To"] for m in received}) == 1
    mails = {_parts(m)["text/plain"].split("\n", 1)[0]: _parts(m) for m in received}
    assert set(mails) == {
        f"[Giao việc] {TITLE} – hạn 20/03/2026",
        f"[Đôn đốc] {TITLE} – hạn 20/03/2026",
    }
    link = f"{BASE_URL}/ui/items/{item.id}"
    chase = mails[f"[Đôn đốc] {TITLE} – hạn 20/03/2026"]
    assert TITLE in chase["text/plain"] and link in chase["text/plain"]
    assert "Trần Văn Minh đôn đốc" in chase["text/plain"]
    assert "Đề nghị hoàn thành trước ngày 20/3" in chase["text/plain"]
    assert f'href="{link}"' in chase["text/html"]
    assert "&lt;lĩnh vực&gt; đất đai &amp; nội vụ" in chase["text/html"]
    # The scheduler's next run finds nothing new to relay or send.
    again = deliver_outbox(
        session=session, now=now, sender=SmtpSender(smtp_settings), settings=smtp_settings
    )
    assert (again.relayed, again.sent) == (0, 0) and len(sink.received) == 2


def test_unit_heads_get_their_mail_in_their_own_language(
    session: Session,
    users: dict[str, User],
    sink: SmtpSink,
    smtp_settings: Settings,
    now: datetime,
) -> None:
    linh, support, inform = users["cchc.linh"], users["tcbc.truong"], users["vp.truong"]
    support.language = "en"
    session.add(support)
    spec = ItemSpec(
        title=TITLE,
        lead_unit_id=linh.unit_id,
        assignee_id=linh.id or 0,
        start_on=date(2026, 3, 2),
        due_on=date(2026, 3, 20),
        supporting_unit_ids=(support.unit_id,),
        inform_unit_ids=(inform.unit_id,),
    )
    item = assign(session=session, now=now, actor=users["cchc.truong"], spec=spec)
    result = deliver_outbox(
        session=session, now=now, sender=SmtpSender(smtp_settings), settings=smtp_settings
    )
    assert (result.relayed, result.sent, result.failed) == (3, 3, 0)
    link = f"{BASE_URL}/ui/items/{item.id}"
    [en] = [r.message() for r in sink.to(support.email)]
    assert _subject(en) == f"{TITLE} (#{item.id})"
    text, html = _parts(en)["text/plain"], _parts(en)["text/html"]
    assert text.startswith(f"[Support] {TITLE} – due 20 Mar 2026\n\nDear {support.full_name},")
    # Units as the English pages name them (deploy/sample/org.yaml's name_en).
    assert (
        "Mai Văn Phúc assigned the following task with Organisation and Staffing Division" in text
    )
    assert "Lead unit: Administrative Reform Division" in text
    assert "Phòng" not in text.split("Dear", 1)[1].split("https://", 1)[0]
    assert "Assignee: Đinh Thị Linh" in text and "Due: 20 Mar 2026" in text
    assert link in text and f'href="{link}"' in html and 'lang="en"' in html
    assert "Stop receiving this kind of notification" in text
    assert en["List-Unsubscribe"] and en["List-Unsubscribe-Post"]
    [vi] = [r.message() for r in sink.to(inform.email)]
    assert _subject(vi) == f"{TITLE} (#{item.id})"
    assert _parts(vi)["text/plain"].startswith(f"[Để biết] {TITLE} – hạn 20/03/2026")
    assert "Văn phòng nhận để biết" in _parts(vi)["text/plain"]
