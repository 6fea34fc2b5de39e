"""Outbox rows, the suppression list and per-user preferences (same metadata as the core)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, Text, text
from sqlmodel import Field, SQLModel

from workflow.models.types import JSONType, UTCDateTime, in_check

# "held": waiting for the recipient's daily digest; "digested": folded into `digest_id`.
# "grouping": waiting for the other mails of its group (one bulk action, one morning run);
# "grouped": folded into the grouped mail `digest_id` (docs/decisions/0021-grouped-mail.md).
NOTIFICATION_STATUSES = [
    "pending",
    "sent",
    "failed",
    "suppressed",
    "skipped",
    "held",
    "digested",
    "grouping",
    "grouped",
]


class Notification(SQLModel, table=True):
    """One message to send, exactly once: `dedup_key` is built from stable ids."""

    __tablename__ = "notification"
    __table_args__ = (
        in_check("status", NOTIFICATION_STATUSES),
        # (next_attempt_at, id): the claim's order, so a claim of one row (the Celery path)
        # reads one index entry instead of sorting every due row.
        Index(
            "ix_notification_pending",
            "next_attempt_at",
            "id",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        Index(
            "ix_notification_grouping",
            "next_attempt_at",
            postgresql_where=text("status = 'grouping'"),
            sqlite_where=text("status = 'grouping'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    dedup_key: str = Field(max_length=255, unique=True)
    kind: str = Field(max_length=40)
    recipient_user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    recipient_email: str = Field(max_length=255)
    language: str = Field(default="vi", max_length=5)
    context: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONType))
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id", index=True)
    status: str = Field(default="pending", max_length=12)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    message_id: str | None = Field(default=None, max_length=255)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    # The give-up clock starts at the first attempt, not at enqueue (digest/quiet-hour holds).
    first_attempt_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
    # The digest or grouped mail this row was folded into.
    digest_id: int | None = Field(default=None, foreign_key="notification.id")
    # Rows with the same recipient and key go out as one mail: `event:{actor}:{at}` (one
    # bulk action) or `run:{at}` (one sweep run, the morning mail).
    group_key: str | None = Field(default=None, max_length=120)
    # X-Request-ID of the request or job run that queued it (workflow.logs), for tracing.
    request_id: str | None = Field(default=None, max_length=128)


class Suppression(SQLModel, table=True):
    """An address the server refused permanently (5xx): later enqueues skip it."""

    __tablename__ = "suppression"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=255, unique=True)
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))


class NotificationPreference(SQLModel, table=True):
    """How a user wants mail: immediate or a daily digest, quiet hours, opted-out kinds."""

    __tablename__ = "notification_preference"
    __table_args__ = (in_check("mode", ["immediate", "digest"]),)

    user_id: int = Field(foreign_key="app_user.id", primary_key=True)
    mode: str = Field(default="immediate", max_length=10)
    digest_hour: int = Field(default=7)
    quiet_start_hour: int | None = None
    quiet_end_hour: int | None = None
    opted_out_kinds: list[str] = Field(default_factory=list, sa_column=Column(JSONType))
    # True: one mail per bulk action and one morning mail per sweep run; False: one mail
    # per event ("một thư cho mỗi sự kiện").
    grouped: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})


class MailAlarm(SQLModel, table=True):
    """One episode of the mail server (or our configuration of it) failing: raised at the
    first server fault, cleared (`cleared_at`) by the next accepted mail. While one is open
    the administrators are mailed once a day (`mailed_on`, the agency's local date)."""

    __tablename__ = "mail_alarm"

    id: int | None = Field(default=None, primary_key=True)
    raised_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_seen_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    last_error: str = Field(sa_column=Column(Text, nullable=False))
    faults: int = Field(default=0)
    mailed_on: str | None = Field(default=None, max_length=10)
    cleared_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime()))
