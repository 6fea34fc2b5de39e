"""One conversation per item and person (decision 0020), checked by a real IMAP server.

The demo's mails (`make run`: the sample plan distributed, the demo items, the plan issued,
then the scheduler's first sweep) are delivered to a Maildir; Dovecot's `imap` binary, run
pre-authenticated over stdin/stdout (`make imap` installs Debian's dovecot-imapd), threads
them with RFC 5256 `THREAD REFERENCES`. Every mail about one item to one person must fall
in one thread, and a thread must never mix two items or two people.
"""

from __future__ import annotations

import email
import os
import re
import shutil
import subprocess
import tempfile
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from notifications.delivery import deliver_outbox
from notifications.models import Notification
from notifications.senders.maildir import MaildirSender
from tasks import jobs
from tests.conftest import ROOT, SAMPLE_PLAN, service_missing
from tests.integration.notifications.conftest import make_settings
from workflow.importer import parse_document, upsert_plan
from workflow.models import Plan, User, WorkItem
from workflow.services.comments import add_comment
from workflow.services.demo import seed_demo_items
from workflow.services.plan_issue import issue_plan
from workflow.services.plan_units import apply_unit_mapping
from workflow.services.work_items import act, report_progress
from workflow.states import Action
from workflow.yamlio import load_yaml_with_lines

pytestmark = pytest.mark.integration

IMAP = Path("/usr/lib/dovecot/imap")
NOBODY = 65534  # Dovecot refuses to open mail as root


def imap_session(maildir: Path, commands: list[str]) -> str:
    """Run Dovecot's imap pre-authenticated on `maildir`; the server's whole answer."""
    if not IMAP.exists():
        service_missing("Dovecot's imap (make imap)", FileNotFoundError(str(IMAP)))
    home = Path(tempfile.mkdtemp(prefix="pf-imap-"))
    try:
        shutil.copytree(maildir, home / "Maildir")
        for sub in ("cur", "new", "tmp"):
            (home / "Maildir" / sub).mkdir(exist_ok=True)
        conf = home / "dovecot.conf"
        conf.write_text(
            f"mail_location = maildir:{home}/Maildir\n"
            f"mail_uid = {NOBODY}\nmail_gid = {NOBODY}\n"
            "ssl = no\nlog_path = /dev/null\n"
        )
        for path in [home, *home.rglob("*")]:
            os.chown(path, NOBODY, NOBODY)
        script = "".join(f"t{n} {c}\r\n" for n, c in enumerate(commands)) + "z LOGOUT\r\n"
        done = subprocess.run(
            [str(IMAP), "-c", str(conf)],
            input=script.encode(),
            capture_output=True,
            env={"USER": "nobody", "HOME": str(home), "PATH": os.environ.get("PATH", "")},
            timeout=60,
            check=False,
        )
        answer = done.stdout.decode("utf-8", "replace")
        assert "z OK" in answer, answer + done.stderr.decode("utf-8", "replace")
        return answer
    finally:
        shutil.rmtree(home, ignore_errors=True)


def top_level_threads(answer: str) -> list[set[int]]:
    """The message numbers of each top-level thread of a `* THREAD` answer."""
    line = next(x for x in answer.splitlines() if x.startswith("* THREAD"))
    threads: list[set[int]] = []
    depth = 0
    for token in re.findall(r"\(|\)|\d+", line[len("* THREAD") :]):
        if token == "(":
            if depth == 0:
                threads.append(set())
            depth += 1
        elif token == ")":
            depth -= 1
        else:
            threads[-1].add(int(token))
    return threads


def notification_ids(answer: str) -> dict[int, int]:
    """Message number → X-Planflow-Notification, from a FETCH of that header."""
    found: dict[int, int] = {}
    number = None
    for line in answer.splitlines():
        start = re.match(r"\* (\d+) FETCH", line)
        if start:
            number = int(start.group(1))
        header = re.match(r"X-Planflow-Notification: (\d+)", line, re.IGNORECASE)
        if header and number is not None:
            found[number] = int(header.group(1))
    return found


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def deliver_the_demo(session: Session, now: datetime, box: Path) -> None:
    """What `make run` and its first scheduler runs mail, and a day of work on the items."""
    settings = make_settings()
    tree = parse_document(SAMPLE_PLAN.read_bytes(), source=SAMPLE_PLAN.name)
    key = upsert_plan(session=session, tree=tree, now=now, source=SAMPLE_PLAN.name).plan_key
    plan = session.exec(select(Plan).where(Plan.key == key)).one()
    units = ROOT / "deploy" / "sample" / "task-units.yaml"
    mapping = load_yaml_with_lines(units.read_text(encoding="utf-8"), source="units")
    apply_unit_mapping(session=session, actor=None, plan_id=plan.id or 0, mapping=mapping)
    demo = seed_demo_items(session=session, now=now)
    issue_plan(session=session, plan_id=plan.id or 0, actor=_user(session, "vp.cchc"), now=now)
    sender = MaildirSender(box)
    deliver_outbox(session=session, now=now, sender=sender, settings=settings)
    jobs.sweep_due(session=session, now=now)
    later = now + timedelta(minutes=5)
    deliver_outbox(session=session, now=later, sender=sender, settings=settings)
    # The next hours: each head asks about their demo item, each officer reports progress.
    for n, item in enumerate(demo.created):
        at = later + timedelta(minutes=10 + n)
        officer, head = session.get(User, item.assignee_id), session.get(User, item.assigner_id)
        assert officer is not None and head is not None
        body = "Đề nghị báo cáo tiến độ trước thứ Sáu."
        add_comment(session=session, now=at, actor=head, item_id=item.id or 0, body=body)
        if session.get(WorkItem, item.id) and item.state == "assigned":
            act(session=session, now=at, actor=officer, item_id=item.id or 0, action=Action.ACCEPT)
        report_progress(
            session=session,
            now=at + timedelta(seconds=30),
            actor=officer,
            item_id=item.id or 0,
            percent=60,
            note="Đã xong dự thảo",
        )
        deliver_outbox(
            session=session, now=at + timedelta(minutes=1), sender=sender, settings=settings
        )
    # The next morning's sweep: overdue items escalate further, reminders come again.
    tomorrow = now + timedelta(days=1)
    jobs.sweep_due(session=session, now=tomorrow)
    deliver_outbox(
        session=session, now=tomorrow + timedelta(minutes=5), sender=sender, settings=settings
    )


def mailboxes(box: Path, root: Path) -> dict[str, Path]:
    """Each recipient's own Maildir (one file per mail, sorted by the address in To)."""
    boxes: dict[str, Path] = {}
    for path in sorted((box / "new").iterdir()):
        to = email.message_from_bytes(path.read_bytes())["To"]
        address = to.rsplit("<", 1)[-1].rstrip(">").lower()
        if address not in boxes:
            boxes[address] = root / address
            (boxes[address] / "new").mkdir(parents=True)
        shutil.copy(path, boxes[address] / "new" / path.name)
    return boxes


@pytest.mark.parametrize("reply_mode", ["off", "mailbox"])
def test_every_mail_about_one_item_to_one_person_is_one_thread(
    org: Session, now: datetime, tmp_path: Path, reply_mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "mailbox": reply by mail puts the reply token in References too (decision 0032).
    monkeypatch.setenv("PLANFLOW_MAIL_REPLY_MODE", reply_mode)
    box = tmp_path / "Maildir"
    deliver_the_demo(org, now, box)
    tokens = sum(b"<pf.reply." in p.read_bytes() for p in (box / "new").iterdir())
    assert (tokens > 20) == (reply_mode == "mailbox")
    rows = {r.id: r for r in org.exec(select(Notification).where(Notification.status == "sent"))}
    assert len(list((box / "new").iterdir())) == len(rows) > 20
    several = 0
    # RFC 5256 REFERENCES also joins threads with the same subject: each person's own
    # mailbox, as their mail client has it.
    for address, mailbox in mailboxes(box, tmp_path / "people").items():
        answer = imap_session(
            mailbox,
            [
                "SELECT INBOX",
                "THREAD REFERENCES UTF-8 ALL",
                "FETCH 1:* (BODY.PEEK[HEADER.FIELDS (X-Planflow-Notification)])",
            ],
        )
        threads = top_level_threads(answer)
        numbers = notification_ids(answer)
        assert sum(len(t) for t in threads) == len(numbers) == len(list(mailbox.rglob("*.*")))
        # The item of each mail about one item; a grouped mail lists several.
        item_of: dict[int, int] = {}
        for number, row_id in numbers.items():
            row = rows[row_id]
            assert row.recipient_email.lower() == address
            if row.kind != "grouped" and row.work_item_id is not None:
                item_of[number] = row.work_item_id
        by_item: dict[int, set[int]] = defaultdict(set)
        for number, item_id in item_of.items():
            by_item[item_id].add(number)
        thread_of = {number: i for i, thread in enumerate(threads) for number in thread}
        for item_id, mails in by_item.items():
            assert len({thread_of[n] for n in mails}) == 1, (address, item_id, mails, threads)
            several += len(mails) >= 2
        for thread in threads:
            # Never two items in one conversation, nor a grouped mail in an item's.
            assert len({item_of.get(n) for n in thread}) == 1, (address, thread, item_of)
    # The demo's items each get several mails to one person (assigned, comment, progress,
    # reminder, escalations): at least the six demo items' conversations.
    assert several >= 6
