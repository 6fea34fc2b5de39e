"""SMTP sender: one reused connection per batch, replies read by `notifications.smtp_replies`.

smtplib on one connection was measured against aiosmtplib in bench/outbox.py: the outbox
overhead is in rendering and the database, not the wire, so the simpler blocking client
stays (see docs/decisions/0005-outbox-delivery.md).
"""

from __future__ import annotations

import base64
import re
import smtplib
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache

from notifications.message import OutgoingMail
from notifications.smtp_replies import ACCEPTED, Outcome, classify, message_fault, server_fault
from workflow.settings import Settings

_LEADING_DOT = re.compile(rb"^\.", re.MULTILINE)
# smtplib's own quoting (it parses the address each time: about 30 µs, twice per mail).
_path = lru_cache(maxsize=4096)(smtplib.quoteaddr)


def _login(conn: smtplib.SMTP, username: str, password: str) -> None:
    """AUTH; a non-ASCII password (common with Vietnamese diacritics) goes as UTF-8 PLAIN.

    smtplib encodes credentials as ASCII and raises UnicodeEncodeError otherwise; SASL
    PLAIN is defined over UTF-8 (RFC 4616), so that case is sent by hand.
    """
    if username.isascii() and password.isascii():
        conn.login(username, password)
        return
    offered = conn.esmtp_features.get("auth", "").upper().split()
    if "PLAIN" not in offered:
        raise smtplib.SMTPNotSupportedError("no AUTH PLAIN offered for non-ASCII credentials")
    secret = b"\0" + username.encode("utf-8") + b"\0" + password.encode("utf-8")
    code, reply = conn.docmd("AUTH", "PLAIN " + base64.b64encode(secret).decode("ascii"))
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


class SmtpBatch:
    """One connection, opened on the first message, reopened once after a disconnect."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: smtplib.SMTP | None = None
        self.broken: str | None = None

    def _tls_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.settings.smtp_ca_file)

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        conn: smtplib.SMTP
        if s.smtp_security == "ssl":
            conn = smtplib.SMTP_SSL(
                s.smtp_host,
                s.smtp_port,
                timeout=s.smtp_timeout_seconds,
                context=self._tls_context(),
            )
        else:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
        try:
            conn.ehlo()
            if s.smtp_security == "starttls":
                conn.starttls(context=self._tls_context())
                conn.ehlo()
            if s.smtp_username:
                password = s.smtp_password.get_secret_value() if s.smtp_password else ""
                _login(conn, s.smtp_username, password)
        except BaseException:
            conn.close()
            raise
        return conn

    def _drop(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def send(
        self,
        mail: OutgoingMail,
        meanwhile: Callable[[], None] | None = None,
        ready: Callable[[], None] | None = None,
    ) -> Outcome:
        if self.broken is not None:
            # The server was unreachable a moment ago: defer without a timeout per message.
            return server_fault(self.broken)
        if self.conn is None:
            try:
                self.conn = self._connect()
            except smtplib.SMTPAuthenticationError as exc:
                self.broken = f"authentication failed: {exc.smtp_code} {exc.smtp_error!r}"
                return server_fault(self.broken)
            except (OSError, smtplib.SMTPException, ValueError) as exc:
                # ValueError covers a misconfiguration smtplib rejects before sending.
                self.broken = f"connect {self.settings.smtp_host}:{self.settings.smtp_port}: {exc}"
                return server_fault(self.broken)
        try:
            return self._transaction(self.conn, mail, meanwhile, ready)
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            return server_fault(f"connection lost: {exc}")

    def _transaction(
        self,
        conn: smtplib.SMTP,
        mail: OutgoingMail,
        meanwhile: Callable[[], None] | None,
        ready: Callable[[], None] | None = None,
    ) -> Outcome:
        """MAIL, RCPT, DATA as `smtplib.sendmail` does them, with a pause before the verdict.

        Written out so that `meanwhile` runs while the server processes the message: the
        caller renders the next mail instead of idling (docs/decisions/0005); and so that
        `ready` runs after RCPT, before DATA: the caller's commit of the previous message
        overlaps this envelope, and the message is only sent once that commit is done
        (decision 0028). An error from `ready` abandons the transaction (RSET).
        """
        if "\r" in mail.recipient or "\n" in mail.recipient:
            # smtplib would quietly parse it into some other address: refuse the row.
            return message_fault("bad address: line break in address")
        data = mail.data if mail.data.endswith(b"\r\n") else mail.data + b"\r\n"
        options = f" SIZE={len(data)}" if conn.has_extn("size") else ""
        code, reply = conn.docmd("mail", f"FROM:{_path(mail.envelope_from)}{options}")
        if code != 250:
            self._abandon(conn, code)
            # MAIL FROM refused is our configuration, not this message: keep retrying.
            return classify(code, reply, stage="mail")
        code, reply = conn.docmd("rcpt", f"TO:{_path(mail.recipient)}")
        if code not in (250, 251):
            self._abandon(conn, code)
            return classify(code, reply, stage="rcpt")
        if ready is not None:
            try:
                ready()
            except BaseException:
                self._abandon(conn, 0)
                raise
        code, reply = conn.docmd("data")
        if code != 354:
            self._abandon(conn, code)
            return classify(code, reply, stage="data")
        # Lines starting with "." are doubled (RFC 5321 4.5.2); the data already ends in CRLF.
        conn.send(_LEADING_DOT.sub(b"..", data) + b".\r\n")
        if meanwhile is not None:
            meanwhile()
        code, reply = conn.getreply()
        if code != 250:
            self._abandon(conn, code)
            return classify(code, reply, stage="message")
        return ACCEPTED

    def _abandon(self, conn: smtplib.SMTP, code: int) -> None:
        """End a refused transaction: RSET, or drop the connection the server is closing."""
        if code == 421:
            self._drop()
            return
        try:
            conn.rset()
        except (OSError, smtplib.SMTPException):
            self._drop()

    def close(self) -> None:
        if self.conn is not None:
            with suppress(OSError, smtplib.SMTPException):
                self.conn.quit()
            self._drop()


class SmtpSender:
    """Sends through the configured server (STARTTLS, SMTPS, AUTH from settings)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @contextmanager
    def batch(self) -> Iterator[SmtpBatch]:
        batch = SmtpBatch(self.settings)
        try:
            yield batch
        finally:
            batch.close()
