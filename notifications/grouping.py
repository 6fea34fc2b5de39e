"""Grouped mail (thư gộp): the mails one person gets from one bulk action or one morning
run go out as one mail listing the items (docs/decisions/0021-grouped-mail.md).

Rows that may be grouped wait as `grouping` with a `group_key`: `event:{actor}:{at}` for
the events of one action (issuing a plan creates hundreds of items at one `at`), `run:{at}`
for the reminders, due-today and overdue notices of one sweep run. When their time comes,
`fold_groups` (called by `deliver_outbox` in its first transaction, right after the event
relay) takes each (recipient, key):

- rows about fewer than two items go out as themselves (status `pending`, same row, same
  Message-ID, threaded with their item);
- otherwise one `grouped` row is enqueued with the dedup key `group:{recipient}:{first row}`
  and the rows become `grouped` with `digest_id` pointing at it, in the same transaction:
  a crash before the commit leaves every row `grouping` and the rerun folds the same
  group into the same key; a commit makes both durable together. Each row, and so each
  reminder or escalation rung, stays recorded exactly once.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlmodel import Session, col, select

from notifications.contexts import (
    MORNING_KINDS,
    GroupedContext,
    GroupedEntry,
    ItemRef,
    Kind,
    MailContext,
    item_of,
)
from notifications.models import Notification
from notifications.outbox import fold_rows
from notifications.render import parse_context
from workflow.db import is_postgres
from workflow.models.org import User
from workflow.settings import Settings

log = logging.getLogger(__name__)

# The order of a bulk mail's sections: what the recipient must do first.
BULK_ORDER: tuple[Kind, ...] = (
    Kind.ASSIGNED,
    Kind.REWORK,
    Kind.RETURNED,
    Kind.AWAITING_REVIEW,
    Kind.EXTENSION_REQUESTED,
    Kind.EXTENSION_DECIDED,
    Kind.SUPPORT_ASSIGNED,
    Kind.INFORMED,
    Kind.REASSIGNED,
    Kind.ITEM_UPDATE,
    Kind.SUPPORT_CLOSED,
    Kind.COMMENT,
    *MORNING_KINDS,
)
_RANK = {kind: index for index, kind in enumerate((*MORNING_KINDS, *BULK_ORDER))}


def event_group_key(*, actor_id: int | None, at: datetime) -> str:
    """The group of one action: every event one service call wrote shares actor and time."""
    return f"event:{actor_id or 0}:{at.isoformat()}"


def run_group_key(*, now: datetime) -> str:
    """The group of one sweep run (its batches, in distributed mode, share `now`)."""
    return f"run:{now.isoformat()}"


def _entry(kind: Kind, context: MailContext) -> GroupedEntry | None:
    item = item_of(context)
    if item is None:
        return None
    days = getattr(context, "working_days_left", None)
    if days is None:
        days = getattr(item, "working_days_late", getattr(context, "working_days_late", None))
    change = getattr(context, "change", None)
    ref = {name: getattr(item, name) for name in ItemRef.model_fields}
    return GroupedEntry(**ref, kind=kind, days=days, change=change)


def grouped_context(
    rows: list[Notification], *, fold: int, actor_name: str | None
) -> GroupedContext:
    """The grouped mail's context: entries most urgent first, then soonest due."""
    entries: list[GroupedEntry] = []
    name = ""
    for row in rows:
        context = parse_context(row.kind, row.context)
        name = context.recipient_name
        entry = _entry(Kind(row.kind), context)
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda e: (_RANK.get(e.kind, 99), e.due_at, e.id))
    counts: dict[str, int] = defaultdict(int)
    for entry in entries:
        counts[entry.kind.value] += 1
    kinds = sorted({entry.kind for entry in entries}, key=lambda k: _RANK.get(k, 99))
    morning = all(kind in MORNING_KINDS for kind in kinds)
    return GroupedContext(
        recipient_name=name,
        occasion="morning" if morning else "bulk",
        actor_name=None if morning else actor_name,
        entries=entries[:fold],
        total=len(entries),
        counts=dict(counts),
        kinds=kinds,
    )


def _claim(session: Session, now: datetime) -> list[Notification]:
    query = (
        select(Notification)
        .where(Notification.status == "grouping", col(Notification.next_attempt_at) <= now)
        .order_by(col(Notification.recipient_email), col(Notification.id))
    )
    if is_postgres(session):
        # Two delivery runs never fold the same rows; a locked row is being folded.
        query = query.with_for_update(skip_locked=True)
    return list(session.exec(query))


def _item_id(row: Notification) -> int | None:
    item = row.context.get("item")
    if isinstance(item, dict) and "id" in item:
        return int(item["id"])
    return row.work_item_id


def _actor_name(session: Session, key: str) -> str | None:
    parts = key.split(":", 2)
    if parts[0] != "event" or not parts[1].isdigit() or parts[1] == "0":
        return None
    actor = session.get(User, int(parts[1]))
    return actor.full_name if actor else None


def _fold(
    session: Session,
    rows: list[Notification],
    email: str,
    key: str,
    *,
    now: datetime,
    settings: Settings,
) -> None:
    first = rows[0]
    context = grouped_context(
        rows, fold=settings.mail_group_fold, actor_name=_actor_name(session, key)
    )
    fold_rows(
        session=session,
        rows=rows,
        kind=Kind.GROUPED,
        context=context,
        dedup_key=f"group:{first.recipient_user_id or email}:{first.id}",
        folded_status="grouped",
        now=now,
        settings=settings,
    )
    session.flush()


def fold_groups(*, session: Session, now: datetime, settings: Settings) -> int:
    """Fold every due group into one mail per recipient; returns the grouped mails made.

    Never commits (the caller's transaction makes the fold and the new row durable
    together).
    """
    groups: dict[tuple[str, str], list[Notification]] = defaultdict(list)
    for row in _claim(session, now):
        groups[(row.recipient_email, row.group_key or "")].append(row)
    made = 0
    for (email, key), rows in groups.items():
        items = {_item_id(row) for row in rows}
        if len(items) < 2 or None in items:
            # One item (or a row not about one item): each goes out as itself, threaded.
            for row in rows:
                row.status = "pending"
                session.add(row)
            continue
        try:
            with session.begin_nested():
                _fold(session, rows, email, key, now=now, settings=settings)
            made += 1
        except Exception:
            # A bad stored context must not hold back this person's mail: each row goes
            # out as itself (and fails alone at rendering, as any row does).
            log.exception("fold_groups group_failed recipient=%s key=%s", email, key)
            for row in rows:
                row.status = "pending"
                session.add(row)
    session.flush()
    if made:
        log.info("fold_groups grouped_mails=%d", made)
    return made
