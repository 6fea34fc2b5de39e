"""Mail senders: SMTP for production, a maildir for the embedded default.

A sender opens a `batch()` (one reused connection for SMTP) and answers each `send()`
with an `Outcome`; it never raises for a message, so one bad row cannot stop a batch.
`send(mail, meanwhile=f)` calls `f()` once the message is on the wire, before waiting for
the server's verdict: the caller prepares the next message while the server works.
`send(mail, ready=g)` calls `g()` before the message can be delivered (SMTP: after RCPT,
before DATA): the caller finishes recording the previous message meanwhile, and an error
from `g()` abandons this message unsent and is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from notifications.message import OutgoingMail
from notifications.smtp_replies import ACCEPTED, Fault, Outcome, message_fault, server_fault
from workflow.settings import Settings

__all__ = [
    "ACCEPTED",
    "Batch",
    "Fault",
    "Outcome",
    "Sender",
    "get_sender",
    "message_fault",
    "server_fault",
]


class Batch(Protocol):
    def send(
        self,
        mail: OutgoingMail,
        meanwhile: Callable[[], None] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> Outcome:
        """Send one message; `meanwhile` (which must not raise) and `ready` may be skipped
        on errors."""
        ...


class Sender(Protocol):
    def batch(self) -> AbstractContextManager[Batch]: ...


def get_sender(settings: Settings) -> Sender:
    """The configured sender: maildir (embedded default) or SMTP."""
    if settings.mail_backend == "smtp":
        from notifications.senders.smtp import SmtpSender

        return SmtpSender(settings)
    from notifications.senders.maildir import MaildirSender

    return MaildirSender(settings.var_dir / "mail")
