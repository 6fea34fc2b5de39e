"""The outbox (hộp thư đi): one Notification row per message, unique by `dedup_key`.

`enqueue` writes in the caller's transaction and never commits. The same key again returns
the existing row: INSERT ... ON CONFLICT DO NOTHING RETURNING (one round trip for a new
row), so a concurrent duplicate neither raises nor aborts the caller's PostgreSQL
transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NotRequired, TypedDict, Unpack
from zoneinfo import ZoneInfo

from pydantic import BaseModel
from sqlmodel import Session, select

from notifications.contexts import GROUPABLE
from notifications.models import Notification, NotificationPreference
from notifications.preferences import Routing, is_suppressed, route
from notifications.render import language_of, parse_context
from notifications.sql import insert_ignore_many, insert_ignore_returning
from workflow.logs import current_request_id
from workflow.models.org import User
from workflow.settings import Settings, get_settings


@dataclass
class RecipientLookups:
    """Preferences and suppressions read once per recipient for a batch of enqueues.

    Give one to `enqueue` for a span in which neither changes (one sweep, a simulation
    run): a sweep mailing the same people does not re-read them for every mail.
    """

    preferences: dict[int, NotificationPreference | None] = field(default_factory=dict)
    suppressed: dict[str, bool] = field(default_factory=dict)

    def preference(self, session: Session, user_id: int) -> NotificationPreference | None:
        if user_id not in self.preferences:
            self.preferences[user_id] = session.get(NotificationPreference, user_id)
        return self.preferences[user_id]

    def is_suppressed(self, session: Session, email: str) -> bool:
        if email not in self.suppressed:
            self.suppressed[email] = is_suppressed(session=session, email=email)
        return self.suppressed[email]


class MailArgs(TypedDict):
    """What one mail is: the arguments of `prepare` and `enqueue`.

    `recipient` is a user (their language and preferences apply) or a bare address; the
    context is validated against the kind's typed model (InvalidInput if wrong); `lookups`
    caches the recipients' preferences and suppressions across calls.
    """

    kind: str
    recipient: User | str
    context: dict[str, Any] | BaseModel
    dedup_key: str
    now: datetime
    work_item_id: NotRequired[int | None]
    language: NotRequired[str | None]
    settings: NotRequired[Settings | None]
    lookups: NotRequired[RecipientLookups | None]
    # Mails of one group (same recipient and key) go out as one grouped mail, not before
    # `group_at` (default `now`): docs/decisions/0021-grouped-mail.md.
    group_key: NotRequired[str | None]
    group_at: NotRequired[datetime | None]


def prepare(*, session: Session, **mail: Unpack[MailArgs]) -> dict[str, Any]:
    """The outbox row of one mail, routed but not written."""
    kind, recipient, now = mail["kind"], mail["recipient"], mail["now"]
    settings = mail.get("settings") or get_settings()
    lookups = mail.get("lookups") or RecipientLookups()
    language = mail.get("language")
    ctx = parse_context(kind, mail["context"])
    last_error: str | None = None
    preference: NotificationPreference | None = None
    if isinstance(recipient, User):
        email, user_id = recipient.email, recipient.id
        lang = language_of(language or recipient.language)
        preference = lookups.preference(session, user_id) if user_id else None
        routing = route(preference=preference, kind=kind, now=now, zone=ZoneInfo(settings.timezone))
        if not recipient.is_active:
            routing, last_error = Routing("skipped", now), "inactive account"
    else:
        email, user_id, lang = recipient, None, language_of(language)
        routing = Routing("pending", now)
    if routing.status in ("pending", "held") and lookups.is_suppressed(session, email):
        routing, last_error = Routing("suppressed", now), "address on the suppression list"
    group_key = mail.get("group_key")
    if routing.status == "pending" and group_key and kind in GROUPABLE and user_id is not None:
        if preference is None or preference.grouped:
            # Quiet hours still hold it: the later of the two times.
            at = max(routing.next_attempt_at, mail.get("group_at") or now)
            routing = Routing("grouping", at)
        else:
            group_key = None
    else:
        group_key = None
    return {
        "dedup_key": mail["dedup_key"],
        "kind": kind,
        "recipient_user_id": user_id,
        "recipient_email": email,
        "language": lang,
        "context": ctx.model_dump(mode="json"),
        "work_item_id": mail.get("work_item_id"),
        "status": routing.status,
        "attempts": 0,
        "next_attempt_at": routing.next_attempt_at,
        "created_at": now,
        "last_error": last_error,
        "group_key": group_key,
        "request_id": current_request_id(),
    }


def enqueue(*, session: Session, **mail: Unpack[MailArgs]) -> Notification:
    """Queue one mail (see `MailArgs`); the recipient's preferences and the suppression
    list decide its status. The same dedup key again returns the existing row."""
    row = insert_ignore_returning(
        session=session,
        model=Notification,
        conflict="dedup_key",
        values=prepare(session=session, **mail),
    )
    if row is not None:
        return row
    key = mail["dedup_key"]
    return session.exec(select(Notification).where(Notification.dedup_key == key)).one()


def fold_rows(
    *,
    session: Session,
    rows: list[Notification],
    kind: str,
    context: BaseModel,
    dedup_key: str,
    folded_status: str,
    now: datetime,
    settings: Settings,
) -> Notification:
    """Queue the one mail that stands for `rows` (a digest, a grouped mail), to their
    recipient in the first row's language, and mark each row `folded_status` pointing at it
    (`digest_id`). Rows of one recipient only; no flush (the caller decides when)."""
    first = rows[0]
    user = session.get(User, first.recipient_user_id) if first.recipient_user_id else None
    mail = enqueue(
        session=session,
        kind=kind,
        recipient=user or first.recipient_email,
        context=context,
        dedup_key=dedup_key,
        now=now,
        language=first.language,
        settings=settings,
    )
    for row in rows:
        row.status, row.digest_id = folded_status, mail.id
        session.add(row)
    return mail


@dataclass
class PendingMail:
    """Mails prepared by a batch of work (one sweep batch), written by one `write` call.

    A sweep queues hundreds of mails per batch: one multi-row INSERT ... ON CONFLICT DO
    NOTHING costs one round trip where `enqueue` costs one per mail. Rows whose dedup key
    exists are skipped, as with `enqueue`.
    """

    rows: list[dict[str, Any]] = field(default_factory=list)

    def add(self, values: dict[str, Any]) -> None:
        self.rows.append(values)

    def write(self, session: Session) -> int:
        """Insert the pending rows (then forget them); the number of rows added."""
        rows, self.rows = self.rows, []
        return insert_ignore_many(
            session=session, model=Notification, rows=rows, conflict="dedup_key"
        )
