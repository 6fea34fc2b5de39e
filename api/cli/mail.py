"""`planflow mail`: deliver the outbox now, see how it stands, send failed mail again, and
look after the suppression list.

The suppression list (danh sách chặn) holds addresses a mail server refused for good
(5xx) or that unsubscribed without an account; later mail to them is not sent. An admin
removes an address once its mailbox is fixed.
"""

from __future__ import annotations

import sys

import typer

from notifications.delivery import deliver_outbox
from notifications.operations import requeue
from notifications.preferences import list_suppressions, remove_suppression
from notifications.senders import get_sender
from notifications.stats import outbox_stats
from workflow.clock import ensure_utc, utc_now
from workflow.db import session_scope
from workflow.errors import NotFound
from workflow.settings import get_settings

app = typer.Typer(
    help="Outgoing mail (thư đi): delivery, status, re-queueing and suppressions.",
    no_args_is_help=True,
)
suppressions = typer.Typer(help="Addresses mail is not sent to.", no_args_is_help=True)
app.add_typer(suppressions, name="suppressions")


@app.command()
def deliver(
    batch_size: int | None = typer.Option(None, help="Rows per batch (default: setting)."),
) -> None:
    """Run one delivery now: compose due digests, send every due row, print the counts."""
    settings = get_settings()
    with session_scope() as session:
        result = deliver_outbox(
            session=session,
            now=utc_now(),
            sender=get_sender(settings),
            batch_size=batch_size,
            settings=settings,
        )
    typer.echo(
        f"deliver: relayed={result.relayed} digests={result.digests} claimed={result.claimed} "
        f"sent={result.sent} "
        f"retried={result.retried} failed={result.failed} suppressed={result.suppressed} "
        f"batches={result.batches} seconds={result.seconds:.3f}"
    )


@suppressions.command("list")
def list_() -> None:
    """Every suppressed address, newest first: when, and the server's reason."""
    with session_scope() as session:
        rows = [(s.email, s.created_at, s.reason) for s in list_suppressions(session=session)]
    if not rows:
        typer.echo("no suppressed addresses")
    for email, created, reason in rows:
        typer.echo(f"{email}\t{created:%Y-%m-%d %H:%M} UTC\t{' '.join(reason.split())}")


@suppressions.command("remove")
def remove(email: str = typer.Argument(..., help="The address to send to again.")) -> None:
    """Take EMAIL off the list (its mailbox works again); exit 2 if it is not there."""
    with session_scope() as session:
        if not remove_suppression(session=session, email=email):
            raise NotFound(f"{email} is not on the suppression list")
    typer.echo(f"removed {email.lower()}")


@app.command()
def status() -> None:
    """The outbox by state, the oldest waiting mail and the mail alarm; exit 1 while the
    mail server is failing (an alarm is open), for monitoring scripts."""
    now = utc_now()
    with session_scope() as session:
        stats = outbox_stats(session=session, now=now)
        alarm = stats.alarm
        line = " ".join(f"{k}={v}" for k, v in stats.counts.items())
        typer.echo(f"outbox: {line} suppressed_addresses={stats.suppressed_addresses}")
        if stats.oldest_pending_at is not None:
            typer.echo(
                f"oldest pending: {stats.oldest_pending_at:%Y-%m-%d %H:%M} UTC "
                f"({int(stats.oldest_pending_seconds or 0) // 60} min ago)"
            )
        if alarm is None:
            typer.echo("mail alarm: none")
            return
        since = ensure_utc(alarm.raised_at)
        typer.echo(f"mail alarm: open since {since:%Y-%m-%d %H:%M} UTC: {alarm.last_error}")
    sys.exit(1)


@app.command()
def retry(
    ids: list[int] = typer.Option([], "--id", help="A mail's id (repeatable)."),
    recipient: str | None = typer.Option(None, help="Every failed mail to this address."),
    all_failed: bool = typer.Option(False, "--all-failed", help="Every failed mail."),
) -> None:
    """Send failed (or suppressed) mail again once its cause is fixed: back to the queue,
    due now, to the account's current address, the address taken off the suppression
    list. A mail already re-queued is not queued twice. Then `planflow mail deliver` or
    the scheduler sends it."""
    with session_scope() as session:
        done = requeue(
            session=session, now=utc_now(), ids=ids, recipient=recipient, all_failed=all_failed
        )
    for row_id, address in done.readdressed.items():
        typer.echo(f"mail {row_id}: now to {address}")
    for address in done.unsuppressed:
        typer.echo(f"removed {address} from the suppression list")
    typer.echo(f"re-queued {len(done.ids)} mail(s)" + (f": {done.ids}" if done.ids else ""))


@app.command("revoke-replies")
def revoke_replies(
    username: str = typer.Argument(..., help="Whose reply tokens to refuse from now on."),
    item: int | None = typer.Option(None, help="Only the tokens about this work item."),
) -> None:
    """Refuse the reply-by-mail tokens mailed to USERNAME so far (a lost phone, a mailbox
    someone else reads); mails sent from now on carry new ones."""
    from sqlmodel import select

    from workflow.models import User, WorkItem
    from workflow.services.mail_replies import revoke_reply_tokens

    with session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise NotFound(f"no user {username!r}")
        if item is not None and session.get(WorkItem, item) is None:
            raise NotFound(f"work item {item} not found")
        revoke_reply_tokens(session=session, now=utc_now(), user=user, item_id=item)
    scope = f"work item {item}" if item is not None else "every work item"
    typer.echo(f"revoked: reply tokens of {username} about {scope}")
