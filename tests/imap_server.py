"""A real IMAP server on loopback: Debian's Dovecot (`make imap`), started in a temporary
directory of its own with one static password, for the reply-by-mail tests.

Dovecot refuses to keep mail as root: mail belongs to `nobody`. Under CI=true a missing
Dovecot fails the test (tests.conftest.service_missing) instead of skipping it.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import service_missing

DOVECOT = Path("/usr/sbin/dovecot")
PASSWORD = "reply-box-secret"


@dataclass(frozen=True)
class ImapServer:
    host: str
    port: int
    password: str
    home: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _config(home: Path, port: int) -> str:
    return f"""
base_dir = {home}/run
state_dir = {home}/state
log_path = {home}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{home}/mail/%u
mail_uid = nobody
mail_gid = nogroup
first_valid_uid = 0
default_login_user = nobody
default_internal_user = nobody
default_internal_group = nogroup
passdb {{
  driver = static
  args = password={PASSWORD}
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={home}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
"""


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    """A Dovecot IMAP server on a free loopback port, stopped and removed afterwards."""
    if not DOVECOT.exists():
        service_missing("Dovecot (make imap)", FileNotFoundError(str(DOVECOT)))
    home = Path(tempfile.mkdtemp(prefix="pf-dovecot-"))
    port = _free_port()
    for sub in ("run", "state", "mail"):
        (home / sub).mkdir()
    os.chmod(home, 0o755)
    shutil.chown(home / "mail", "nobody")
    conf = home / "dovecot.conf"
    conf.write_text(_config(home, port))
    proc = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=(home / "stderr.log").open("wb"),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError as exc:
                if proc.poll() is not None or time.monotonic() > deadline:
                    log = (home / "stderr.log").read_text(errors="replace")
                    service_missing(f"Dovecot on port {port}: {log}", exc)
                time.sleep(0.1)
        yield ImapServer("127.0.0.1", port, PASSWORD, home)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        shutil.rmtree(home, ignore_errors=True)
