"""Replies by mail (thư trả lời): every incoming mail read once, and revoked reply tokens
(docs/decisions/0032-reply-by-mail.md)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field, SQLModel

from workflow.models.types import UTCDateTime, in_check

# applied: everything it asked for was done; refused: its command or a file was not taken
# (the words kept as a comment, the sender told why); dropped: not a reply we answer
# (forged or expired token, another sender, an auto-reply), nothing changed, nobody mailed.
REPLY_OUTCOMES = ["applied", "refused", "dropped"]


class MailReply(SQLModel, table=True):
    """One incoming mail, read once: its Message-ID is the reply job's idempotency key and,
    with the outcome, the audit of what the mail did."""

    __tablename__ = "mail_reply"
    __table_args__ = (in_check("outcome", REPLY_OUTCOMES),)

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=255, unique=True)
    received_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    sender: str = Field(max_length=255)
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    outcome: str = Field(max_length=10)
    # What the reply asked for (workflow.reply_mail.Command) and the action taken, if any.
    command: str | None = Field(default=None, max_length=20)
    action: str | None = Field(default=None, max_length=40)
    # Why it was refused or dropped (a code word, e.g. "wrong_sender", "file_too_large").
    reason: str | None = Field(default=None, sa_column=Column(Text))


class ReplyRevocation(SQLModel, table=True):
    """Reply tokens of `user_id` (about `work_item_id`, or every item when None) issued up to
    `revoked_at` are refused; mails sent later carry new tokens."""

    __tablename__ = "reply_revocation"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    work_item_id: int | None = Field(default=None, foreign_key="work_item.id")
    revoked_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
