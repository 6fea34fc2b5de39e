"""Outbox delivery vs a raw smtplib loop, all to the same aiosmtpd server, in one run.

    .venv/bin/python bench/outbox.py [-n 5000] [--batch 200] [--rounds 5]

Every side sends N messages to an aiosmtpd sink running in a child process. The raw loop
only sends pre-built bytes with `smtplib.sendmail` over one reused connection per round.
The production path (`deliver_each`, what the Celery task runs) also claims rows from
PostgreSQL (FOR UPDATE SKIP LOCKED), renders the templates, builds the MIME message and
records each answer, with one connection per batch and **one commit per message** (the
commit of message k overlapping k+1's envelope, decision 0028); the
embedded path (`deliver_outbox`) commits once per batch. The sides take turns in rounds,
the order rotating, so that a change of load on a shared machine weighs on all alike.
Prints the machine's load average (a shared machine's figures depend on it), the
throughput ratios to raw (target for the production path >= 0.8) and the spread of the
per-round ratios.
"""

from __future__ import annotations

import argparse
import os
import smtplib
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import col, select

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notifications.delivery import deliver_each, deliver_outbox
from notifications.message import compose
from notifications.models import Notification
from notifications.outbox import PendingMail, enqueue, prepare
from notifications.senders.smtp import SmtpSender
from tests.smtp_sink import SinkProcess
from workflow.db import make_engine, session_scope
from workflow.migrate import upgrade
from workflow.settings import Settings

PG = os.environ.get(
    "PLANFLOW_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = "pf_bench_outbox"
NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


def fresh_engine():  # type: ignore[no-untyped-def]
    admin = make_engine(PG)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"))
    admin.dispose()
    engine = make_engine(f"{PG}?options=-csearch_path%3D{SCHEMA}")
    with engine.begin() as conn:
        upgrade(connection=conn)
    return engine


def fill(engine, settings: Settings, n: int) -> None:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        for i in range(n):
            enqueue(
                session=session,
                kind="reminder",
                recipient=f"officer{i % 50}@sonoivu.example.vn",
                context={
                    "recipient_name": "Đinh Thị Linh",
                    "item": {
                        "id": i,
                        "title": f"Báo cáo kết quả thực hiện nhiệm vụ cải cách hành chính số {i}",
                        "due_at": (NOW + timedelta(days=3)).isoformat(),
                        "unit_name": "Phòng Cải cách hành chính",
                        "assignee_name": "Đinh Thị Linh",
                    },
                    "working_days_left": 3,
                },
                dedup_key=f"reminder:{i}:20260305:3d",
                now=NOW,
                settings=settings,
            )


def fill_grouped(engine, settings: Settings, n: int, people: int) -> None:  # type: ignore[no-untyped-def]
    """`n` morning notices for `people` recipients, waiting to be grouped (decision 0021)."""
    pending = PendingMail()
    with session_scope(engine) as session:
        for i in range(n):
            row = prepare(
                session=session,
                kind="reminder",
                recipient=f"head{i % people}@sonoivu.example.vn",
                context={
                    "recipient_name": "Nguyễn Văn Trưởng",
                    "item": {
                        "id": 100_000 + i,
                        "title": f"Báo cáo kết quả thực hiện nhiệm vụ cải cách hành chính số {i}",
                        "due_at": (NOW + timedelta(days=3)).isoformat(),
                        "unit_name": "Phòng Cải cách hành chính",
                        "assignee_name": "Đinh Thị Linh",
                    },
                    "working_days_left": 3,
                },
                dedup_key=f"reminder:g{i}:20260305:3d",
                now=NOW,
                settings=settings,
            )
            # Bare addresses are never grouped by `prepare`; the bench folds them anyway.
            row.update(status="grouping", group_key="run:bench")
            pending.add(row)
        pending.write(session)


def grouped_round(engine, settings: Settings, n: int, people: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds for deliver_outbox to fold `n` notices and send one mail per person."""
    fill_grouped(engine, settings, n, people)
    with session_scope(engine) as session:
        start = time.perf_counter()
        result = deliver_outbox(
            session=session, now=NOW, sender=SmtpSender(settings), settings=settings
        )
        seconds = time.perf_counter() - start
    assert result.sent == people, result
    return seconds


def raw_loop(settings: Settings, messages: list[tuple[str, str, bytes]]) -> float:
    start = time.perf_counter()
    conn = smtplib.SMTP(settings.smtp_host, settings.smtp_port)
    conn.ehlo()
    for sender, rcpt, data in messages:
        conn.sendmail(sender, [rcpt], data)
    conn.quit()
    return time.perf_counter() - start


def outbox_round(engine, settings: Settings, batch: int, batches: int, each: bool) -> float:  # type: ignore[no-untyped-def]
    with session_scope(engine) as session:
        start = time.perf_counter()
        run = deliver_each if each else deliver_outbox
        result = run(
            session=session,
            now=NOW,
            sender=SmtpSender(settings),
            batch_size=batch,
            settings=settings,
            max_batches=batches,
        )
        seconds = time.perf_counter() - start
    assert result.sent == batch * batches, result
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    per_round = args.n // args.rounds
    if per_round % args.batch:
        parser.error("n / rounds must be a multiple of --batch")
    load_before = os.getloadavg()
    sink = SinkProcess()
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, mail_backend="smtp", smtp_host=sink.host, smtp_port=sink.port
        )
        engine = fresh_engine()
        # Two outbox sides draw from the queue: twice the rows; the raw side sends copies.
        fill(engine, settings, 2 * args.n)
        with session_scope(engine) as session:
            rows = list(
                session.exec(select(Notification).order_by(col(Notification.id)).limit(args.n))
            )
            mails = [compose(r, settings=settings) for r in rows]
        messages = [(m.envelope_from, m.recipient, m.data) for m in mails]
        size = sum(len(m[2]) for m in messages) / len(messages)

        # Rounds rotate which side goes first, so a change in the machine's load during
        # the run weighs on every side alike.
        totals = {"raw": 0.0, "each": 0.0, "batch": 0.0}
        ratios: dict[str, list[float]] = {"each": [], "batch": []}
        for i in range(args.rounds):
            chunk = messages[i * per_round : (i + 1) * per_round]
            sides = ["raw", "each", "batch"]
            sides = sides[i % 3 :] + sides[: i % 3]
            took: dict[str, float] = {}
            for side in sides:
                if side == "raw":
                    took[side] = raw_loop(settings, chunk)
                else:
                    each = side == "each"
                    took[side] = outbox_round(
                        engine, settings, args.batch, per_round // args.batch, each
                    )
                totals[side] += took[side]
            for side in ("each", "batch"):
                ratios[side].append(took["raw"] / took[side])
        sent = per_round * args.rounds
        assert sink.count() == 3 * sent
        load_after = os.getloadavg()
        print(
            f"load average (1, 5, 15 min) {os.cpu_count()} cores: before "
            f"{' '.join(f'{x:.1f}' for x in load_before)}, after "
            f"{' '.join(f'{x:.1f}' for x in load_after)}"
        )
        print(f"messages: {sent} per side (avg {size:.0f} bytes), batch {args.batch}")
        print(f"raw smtplib, one connection:          {sent / totals['raw']:8.0f} msg/s")
        print(f"production: deliver_each (PostgreSQL): {sent / totals['each']:8.0f} msg/s")
        print(f"embedded path: deliver_outbox (PG):    {sent / totals['batch']:8.0f} msg/s")
        for side, label in (("each", "production (commit per message)"), ("batch", "per batch")):
            r = sorted(ratios[side])
            print(
                f"{label}: ratio to raw {totals['raw'] / totals[side]:.2f} "
                f"(per round min {r[0]:.2f} median {r[len(r) // 2]:.2f} max {r[-1]:.2f})"
            )
        print("target: production ratio >= 0.8")
        # Grouped mail: the same notices folded into one mail per person (decision 0021).
        people = 50
        grouped = grouped_round(engine, settings, sent, people)
        print(
            f"grouped (PostgreSQL): {sent} notices -> {people} mails in {grouped:.2f} s: "
            f"{sent / grouped:8.0f} notices/s ({people / grouped:.0f} mails/s); "
            f"one mail per notice above: {sent / totals['batch']:.0f} notices/s"
        )
    finally:
        sink.close()


if __name__ == "__main__":
    main()
