"""A real SMTP server on loopback (aiosmtpd) that records what it accepts.

Used by the integration tests and by `bench/outbox.py`. It can be scripted per address:
answer a temporary 4xx a number of times before accepting, or refuse it for good with 5xx.
`python -m tests.smtp_sink` runs it in a process of its own (for benchmarks), printing its
port and answering `count` / `quit` on stdin.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from types import TracebackType
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it (after DATA)."""

    mail_from: str
    rcpt_tos: list[str]
    data: bytes

    def message(self) -> Message:
        """Parse with compat32, as a plain mail client would."""
        return message_from_bytes(self.data, policy=policy.compat32)


@dataclass
class _Script:
    temporary: dict[str, list[str]] = field(default_factory=dict)
    permanent: dict[str, str] = field(default_factory=dict)
    # Answered to every RCPT while set: a fault of the server, not of one address.
    server: str | None = None


class _Handler:
    def __init__(self, sink: SmtpSink) -> None:
        self.sink = sink

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        with self.sink.lock:
            self.sink.rcpt_log.append(address)
            if self.sink.script.server is not None:
                return self.sink.script.server
            queue = self.sink.script.temporary.get(address.lower())
            if queue:
                return queue.pop(0)
            refusal = self.sink.script.permanent.get(address.lower())
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        with self.sink.lock:
            self.sink.ehlos += 1
        session.host_name = hostname
        return responses

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.sink.lock:
            self.sink.count += 1
            if self.sink.record:
                self.sink.received.append(
                    Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
                )
            callback = self.sink.on_accept
        if callback is not None:
            callback()
        return "250 2.0.0 Message accepted"


def free_port() -> int:
    """A port that was free a moment ago on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class SmtpSink:
    """An aiosmtpd server in a background thread; use as a context manager."""

    def __init__(
        self,
        *,
        record: bool = True,
        tls_context: ssl.SSLContext | None = None,
        ssl_context: ssl.SSLContext | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        self.host = "127.0.0.1"
        self.port = free_port()
        self.record = record
        self.received: list[Received] = []
        self.rcpt_log: list[str] = []
        self.count = 0
        self.ehlos = 0
        self.lock = threading.Lock()
        self.script = _Script()
        self.on_accept: Callable[[], None] | None = None
        self.auth_logins: list[str] = []
        kwargs: dict[str, Any] = {}
        if tls_context is not None:
            kwargs["tls_context"] = tls_context
            kwargs["require_starttls"] = True
        if ssl_context is not None:
            kwargs["ssl_context"] = ssl_context
        if credentials is not None:
            kwargs["authenticator"] = self._authenticator(credentials)
            kwargs["auth_required"] = True
            # aiosmtpd only counts TLS it negotiated itself (STARTTLS): behind implicit TLS
            # (ssl_context) it would hide AUTH, although the channel is encrypted throughout.
            kwargs["auth_require_tls"] = tls_context is not None
        self.controller = Controller(_Handler(self), hostname=self.host, port=self.port, **kwargs)

    def _authenticator(self, credentials: tuple[str, str]) -> Callable[..., AuthResult]:
        def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
            ok = (
                isinstance(data, LoginPassword)
                and (data.login.decode(), data.password.decode()) == credentials
            )
            if ok:
                self.auth_logins.append(data.login.decode())
            return AuthResult(success=ok, handled=False)

        return check

    def defer(self, address: str, times: int = 1, reply: str = "451 4.3.0 Try again later") -> None:
        """Answer RCPT for `address` with a temporary failure `times` times, then accept."""
        self.script.temporary.setdefault(address.lower(), []).extend([reply] * times)

    def reject(self, address: str, reply: str = "550 5.1.1 No such user here") -> None:
        """Refuse `address` permanently."""
        self.script.permanent[address.lower()] = reply

    def fail_all(self, reply: str = "554 5.7.1 Relay access denied") -> None:
        """Answer every RCPT with `reply` until `recover()` (a misconfigured relay)."""
        self.script.server = reply

    def recover(self) -> None:
        self.script.server = None

    def to(self, address: str) -> list[Received]:
        """Messages accepted for `address`."""
        with self.lock:
            return [r for r in self.received if address in r.rcpt_tos]

    def __enter__(self) -> SmtpSink:
        self.controller.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.controller.stop()


class SinkProcess:
    """The sink in a child process, so that its CPU time does not share our GIL."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.smtp_sink"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.port = int(self.proc.stdout.readline())
        self.host = "127.0.0.1"

    def count(self) -> int:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("count\n")
        self.proc.stdin.flush()
        return int(self.proc.stdout.readline())

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write("quit\n")
        self.proc.stdin.flush()
        self.proc.wait(timeout=10)


def _serve() -> None:
    with SmtpSink(record=False) as sink:
        print(sink.port, flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(sink.count, flush=True)
            elif line.strip() == "quit":
                break


if __name__ == "__main__":
    _serve()
