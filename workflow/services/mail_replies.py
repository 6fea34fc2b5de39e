"""Applying a reply by mail (trả lời thư) to its work item.

The incoming-mail job (notifications.replies) reads the mailbox and hands each mail here as
an `IncomingReply`: the new text (quotes and signature cut), the files, the sender and the
reply tokens found in its addresses and References. This decides, in the caller's
transaction (never committing):

- whether the mail is a reply we act on at all: read before (its Message-ID), automatic
  (an auto-reply, an out-of-office, a loop), without a genuine token, from another address
  than the token's person, or with a token expired (item closed, revoked, too old): such a
  mail is recorded as dropped, changes nothing and is never answered;
- what it does, as the person could on the item's page: files become evidence (the upload
  rules of `evidence_files`), the first line's command (`workflow.reply_mail`) the progress
  report, transition or extension request the state table allows that person now, any
  other text a comment. A command not allowed keeps the words as a comment and is
  `refused`, with the reasons, for the job to mail the person one short answer.

Every change it makes is audited like the page's (WorkItemEvent), with the mail's
Message-ID in the event's changes (`mail`), and the mail itself in `MailReply`.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, col, or_, select

from workflow.calendar import local_date
from workflow.errors import WorkflowError
from workflow.models import MailReply, ReplyRevocation, User, WorkItem, WorkItemEvent
from workflow.reply_mail import (
    COMMAND_ACTIONS,
    LEAD_IN,
    Command,
    ReplyClaim,
    ReplyCommand,
    read_command,
    read_reply_token,
)
from workflow.services.comments import add_comment
from workflow.services.evidence_files import (
    accepted_type,
    read_evidence,
    store_evidence,
    stored_name,
)
from workflow.services.extensions import request_extension
from workflow.services.scope import get_visible_item
from workflow.services.work_items import (
    act,
    actions_for,
    actor_relations,
    add_evidence,
    report_progress,
)
from workflow.settings import Settings
from workflow.states import CLOSED_STATES, Action, State, allowed_actions, rule_for

log = logging.getLogger("planflow.replies")


@dataclass(frozen=True)
class ReplyFile:
    """An attachment of a reply."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class IncomingReply:
    """One incoming mail as the job read it."""

    message_id: str
    sender: str
    tokens: tuple[str, ...]
    text: str
    files: tuple[ReplyFile, ...] = ()
    # Why the mail is automatic (an auto-reply, a bounce, a list), None for a person's.
    automatic: str | None = None


@dataclass
class ReplyOutcome:
    """What one mail did: `outcome` as recorded (or "duplicate": read before, nothing
    recorded again); `reasons` the code words of what was refused or why it was dropped."""

    outcome: str
    reasons: list[str] = field(default_factory=list)
    item_id: int | None = None
    user_id: int | None = None
    command: Command | None = None
    action: str | None = None
    evidence: int = 0
    # Whether its words were kept as a comment.
    commented: bool = False
    # The refused command's first line, for the answer mail.
    asked: str | None = None


def already_read(*, session: Session, message_id: str) -> bool:
    """Whether the mail with this Message-ID was read before (the job's idempotency)."""
    found = session.exec(select(MailReply.id).where(MailReply.message_id == message_id)).first()
    return found is not None


def revoke_reply_tokens(
    *, session: Session, now: datetime, user: User, item_id: int | None = None
) -> ReplyRevocation:
    """Refuse from now on the reply tokens mailed to `user` so far (about `item_id`, or
    every item); later mails carry new ones."""
    row = ReplyRevocation(user_id=user.id or 0, work_item_id=item_id, revoked_at=now)
    session.add(row)
    return row


def apply_reply(
    *, session: Session, now: datetime, settings: Settings, reply: IncomingReply
) -> ReplyOutcome:
    """Check and apply one incoming mail (see the module's docstring); records it once."""
    if already_read(session=session, message_id=reply.message_id):
        return ReplyOutcome("duplicate")
    outcome = _check(session=session, now=now, settings=settings, reply=reply)
    if outcome.outcome != "dropped":
        user = session.get(User, outcome.user_id)
        item = session.get(WorkItem, outcome.item_id)
        assert user is not None and item is not None
        _apply(
            session=session, now=now, settings=settings, reply=reply, user=user, item=item,
            outcome=outcome,
        )  # fmt: skip
    else:
        log.info(
            "mail_reply dropped message_id=%s sender=%s reason=%s",
            reply.message_id,
            reply.sender,
            ",".join(outcome.reasons),
        )
    session.add(
        MailReply(
            message_id=reply.message_id[:255],
            received_at=now,
            sender=reply.sender[:255],
            work_item_id=outcome.item_id,
            user_id=outcome.user_id,
            outcome=outcome.outcome,
            command=outcome.command.value if outcome.command else None,
            action=outcome.action,
            reason=",".join(outcome.reasons) or None,
        )
    )
    session.flush()
    return outcome


def _claim(tokens: tuple[str, ...], settings: Settings) -> ReplyClaim | None:
    secret = settings.secret_key.get_secret_value()
    for token in tokens:
        claim = read_reply_token(token, secret=secret)
        if claim is not None:
            return claim
    return None


def _check(
    *, session: Session, now: datetime, settings: Settings, reply: IncomingReply
) -> ReplyOutcome:
    """The mail dropped with its reason, or accepted with its item and person."""
    if reply.automatic:
        return ReplyOutcome("dropped", ["automatic"])
    claim = _claim(reply.tokens, settings)
    user = session.get(User, claim.user_id) if claim else None
    item = session.get(WorkItem, claim.item_id) if claim else None
    if claim is None or user is None or item is None:
        return ReplyOutcome("dropped", ["bad_token"])
    dropped = ReplyOutcome("dropped", item_id=item.id, user_id=user.id)
    if reply.sender.strip().casefold() != user.email.strip().casefold():
        dropped.reasons.append("wrong_sender")
    elif not user.is_active:
        dropped.reasons.append("inactive")
    elif State(item.state) in CLOSED_STATES:
        dropped.reasons.append("item_closed")
    elif now - claim.issued_at > timedelta(days=settings.mail_reply_token_days):
        dropped.reasons.append("token_expired")
    elif _revoked(session=session, claim=claim):
        dropped.reasons.append("token_revoked")
    elif not reply.text.strip() and not reply.files:
        dropped.reasons.append("empty")  # only the quoted history: nothing was written
    else:
        try:
            get_visible_item(session=session, user=user, item_id=item.id or 0, now=now)
        except WorkflowError:
            dropped.reasons.append("not_visible")
    if dropped.reasons:
        return dropped
    return ReplyOutcome("applied", item_id=item.id, user_id=user.id)


def _revoked(*, session: Session, claim: ReplyClaim) -> bool:
    found = session.exec(
        select(ReplyRevocation.id).where(
            ReplyRevocation.user_id == claim.user_id,
            or_(
                col(ReplyRevocation.work_item_id).is_(None),
                ReplyRevocation.work_item_id == claim.item_id,
            ),
            col(ReplyRevocation.revoked_at) >= claim.issued_at,
        )
    ).first()
    return found is not None


def _apply(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    reply: IncomingReply,
    user: User,
    item: WorkItem,
    outcome: ReplyOutcome,
) -> None:
    item_id = item.id or 0
    before = session.exec(
        select(WorkItemEvent.id).order_by(col(WorkItemEvent.id).desc()).limit(1)
    ).first()
    # Files first: submitting ("Đã xong") needs the evidence they bring.
    for file in reply.files:
        reason = _attach(
            session=session, now=now, settings=settings, user=user, item=item, file=file
        )
        if reason:
            outcome.reasons.append(reason)
        else:
            outcome.evidence += 1
    command = read_command(reply.text, today=local_date(now, tz=settings.timezone))
    outcome.command = command.command
    taken = False
    if command.command != Command.COMMENT:
        refusal = _run(session=session, now=now, user=user, item=item, command=command, out=outcome)
        if refusal:
            outcome.reasons.append(refusal)
            outcome.asked = command.text.splitlines()[0][:200]
        else:
            taken = True
    if not taken and command.text:
        # Plain words, or a command not taken: the words are kept as a comment.
        try:
            with session.begin_nested():
                add_comment(
                    session=session, now=now, actor=user, item_id=item_id, body=command.text
                )
            outcome.commented = True
        except WorkflowError as exc:
            outcome.reasons.append(exc.code or "comment_refused")
    if outcome.reasons:
        outcome.outcome = "refused"
    session.flush()
    _stamp(session=session, item_id=item_id, user=user, after=before, message_id=reply.message_id)


def _attach(
    *,
    session: Session,
    now: datetime,
    settings: Settings,
    user: User,
    item: WorkItem,
    file: ReplyFile,
) -> str | None:
    """Store one attachment as evidence under the upload rules; the refusal's code or None.
    The file and its row are written in one savepoint: a refusal leaves neither."""
    item_id = item.id or 0
    original, key = stored_name(item_id, file.filename or "tep-dinh-kem")
    try:
        content_type = accepted_type(file.content_type, settings=settings)
        data = read_evidence(io.BytesIO(file.data).read, settings=settings)
    except WorkflowError as exc:
        return exc.code or "evidence_refused"
    try:
        with session.begin_nested():
            add_evidence(
                session=session,
                now=now,
                actor=user,
                item_id=item_id,
                filename=original,
                content_type=content_type,
                size_bytes=len(data),
                storage_path=key,
            )
            store_evidence(session=session, now=now, key=key, data=data, content_type=content_type)
    except WorkflowError as exc:
        return "evidence_not_allowed" if exc.status == 403 else (exc.code or "evidence_refused")
    return None


def _run(
    *,
    session: Session,
    now: datetime,
    user: User,
    item: WorkItem,
    command: ReplyCommand,
    out: ReplyOutcome,
) -> str | None:
    """Take the command as the person could on the page; the refusal's code or None."""
    if command.invalid:
        return command.invalid
    item_id = item.id or 0
    note = command.note or None
    try:
        with session.begin_nested():
            if command.command == Command.PROGRESS:
                assert command.percent is not None
                report_progress(
                    session=session, now=now, actor=user, item_id=item_id,
                    percent=command.percent, note=note,
                )  # fmt: skip
                out.action = "progress"
            elif command.command == Command.EXTENSION:
                assert command.due_on is not None
                request_extension(
                    session=session, now=now, actor=user, item_id=item_id,
                    requested_due_on=command.due_on, reason=note or command.text,
                )  # fmt: skip
                out.action = "extension_request"
            else:
                action = _action_for(
                    session=session, now=now, user=user, item=item, command=command
                )
                if action is None:
                    return "not_allowed_now"
                act(
                    session=session,
                    now=now,
                    actor=user,
                    item_id=item_id,
                    action=action,
                    comment=note,
                )
                out.action = action.value
    except WorkflowError as exc:
        if exc.status == 403:
            return "not_allowed_now"
        if exc.status == 409:
            return exc.code if exc.code == "item_closed" else "not_allowed_now"
        return exc.code or "invalid"
    return None


def _action_for(
    *, session: Session, now: datetime, user: User, item: WorkItem, command: ReplyCommand
) -> Action | None:
    """The first of the command's actions the state table lets `user` take now, taking its
    lead-in step first where that makes it possible (`reply_mail.LEAD_IN`)."""
    candidates = COMMAND_ACTIONS[command.command]
    allowed = actions_for(session=session, item=item, actor=user, now=now)
    for action in candidates:
        if action in allowed:
            return action
    for action in candidates:
        first = LEAD_IN.get(action)
        if first is not None and first in allowed:
            rule = rule_for(item.state, first)
            assert rule is not None
            relations = actor_relations(session=session, item=item, actor=user, now=now)
            if action in allowed_actions(rule.target, relations):
                act(session=session, now=now, actor=user, item_id=item.id or 0, action=first)
                return action
    return None


def _stamp(
    *, session: Session, item_id: int, user: User, after: int | None, message_id: str
) -> None:
    """Put the mail's Message-ID in the changes of the events this reply wrote."""
    events = session.exec(
        select(WorkItemEvent).where(
            WorkItemEvent.work_item_id == item_id,
            WorkItemEvent.actor_id == user.id,
            col(WorkItemEvent.id) > (after or 0),
        )
    ).all()
    for event in events:
        event.changes = {**event.changes, "mail": message_id}
        session.add(event)
