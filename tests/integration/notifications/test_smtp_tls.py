"""STARTTLS, SMTPS and AUTH against a real aiosmtpd server with a throwaway certificate.

The certificate is made at test time with the `openssl` command (self-signed, for
127.0.0.1) and trusted through the `smtp_ca_file` setting, as an agency would trust its
own mail server's CA.
"""

from __future__ import annotations

import re
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from datetime import datetime
from email.header import decode_header, make_header
from pathlib import Path

import pytest
from sqlmodel import Session, col, select

from notifications.delivery import DeliveryResult, deliver_outbox
from notifications.models import Notification
from notifications.outbox import enqueue
from notifications.senders.smtp import SmtpSender
from tests.conftest import service_missing
from tests.integration.notifications.conftest import make_settings, reminder_context
from tests.smtp_sink import SmtpSink
from workflow.models.org import User
from workflow.settings import Settings

# A Vietnamese password travels as UTF-8 AUTH PLAIN; an ASCII one through smtplib's login.
LOGIN = ("planflow", "mật-khẩu-thử-nghiệm")
ASCII_LOGIN = ("planflow", "ascii-secret-42")
# Our sink behind implicit TLS cannot tell aiosmtpd that the channel is encrypted.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(certificate, key) for 127.0.0.1, valid for a day."""
    openssl = shutil.which("openssl")
    if openssl is None:
        service_missing("openssl", FileNotFoundError("openssl"))
        raise AssertionError("unreachable")
    folder = tmp_path_factory.mktemp("tls")
    crt, key = folder / "server.crt", folder / "server.key"
    subprocess.run(
        [
            openssl,
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
            "-keyout",
            str(key),
            "-out",
            str(crt),
        ],
        check=True,
        capture_output=True,
    )
    return crt, key


def _server_context(cert: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert[0]), str(cert[1]))
    return context


@pytest.fixture
def starttls_sink(cert: tuple[Path, Path]) -> Iterator[SmtpSink]:
    """STARTTLS required before MAIL; AUTH required, and only over TLS."""
    with SmtpSink(tls_context=_server_context(cert), credentials=LOGIN) as server:
        yield server


@pytest.fixture
def smtps_sink(cert: tuple[Path, Path]) -> Iterator[SmtpSink]:
    """TLS from the first byte (port-465 style), AUTH required."""
    with SmtpSink(ssl_context=_server_context(cert), credentials=ASCII_LOGIN) as server:
        yield server


def _queue(session: Session, user: User, now: datetime, settings: Settings, n: int = 2) -> None:
    for i in range(n):
        enqueue(
            session=session,
            kind="reminder",
            recipient=user,
            context=reminder_context(user, item_id=100 + i, now=now),
            dedup_key=f"reminder:tls:{i}",
            now=now,
            settings=settings,
        )


def _deliver(session: Session, now: datetime, settings: Settings) -> DeliveryResult:
    return deliver_outbox(session=session, now=now, sender=SmtpSender(settings), settings=settings)


def _errors(session: Session) -> set[str | None]:
    query = select(Notification.last_error).where(
        col(Notification.dedup_key).startswith("reminder:tls:")
    )
    return set(session.exec(query))


def test_starttls_with_auth_delivers(
    session: Session,
    users: dict[str, User],
    starttls_sink: SmtpSink,
    cert: tuple[Path, Path],
    now: datetime,
) -> None:
    settings = make_settings(
        smtp_host=starttls_sink.host,
        smtp_port=starttls_sink.port,
        smtp_security="starttls",
        smtp_ca_file=str(cert[0]),
        smtp_username=LOGIN[0],
        smtp_password=LOGIN[1],
    )
    linh = users["cchc.linh"]
    _queue(session, linh, now, settings)
    result = _deliver(session, now, settings)
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    assert starttls_sink.auth_logins == [LOGIN[0]]  # one login for the batch's connection
    assert len(starttls_sink.to(linh.email)) == 2


def test_smtps_with_auth_delivers(
    session: Session,
    users: dict[str, User],
    smtps_sink: SmtpSink,
    cert: tuple[Path, Path],
    now: datetime,
) -> None:
    settings = make_settings(
        smtp_host=smtps_sink.host,
        smtp_port=smtps_sink.port,
        smtp_security="ssl",
        smtp_ca_file=str(cert[0]),
        smtp_username=ASCII_LOGIN[0],
        smtp_password=ASCII_LOGIN[1],
    )
    linh = users["cchc.linh"]
    _queue(session, linh, now, settings)
    result = _deliver(session, now, settings)
    assert (result.sent, result.retried, result.failed) == (2, 0, 0)
    assert smtps_sink.auth_logins == [ASCII_LOGIN[0]]
    [first, _] = smtps_sink.to(linh.email)
    subject = str(make_header(decode_header(str(first.message()["Subject"]))))
    assert re.fullmatch(r"Báo cáo kết quả CCHC quý I \(#\d+\)", subject)


def test_wrong_password_defers_the_batch(
    session: Session,
    users: dict[str, User],
    starttls_sink: SmtpSink,
    cert: tuple[Path, Path],
    now: datetime,
) -> None:
    settings = make_settings(
        smtp_host=starttls_sink.host,
        smtp_port=starttls_sink.port,
        smtp_security="starttls",
        smtp_ca_file=str(cert[0]),
        smtp_username=LOGIN[0],
        smtp_password="sai-mật-khẩu",
    )
    _queue(session, users["cchc.linh"], now, settings)
    result = _deliver(session, now, settings)
    assert (result.sent, result.retried, result.failed) == (0, 2, 0)
    [error] = _errors(session)
    assert error is not None and error.startswith("authentication failed: 535")
    assert starttls_sink.count == 0


def test_untrusted_certificate_is_refused(
    session: Session, users: dict[str, User], starttls_sink: SmtpSink, now: datetime
) -> None:
    # No smtp_ca_file: the system's CAs do not know our self-signed certificate.
    settings = make_settings(
        smtp_host=starttls_sink.host,
        smtp_port=starttls_sink.port,
        smtp_security="starttls",
        smtp_username=LOGIN[0],
        smtp_password=LOGIN[1],
    )
    _queue(session, users["cchc.linh"], now, settings)
    result = _deliver(session, now, settings)
    assert (result.sent, result.retried) == (0, 2)
    [error] = _errors(session)
    assert error is not None and "CERTIFICATE_VERIFY_FAILED" in error
    assert starttls_sink.auth_logins == [] and starttls_sink.count == 0


def test_plain_client_is_refused_by_a_starttls_server_and_retries(
    session: Session, users: dict[str, User], starttls_sink: SmtpSink, now: datetime
) -> None:
    # A configuration mistake (security "none"), not a bad message: retried, never failed.
    settings = make_settings(smtp_host=starttls_sink.host, smtp_port=starttls_sink.port)
    _queue(session, users["cchc.linh"], now, settings)
    result = _deliver(session, now, settings)
    assert (result.sent, result.retried, result.failed) == (0, 2, 0)
    assert all(e is not None and e.startswith("530") for e in _errors(session))
