"""SMTP replies read as RFC 5321 / RFC 3463 say: whose fault, and so what happens to a mail."""

from __future__ import annotations

import pytest

from notifications.smtp_replies import Fault, Stage, classify

CASES: list[tuple[int, str, Stage, Fault]] = [
    (250, "2.1.5 OK", "rcpt", Fault.NONE),
    # the recipient, for good: fail and suppress
    (550, "5.1.1 <a@b.vn>: Recipient address rejected: User unknown", "rcpt", Fault.RECIPIENT),
    (550, "No such user here", "rcpt", Fault.RECIPIENT),
    (553, "mailbox name not allowed", "rcpt", Fault.RECIPIENT),
    (551, "User not local", "rcpt", Fault.RECIPIENT),
    (552, "5.2.2 Mailbox full", "rcpt", Fault.RECIPIENT),
    (550, "5.1.1 user unknown (judged after the data)", "message", Fault.RECIPIENT),
    # the recipient, for now: retried until the give-up time
    (450, "4.2.1 Mailbox busy", "rcpt", Fault.RECIPIENT_TEMPORARY),
    (450, "mailbox unavailable", "rcpt", Fault.RECIPIENT_TEMPORARY),
    # this message: failed, the address kept
    (554, "5.6.0 Message content rejected", "message", Fault.MESSAGE),
    (552, "5.3.4 Message size exceeds fixed limit", "message", Fault.MESSAGE),
    (552, "Requested mail action aborted: exceeded storage allocation", "message", Fault.MESSAGE),
    # the server or our configuration: wait, alarm
    (554, "5.7.1 <a@b.vn>: Relay access denied", "rcpt", Fault.SERVER),
    (550, "5.7.1 Client host rejected: cannot find your hostname", "rcpt", Fault.SERVER),
    (530, "5.7.0 Authentication required", "mail", Fault.SERVER),
    (530, "5.7.0 Must issue a STARTTLS command first", "rcpt", Fault.SERVER),
    (550, "5.1.0 <planflow@x.vn>: Sender address rejected", "mail", Fault.SERVER),
    (451, "4.3.0 Try again later", "rcpt", Fault.SERVER),
    (421, "4.3.2 Service shutting down", "rcpt", Fault.SERVER),
    (452, "4.3.1 Insufficient system storage", "rcpt", Fault.SERVER),
    (554, "5.3.0 Mail system misconfigured", "message", Fault.SERVER),
    (554, "Transaction failed", "message", Fault.SERVER),
    (500, "5.5.1 Command unrecognized", "data", Fault.SERVER),
    (554, "5.4.6 Routing loop detected", "rcpt", Fault.SERVER),
    (999, "nonsense", "rcpt", Fault.SERVER),
]


@pytest.mark.parametrize(("code", "text", "stage", "fault"), CASES)
def test_reply_classified(code: int, text: str, stage: Stage, fault: Fault) -> None:
    outcome = classify(code, text.encode(), stage=stage)
    assert outcome.fault is fault
    assert outcome.accepted is (fault is Fault.NONE)
    assert outcome.recipient_refused is (fault is Fault.RECIPIENT)
    assert outcome.permanent is (fault in (Fault.RECIPIENT, Fault.MESSAGE))
    if fault is not Fault.NONE:
        assert outcome.error.startswith(str(code))
