"""Reply by mail end to end (docs/decisions/0032-reply-by-mail.md): an item's mail goes out
through the real SMTP path (aiosmtpd), replies to it are APPENDed to a real Dovecot IMAP
server on loopback, and the job runs as `planflow jobs run receive_replies --now T` in a
subprocess against a committed PostgreSQL schema; then the item, its history, the
evidence and the outbox say what each reply did, and what the refused ones did not."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from notifications.delivery import deliver_outbox
from notifications.models import Notification
from notifications.senders.smtp import SmtpSender
from tasks.celery_app import make_celery
from tests.conftest import ROOT, SAMPLE_ORG, fresh_schema, schema_url
from tests.imap_server import ImapServer, dovecot
from tests.integration.notifications.conftest import make_settings
from tests.smtp_sink import SmtpSink
from tests.workers_support import (
    cluster_env,
    mails_by_key,
    schema_name,
    settings_of,
    start_worker,
    wait_until,
)
from workflow.clock import utc_now
from workflow.models import (
    Comment,
    Evidence,
    MailReply,
    StoredFile,
    User,
    WorkItem,
    WorkItemEvent,
)
from workflow.reply_mail import read_reply_token
from workflow.services.org import load_org
from workflow.services.work_items import ItemSpec, act, assign
from workflow.settings import Settings
from workflow.states import Action

pytestmark = pytest.mark.integration

SECRET = "test-secret-key-0123456789abcdef"
MAIL_FROM = "planflow@sonoivu.example.vn"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)  # Monday 09:00 in Hanoi
PDF = b"%PDF-1.4\n% bao cao ket qua\n" + b"0" * 2000
LIMIT = 200_000


@pytest.fixture
def schema(worker_id: str) -> Iterator[tuple[str, Engine]]:
    name = schema_name(worker_id, "replies")
    engine = fresh_schema(name)
    yield name, engine
    engine.dispose()


@pytest.fixture
def imap() -> Iterator[ImapServer]:
    with dovecot() as server:
        yield server


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _settings(sink: SmtpSink, var_dir: Path) -> Settings:
    return make_settings(
        smtp_host=sink.host,
        smtp_port=sink.port,
        secret_key=SECRET,
        mail_from=MAIL_FROM,
        mail_reply_mode="subaddress",
        var_dir=var_dir,
        evidence_max_bytes=LIMIT,
    )


def _env(name: str, imap: ImapServer, var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(
        {
            "PLANFLOW_MODE": "distributed",
            "PLANFLOW_DATABASE_URL": schema_url(name),
            "PLANFLOW_SECRET_KEY": SECRET,
            "PLANFLOW_MAIL_FROM": MAIL_FROM,
            "PLANFLOW_MAIL_REPLY_MODE": "subaddress",
            "PLANFLOW_IMAP_HOST": imap.host,
            "PLANFLOW_IMAP_PORT": str(imap.port),
            "PLANFLOW_IMAP_SECURITY": "none",
            "PLANFLOW_IMAP_USERNAME": "planflow",
            "PLANFLOW_IMAP_PASSWORD": imap.password,
            "PLANFLOW_VAR_DIR": str(var_dir),
            "PLANFLOW_EVIDENCE_MAX_BYTES": str(LIMIT),
            "PLANFLOW_REPORT_KINDS_ENABLED": "[]",
        }
    )
    return env


def run_job(env: dict[str, str], at: datetime) -> dict[str, int]:
    """`planflow jobs run receive_replies --now AT` in a subprocess; its printed counts."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "api.cli",
            "jobs",
            "run",
            "receive_replies",
            "--now",
            at.isoformat(),
        ],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(x for x in done.stdout.splitlines() if x.startswith("receive_replies:"))
    return {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", line)}


def append(imap: ImapServer, *messages: bytes) -> None:
    with MailBoxUnencrypted(imap.host, imap.port).login("planflow", imap.password) as box:
        for raw in messages:
            box.append(raw, "INBOX", flag_set=())


def text_of(mail: Message) -> str:
    parsed = message_from_bytes(mail.as_bytes(), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    body = parsed.get_body(preferencelist=("plain",))
    assert body is not None
    return str(body.get_content())


def reply(
    original: Message,
    *,
    body: str,
    message_id: str,
    sender: str = "cchc.linh@sonoivu.example.vn",
    to: str | None = None,
    files: tuple[tuple[str, bytes], ...] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """A reply as a phone's mail app writes it: Re: subject, threading headers, the
    original quoted under a Vietnamese "Vào … đã viết:" line."""
    msg = EmailMessage()
    subject = str(make_header(decode_header(original["Subject"])))
    msg["From"] = sender
    msg["To"] = to or original["Reply-To"]
    msg["Subject"] = f"Re: {subject}"
    msg["Message-ID"] = message_id
    msg["In-Reply-To"] = original["Message-ID"]
    msg["References"] = f"{original['References']} {original['Message-ID']}"
    for key, value in (headers or {}).items():
        msg[key] = value
    quoted = "\n".join(f"> {line}" for line in text_of(original).splitlines())
    msg.set_content(
        f"{body}\n\nVào Th 2, 2 thg 3, 2026 lúc 09:00 Hệ thống giao việc Sở Nội vụ <{MAIL_FROM}>"
        f" đã viết:\n{quoted}\n"
    )
    for filename, data in files:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=filename)
    return msg.as_bytes()


def mail_about(sink: SmtpSink, item_id: int, to: str, kind: str) -> Message:
    found = [
        m.message()
        for m in sink.received
        if m.rcpt_tos == [to]
        and m.message()["X-Planflow-Kind"] == kind
        and f"(#{item_id})" in str(make_header(decode_header(m.message()["Subject"])))
    ]
    assert len(found) == 1, [m.message()["Subject"] for m in sink.received]
    return found[0]


def test_replies_report_progress_attach_evidence_act_and_refuse_what_they_may_not(
    schema: tuple[str, Engine], imap: ImapServer, tmp_path: Path
) -> None:
    name, engine = schema
    var_dir = tmp_path / "var"
    linh_addr = "cchc.linh@sonoivu.example.vn"
    with SmtpSink() as sink:
        settings = _settings(sink, var_dir)
        with Session(engine, expire_on_commit=False) as s:
            load_org(session=s, text=SAMPLE_ORG.read_text(encoding="utf-8"))
            head, linh = _user(s, "cchc.truong"), _user(s, "cchc.linh")

            def spec(title: str) -> ItemSpec:
                return ItemSpec(
                    title=title,
                    lead_unit_id=linh.unit_id or 0,
                    assignee_id=linh.id or 0,
                    start_on=date(2026, 3, 2),
                    due_on=date(2026, 3, 20),
                )

            item = assign(session=s, now=NOW, actor=head, spec=spec("Rà soát thủ tục hành chính"))
            # A second later: one action each, so two mails (not one grouped mail).
            later = NOW + timedelta(seconds=1)
            closed = assign(session=s, now=later, actor=head, spec=spec("Báo cáo đã hủy"))
            s.commit()
            # The real SMTP path: the outbox relays the assignment and sends it.
            deliver_outbox(session=s, now=later, sender=SmtpSender(settings), settings=settings)
            act(
                session=s,
                now=NOW + timedelta(minutes=1),
                actor=head,
                item_id=closed.id or 0,
                action=Action.CANCEL,
                comment="Không còn cần",
            )
            s.commit()
        item_id, closed_id = item.id or 0, closed.id or 0
        assigned = mail_about(sink, item_id, linh_addr, "assigned")
        # The mail tells the reader what a reply can do, and carries their token.
        assert "Trả lời thư này để gửi ý kiến" in text_of(assigned)
        token = re.fullmatch(r"planflow\+([a-z2-7]{36})@sonoivu\.example\.vn", assigned["Reply-To"])
        assert token is not None
        claim = read_reply_token(token[1], secret=SECRET)
        assert claim is not None and (claim.item_id, claim.user_id) == (item_id, linh.id)
        gone = mail_about(sink, closed_id, linh_addr, "assigned")
        env = _env(name, imap, var_dir)

        # 1. "Đã nhận": the officer accepts the work from the mail.
        accept = reply(assigned, body="Đã nhận\nEm sẽ làm ngay.", message_id="<r1@phone>")
        append(imap, accept)
        assert run_job(env, NOW + timedelta(hours=1)) == {
            "read": 1, "applied": 1, "refused": 0, "dropped": 0, "duplicates": 0, "failed": 0,
        }  # fmt: skip
        with Session(engine) as s:
            assert s.get(WorkItem, item_id).state == "accepted"  # type: ignore[union-attr]
            event = s.exec(
                select(WorkItemEvent).where(
                    WorkItemEvent.work_item_id == item_id, WorkItemEvent.action == "accept"
                )
            ).one()
            assert event.changes["mail"] == "<r1@phone>" and event.comment == "Em sẽ làm ngay."

        # 2. Progress with a PDF, a comment, and everything that must change nothing.
        forged = token[1][:10] + ("a" if token[1][10] != "a" else "b") + token[1][11:]
        big = b"%PDF-1.4\n" + b"0" * (LIMIT + 1)
        append(
            imap,
            reply(
                assigned,
                body="Tiến độ 60%\nĐã xong dự thảo, gửi kèm bản PDF.\n\nTrân trọng,\nLinh",
                message_id="<r2@phone>",
                files=(("du-thao.pdf", PDF),),
            ),
            reply(
                assigned,
                body="Hoàn thành",
                message_id="<r3@x>",
                sender="tcbc.hoa@sonoivu.example.vn",
            ),
            reply(
                assigned,
                body="Hoàn thành",
                message_id="<r4@x>",
                to=f"planflow+{forged}@sonoivu.example.vn",
            ),
            reply(
                assigned,
                body="Tôi đang nghỉ phép đến 10/3.",
                message_id="<r5@auto>",
                headers={"Auto-Submitted": "auto-replied"},
            ),
            reply(assigned, body="Đã nhận", message_id="<r6@phone>"),
            reply(
                assigned,
                body="Gửi anh bản scan",
                message_id="<r7@phone>",
                files=(("scan.pdf", big),),
            ),
            reply(gone, body="Tiến độ 10%", message_id="<r8@phone>"),
            reply(assigned, body="Anh xem giúp em mục 3 của dự thảo.", message_id="<r9@phone>"),
        )
        assert run_job(env, NOW + timedelta(hours=2)) == {
            "read": 8, "applied": 2, "refused": 2, "dropped": 4, "duplicates": 0, "failed": 0,
        }  # fmt: skip
        with Session(engine) as s:
            current = s.get(WorkItem, item_id)
            assert current is not None
            assert (current.state, current.progress_pct) == ("in_progress", 60)
            evidence = s.exec(select(Evidence).where(Evidence.work_item_id == item_id)).all()
            assert [(e.filename, e.content_type, e.size_bytes) for e in evidence] == [
                ("du-thao.pdf", "application/pdf", len(PDF))
            ]
            # In the file store with its row (decision 0028); the refused ones left nothing.
            stored = s.exec(select(StoredFile.key, StoredFile.data)).all()
            assert stored == [(evidence[0].storage_path, PDF)]
            assert not (var_dir / "evidence").exists()
            comments = s.exec(
                select(Comment.body)
                .where(Comment.work_item_id == item_id)
                .order_by(col(Comment.id))
            ).all()
            # Refused commands keep their words; no quoted history, no signature.
            assert comments == ["Đã nhận", "Gửi anh bản scan", "Anh xem giúp em mục 3 của dự thảo."]
            rows = {r.message_id: r for r in s.exec(select(MailReply))}
            assert {k: (r.outcome, r.reason) for k, r in rows.items() if k != "<r1@phone>"} == {
                "<r2@phone>": ("applied", None),
                "<r3@x>": ("dropped", "wrong_sender"),
                "<r4@x>": ("dropped", "bad_token"),
                "<r5@auto>": ("dropped", "automatic"),
                "<r6@phone>": ("refused", "not_allowed_now"),
                "<r7@phone>": ("refused", "evidence_too_large"),
                "<r8@phone>": ("dropped", "item_closed"),
                "<r9@phone>": ("applied", None),
            }
            closed_item = s.get(WorkItem, closed_id)
            assert closed_item is not None and closed_item.progress_pct == 0
            progress = s.exec(
                select(WorkItemEvent).where(
                    WorkItemEvent.work_item_id == item_id, WorkItemEvent.action == "progress"
                )
            ).one()
            assert progress.comment == "Đã xong dự thảo, gửi kèm bản PDF."
            assert progress.changes["mail"] == "<r2@phone>"

        # 3. "Đã xong" submits (the evidence is there); the first reply delivered again
        # changes nothing.
        append(
            imap,
            reply(assigned, body="Đã xong", message_id="<r10@phone>"),
            accept,
        )
        assert run_job(env, NOW + timedelta(hours=3)) == {
            "read": 2, "applied": 1, "refused": 0, "dropped": 0, "duplicates": 1, "failed": 0,
        }  # fmt: skip
        assert run_job(env, NOW + timedelta(hours=4))["read"] == 0
        with Session(engine) as s:
            assert s.get(WorkItem, item_id).state == "awaiting_review"  # type: ignore[union-attr]
            accepted = s.exec(
                select(WorkItemEvent).where(
                    WorkItemEvent.work_item_id == item_id, WorkItemEvent.action == "accept"
                )
            ).all()
            assert len(accepted) == 1

            # The comments go to the others like any comment; the refused replies get one
            # short answer each, in the item's conversation; nothing answers the dropped.
            sent_before = sink.count
            deliver_outbox(
                session=s,
                now=NOW + timedelta(hours=5),
                sender=SmtpSender(settings),
                settings=settings,
            )
            new = [m.message() for m in sink.received[sent_before:]]
            to_linh = [m for m in new if m["To"].endswith(f"<{linh_addr}>")]
            # (besides the cancellation of the other item, mailed as ever)
            assert (
                sorted(m["X-Planflow-Kind"] for m in to_linh)
                == ["item_update"] + ["reply_refused"] * 2
            )
            to_linh = [m for m in to_linh if m["X-Planflow-Kind"] == "reply_refused"]
            assert all(m["In-Reply-To"] == assigned["In-Reply-To"] for m in to_linh)
            why = "\n".join(text_of(m) for m in to_linh)
            assert "anh/chị không thực hiện được thao tác này" in why
            assert "vượt quá dung lượng cho phép" in why
            assert why.count("Nội dung thư đã được ghi thành ý kiến trên nhiệm vụ.") == 2
            to_head = [m for m in new if "cchc.truong@" in m["To"]]
            head_text = "\n".join(text_of(m) for m in to_head)
            assert "Anh xem giúp em mục 3 của dự thảo." in head_text
            assert "Vào Th 2" not in head_text
            assert not [m for m in new if "tcbc.hoa@" in m["To"]]
            refused_rows = s.exec(
                select(Notification).where(Notification.kind == "reply_refused")
            ).all()
            assert len(refused_rows) == 2


def test_a_celery_worker_applies_a_reply_and_mails_it_once(
    worker_id: str, redis_url: str, imap: ImapServer, tmp_path: Path
) -> None:
    """Distributed mode: the task `planflow.receive_replies` in a real Celery worker
    subprocess on Redis applies the reply and queues the delivery that mails it on; the
    same task again changes and sends nothing."""
    name = schema_name(worker_id, "replies_celery")
    start = utc_now()  # the worker's task runs at the wall clock's time
    engine = fresh_schema(name)
    try:
        with SmtpSink() as sink:
            settings = _settings(sink, tmp_path / "var")
            with Session(engine, expire_on_commit=False) as s:
                load_org(session=s, text=SAMPLE_ORG.read_text(encoding="utf-8"))
                head, linh = _user(s, "cchc.truong"), _user(s, "cchc.linh")
                item = assign(
                    session=s,
                    now=start,
                    actor=head,
                    spec=ItemSpec(
                        title="Tổng hợp số liệu CCHC",
                        lead_unit_id=linh.unit_id or 0,
                        assignee_id=linh.id or 0,
                        start_on=date(2026, 3, 2),
                        due_on=date(2026, 3, 20),
                    ),
                )
                act(session=s, now=start, actor=linh, item_id=item.id or 0, action=Action.ACCEPT)
                s.commit()
                deliver_outbox(session=s, now=start, sender=SmtpSender(settings), settings=settings)
            item_id = item.id or 0
            assigned = mail_about(sink, item_id, "cchc.linh@sonoivu.example.vn", "assigned")
            append(
                imap,
                reply(
                    assigned,
                    body="Tiến độ 40%\nĐang tổng hợp",
                    message_id="<celery-1@phone>",
                    files=(("so-lieu.pdf", PDF),),
                ),
            )
            tag = uuid.uuid4().hex[:8]
            env = cluster_env(schema=name, redis_url=redis_url, tag=tag, smtp_port=sink.port)
            env.update(
                {k: v for k, v in _env(name, imap, tmp_path / "var").items() if k not in env}
            )
            env.update(
                {
                    "PLANFLOW_SECRET_KEY": SECRET,
                    "PLANFLOW_MAIL_FROM": MAIL_FROM,
                    "PLANFLOW_VAR_DIR": str(tmp_path / "var"),
                }
            )
            before = sink.count
            worker = start_worker(env, tmp_path / "worker.log", "replies")
            try:
                celery = make_celery(settings_of(env))
                celery.send_task("planflow.receive_replies")

                def progress_mailed() -> bool:
                    with sink.lock:
                        new = [m.message() for m in sink.received[before:]]
                    return any(
                        m["X-Planflow-Kind"] == "item_update" and "cchc.truong@" in m["To"]
                        for m in new
                    )

                wait_until(progress_mailed, timeout=60)
                celery.send_task("planflow.receive_replies")
                worker.wait_for("planflow.receive_replies", timeout=30)
                time.sleep(2.0)  # a second run would have done its work by now
            finally:
                worker.stop()
            with Session(engine) as s:
                current = s.get(WorkItem, item_id)
                assert current is not None and current.progress_pct == 40
                assert len(s.exec(select(Evidence)).all()) == 1
                assert [r.outcome for r in s.exec(select(MailReply))] == ["applied"]
            by_key = mails_by_key(engine, sink)
            assert all(len(ids) == 1 for ids in by_key.values()), by_key
    finally:
        engine.dispose()
