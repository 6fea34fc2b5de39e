"""The daily digest (thư tổng hợp): held rows become one 'digest' mail per user per day.

Held rows wait with `next_attempt_at` = the user's digest hour. When that time comes they
are folded into a digest row whose dedup key names the user, the day and the first held
row, so a rerun after a crash composes the same digest, never a second one.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from notifications.contexts import DigestContext, DigestEntry, Kind
from notifications.models import Notification
from notifications.outbox import fold_rows
from notifications.render import Renderer, parse_context
from workflow.clock import ensure_utc
from workflow.db import is_postgres
from workflow.settings import Settings


def compose_digests(
    *, session: Session, now: datetime, settings: Settings, renderer: Renderer
) -> int:
    """Fold every due held row into its user's digest; returns how many digests were made."""
    query = (
        select(Notification)
        .where(Notification.status == "held", col(Notification.next_attempt_at) <= now)
        .order_by(
            col(Notification.recipient_email),
            col(Notification.next_attempt_at),
            col(Notification.id),
        )
    )
    if is_postgres(session):
        query = query.with_for_update(skip_locked=True)
    held = list(session.exec(query))
    zone = ZoneInfo(settings.timezone)
    groups: dict[tuple[str, datetime], list[Notification]] = defaultdict(list)
    for row in held:
        groups[(row.recipient_email, ensure_utc(row.next_attempt_at))].append(row)
    made = 0
    for (email, due), rows in groups.items():
        first = rows[0]
        entries = [
            DigestEntry(
                kind=Kind(r.kind),
                subject=renderer.subject(kind=r.kind, language=r.language, context=r.context),
                item_id=r.work_item_id or _item_id(r),
            )
            for r in rows
        ]
        context = DigestContext(
            recipient_name=parse_context(rows[-1].kind, rows[-1].context).recipient_name,
            day=due.astimezone(zone).date(),
            entries=entries,
        )
        fold_rows(
            session=session,
            rows=rows,
            kind=Kind.DIGEST,
            context=context,
            dedup_key=f"digest:{first.recipient_user_id or email}:{context.day:%Y%m%d}:{first.id}",
            folded_status="digested",
            now=now,
            settings=settings,
        )
        made += 1
    session.flush()
    return made


def _item_id(row: Notification) -> int | None:
    item = row.context.get("item")
    return int(item["id"]) if isinstance(item, dict) and "id" in item else None
