"""`planflow mail`: deliver the outbox now, and look after the suppression list.

The suppression list (danh sách chặn) holds addresses a mail server refused for good
(5xx) or that unsubscribed without an account; later mail to them is not sent. An admin
removes an address once its mailbox is fixed.
"""

from __future__ import annotations

import typer

from notifications.delivery import deliver_outbox
from notifications.preferences import list_suppressions, remove_suppression
from notifications.senders import get_sender
from workflow.clock import utc_now
from workflow.db import session_scope
from workflow.errors import NotFound
from workflow.settings import get_settings

app = typer.Typer(help="Outgoing mail (thư đi): delivery and suppressions.", no_args_is_help=True)
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
