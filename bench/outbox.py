"""Outbox delivery vs a raw smtplib loop, both to the same aiosmtpd server, in one run.

    .venv/bin/python bench/outbox.py [-n 5000] [--batch 200]

Both sides send N messages over one reused SMTP connection to an aiosmtpd sink running in
a child process. The raw loop only sends pre-built bytes; `deliver_outbox` also claims
rows from PostgreSQL (FOR UPDATE SKIP LOCKED), renders the templates, builds the MIME
message and records each answer, committing per batch. Prints the throughput ratio
outbox / raw (target >= 0.8).
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

from notifications.delivery import deliver_outbox
from notifications.message import compose
from notifications.models import Notification
from notifications.outbox import enqueue
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


def raw_loop(settings: Settings, messages: list[tuple[str, str, bytes]]) -> float:
    start = time.perf_counter()
    conn = smtplib.SMTP(settings.smtp_host, settings.smtp_port)
    conn.ehlo()
    for sender, rcpt, data in messages:
        conn.sendmail(sender, [rcpt], data)
    conn.quit()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args()
    sink = SinkProcess()
    try:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, mail_backend="smtp", smtp_host=sink.host, smtp_port=sink.port
        )
        engine = fresh_engine()
        fill(engine, settings, args.n)
        with session_scope(engine) as session:
            rows = list(session.exec(select(Notification).order_by(col(Notification.id))))
            mails = [compose(r, settings=settings) for r in rows]
        messages = [(m.envelope_from, m.recipient, m.data) for m in mails]
        size = sum(len(m[2]) for m in messages) / len(messages)

        raw_before = raw_loop(settings, messages)
        with session_scope(engine) as session:
            start = time.perf_counter()
            result = deliver_outbox(
                session=session,
                now=NOW,
                sender=SmtpSender(settings),
                batch_size=args.batch,
                settings=settings,
            )
            outbox = time.perf_counter() - start
        raw_after = raw_loop(settings, messages)
        assert result.sent == args.n, result
        assert sink.count() == 3 * args.n
        raw = (raw_before + raw_after) / 2
        print(f"messages: {args.n} (avg {size:.0f} bytes), batch {args.batch}")
        print(f"raw smtplib, one connection: {args.n / raw:8.0f} msg/s")
        print(f"deliver_outbox (PostgreSQL): {args.n / outbox:8.0f} msg/s")
        print(f"ratio outbox/raw: {raw / outbox:.2f} (target >= 0.8)")
    finally:
        sink.close()


if __name__ == "__main__":
    main()
