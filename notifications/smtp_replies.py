"""What an SMTP answer means for one outbox row: the one place that reads reply codes.

RFC 5321 gives the reply code (2xx done, 4xx try again, 5xx do not repeat as is) and
RFC 3463 the enhanced status code after it (class.subject.detail). Only the subject tells
*whose* problem it is: X.1.x addressing and X.2.x mailbox are about the recipient, X.6.x
media and X.3.4 size about this message, everything else (X.3 mail system, X.4 network
and routing, X.5 protocol, X.7 security and policy: relay denied, authentication) about
the server or our own configuration. A fault of the server or of our configuration must
never fail a mail: the mail waits with backoff and the outbox raises an alarm
(docs/decisions/0018-mail-faults.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal


class Fault(StrEnum):
    """Whose problem an unsuccessful attempt was, which decides what happens to the row."""

    NONE = "none"  # accepted
    RECIPIENT = "recipient"  # this address, for good (5.1.x, 5.2.x): failed, suppressed
    RECIPIENT_TEMPORARY = "recipient_temporary"  # this mailbox, for now (4.1.x, 4.2.x)
    MESSAGE = "message"  # this message as it is (5.6.x, 5.3.4, unrenderable): failed
    SERVER = "server"  # the server or our configuration: pending with backoff, alarm


@dataclass(frozen=True)
class Outcome:
    """The server's answer to one message."""

    accepted: bool
    fault: Fault = Fault.SERVER
    error: str = ""

    @property
    def permanent(self) -> bool:
        """The row fails now: retrying the same mail cannot help."""
        return self.fault in (Fault.RECIPIENT, Fault.MESSAGE)

    @property
    def recipient_refused(self) -> bool:
        """The address goes on the suppression list."""
        return self.fault is Fault.RECIPIENT


ACCEPTED = Outcome(accepted=True, fault=Fault.NONE)


def server_fault(error: str) -> Outcome:
    """The server could not be used (unreachable, timed out, refused our login...)."""
    return Outcome(accepted=False, fault=Fault.SERVER, error=error)


def message_fault(error: str) -> Outcome:
    """This mail cannot be sent as it is (bad address syntax, render error)."""
    return Outcome(accepted=False, fault=Fault.MESSAGE, error=error)


Stage = Literal["mail", "rcpt", "data", "message"]
_ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})\b")
# Reply codes RFC 5321 defines for RCPT about the mailbox itself, when no enhanced code says
# more: 550 mailbox unavailable, 551 user not local, 553 mailbox name not allowed; 450
# mailbox unavailable for now.
_RCPT_MAILBOX = frozenset({550, 551, 553})


def enhanced_code(reply: str) -> tuple[int, int, int] | None:
    """The RFC 3463 status code at the start of a reply text, if the server gave one."""
    found = _ENHANCED.match(reply)
    if found is None:
        return None
    return int(found.group(1)), int(found.group(2)), int(found.group(3))


def classify(code: int, reply: bytes | str, *, stage: Stage) -> Outcome:
    """The outcome of a reply `code` to MAIL FROM, RCPT TO, DATA or the message's final dot.

    Anything not clearly about the recipient or the message is the server's (or our
    configuration's) fault: when in doubt, a mail waits rather than being lost.
    """
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    error = f"{code} {' '.join(text.split())}".strip()
    if 200 <= code < 400:
        return ACCEPTED
    enhanced = enhanced_code(text)
    subject = enhanced[1] if enhanced is not None else None
    if code == 421 or stage == "mail" or not 400 <= code < 600:
        # 421: the service is closing; MAIL FROM refused: our sender address or relay rights.
        return server_fault(error)
    permanent = code >= 500
    if stage in ("rcpt", "message") and subject in (1, 2):
        # Some servers only judge the recipient after the data: the same verdict.
        return Outcome(False, Fault.RECIPIENT if permanent else Fault.RECIPIENT_TEMPORARY, error)
    if stage == "rcpt" and subject is None:
        if permanent and code in _RCPT_MAILBOX:
            return Outcome(False, Fault.RECIPIENT, error)
        if code == 450:
            return Outcome(False, Fault.RECIPIENT_TEMPORARY, error)
    # 5.6.x media, 5.3.4 too big, or a bare 552 (storage exceeded) after the data.
    about_message = subject == 6 or enhanced == (5, 3, 4) or (subject is None and code == 552)
    if permanent and stage in ("data", "message") and about_message:
        return message_fault(error)
    return server_fault(error)
