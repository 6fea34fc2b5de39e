"""Kill -9 the sender after the server accepted a message but before the DB recorded it.

What happens (docs/decisions/0005-outbox-delivery.md): the batch in flight was never
committed, so its rows are still pending; the rerun sends them again with the same
Message-ID and byte-identical content, and every row ends 'sent' exactly once in the DB.
The duplicate at the recipient is recognisable (and collapsible) by its Message-ID.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from sqlmodel import select

from notifications.delivery import deliver_outbox
from notifications.models import Notification
from notifications.outbox import enqueue
from notifications.senders.smtp import SmtpSender
from tests.conftest import SAMPLE_ORG
from tests.integration.notifications.conftest import make_settings, reminder_context
from tests.smtp_sink import SmtpSink
from workflow.db import make_engine, session_scope
from workflow.migrate import upgrade
from workflow.models.org import User
from workflow.services.org import load_org

NOW = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
CHILD = textwrap.dedent(
    """
    import sys
    from datetime import datetime, UTC
    from notifications.delivery import deliver_outbox
    from notifications.senders.smtp import SmtpSender
    from tests.integration.notifications.conftest import make_settings
    from workflow.db import make_engine, session_scope
    url, port = sys.argv[1], int(sys.argv[2])
    settings = make_settings(smtp_host="127.0.0.1", smtp_port=port)
    with session_scope(make_engine(url)) as session:
        deliver_outbox(session=session, now=datetime(2026, 3, 2, 2, 0, tzinfo=UTC),
                       sender=SmtpSender(settings), settings=settings, batch_size=10)
    """
)


def test_kill_between_accept_and_db_update_resends_with_the_same_message_id(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    upgrade(url)
    engine = make_engine(url)
    with SmtpSink() as sink:
        settings = make_settings(smtp_host=sink.host, smtp_port=sink.port)
        with session_scope(engine) as session:
            load_org(session=session, text=SAMPLE_ORG.read_text(encoding="utf-8"))
            linh = session.exec(select(User).where(User.username == "cchc.linh")).one()
            for i in range(5):
                enqueue(
                    session=session,
                    kind="reminder",
                    recipient=linh,
                    context=reminder_context(linh, item_id=i, now=NOW),
                    dedup_key=f"reminder:{i}:crash",
                    now=NOW,
                    settings=settings,
                )

        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, url, str(sink.port)],
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])},
        )

        def kill_after_third() -> None:
            if sink.count == 3:
                os.kill(child.pid, signal.SIGKILL)

        sink.on_accept = kill_after_third
        assert child.wait(timeout=60) == -signal.SIGKILL
        sink.on_accept = None
        assert sink.count == 3

        with session_scope(engine) as session:
            rows = list(session.exec(select(Notification)))
            assert {r.status for r in rows} == {"pending"}  # nothing was recorded
            result = deliver_outbox(
                session=session, now=NOW, sender=SmtpSender(settings), settings=settings
            )
            assert result.sent == 5

        with session_scope(engine) as session:
            rows = list(session.exec(select(Notification)))
            assert {r.status for r in rows} == {"sent"}
            ids = {r.message_id for r in rows}
        received = Counter(r.message()["Message-ID"] for r in sink.received)
        assert set(received) == ids
        assert sorted(received.values()) == [1, 1, 2, 2, 2]  # three duplicates, by Message-ID
        by_id: dict[str, set[bytes]] = {}
        for r in sink.received:
            by_id.setdefault(str(r.message()["Message-ID"]), set()).add(r.data)
        assert all(len(copies) == 1 for copies in by_id.values())  # byte-identical resends
