"""The real directory servers the sign-in tests start: Debian's OpenLDAP `slapd` with the
test tree (deploy/directory/slapd.sh; `make ldap`) and the certified `oidc-provider` on Node
(deploy/directory/oidc-provider.mjs; `make oidc`), each on a free loopback port for the
life of a test module. A missing server skips locally and fails under CI=true
(`tests.conftest.service_missing`)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, service_missing

DIRECTORY = ROOT / "deploy" / "directory"
BASE_DN = "dc=sonoivu,dc=example,dc=vn"
SERVICE_DN = f"cn=planflow,ou=services,{BASE_DN}"
SERVICE_PASSWORD = "service-test-only"  # test-tree.ldif
OIDC_CLIENT_ID = "planflow"
OIDC_CLIENT_SECRET = "planflow-test-secret-0123456789"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_for(proc: subprocess.Popen[bytes], port: int, log: Path, what: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"{what} exited ({proc.returncode}): {log.read_text()[-2000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"{what} did not listen on {port} within 30 s: {log.read_text()[-2000:]}")


@contextmanager
def _running(
    cmd: list[str], *, port: int, log: Path, what: str, env: dict[str, str]
) -> Iterator[None]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
    try:
        _wait_for(proc, port, log, what)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def running_slapd(workdir: Path) -> Iterator[str]:
    """slapd with the test tree on a loopback port; yields its ldap:// URL."""
    if not (Path("/usr/sbin/slapd").exists() and Path("/usr/sbin/slapadd").exists()):
        service_missing("OpenLDAP slapd (make ldap)", FileNotFoundError("/usr/sbin/slapd"))
    port = free_port()
    with _running(
        ["bash", str(DIRECTORY / "slapd.sh"), str(workdir / "slapd"), str(port)],
        port=port,
        log=workdir / "slapd.log",
        what="slapd",
        env=dict(os.environ),
    ):
        yield f"ldap://127.0.0.1:{port}"


def ldap_env(url: str) -> dict[str, str]:
    """The settings that turn LDAP sign-in on against the test tree."""
    return {
        "PLANFLOW_LDAP_ENABLED": "true",
        "PLANFLOW_LDAP_URL": url,
        "PLANFLOW_LDAP_BASE_DN": f"ou=people,{BASE_DN}",
        "PLANFLOW_LDAP_BIND_DN": SERVICE_DN,
        "PLANFLOW_LDAP_BIND_PASSWORD": SERVICE_PASSWORD,
        "PLANFLOW_LDAP_DISABLED_FILTER": "(pwdAccountLockedTime=*)",
        "PLANFLOW_LDAP_TIMEOUT_SECONDS": "5",
    }


@contextmanager
def running_oidc_provider(workdir: Path, *, redirect_uris: list[str]) -> Iterator[str]:
    """oidc-provider on a loopback port accepting `redirect_uris`; yields its issuer URL."""
    node = shutil.which("node")
    if node is None or not (DIRECTORY / "node_modules" / "oidc-provider").is_dir():
        service_missing(
            "the OpenID provider (Node.js and `make oidc`)",
            FileNotFoundError(str(DIRECTORY / "node_modules" / "oidc-provider")),
        )
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CLIENT_ID": OIDC_CLIENT_ID,
        "CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "REDIRECT_URIS": ",".join(redirect_uris),
    }
    with _running(
        [str(node), str(DIRECTORY / "oidc-provider.mjs")],
        port=port,
        log=workdir / "oidc-provider.log",
        what="oidc-provider",
        env=env,
    ):
        yield f"http://127.0.0.1:{port}"


def oidc_env(issuer: str, *, base_url: str) -> dict[str, str]:
    """The settings that turn OpenID Connect sign-in on against the test provider."""
    return {
        "PLANFLOW_OIDC_ENABLED": "true",
        "PLANFLOW_OIDC_ISSUER": issuer,
        "PLANFLOW_OIDC_CLIENT_ID": OIDC_CLIENT_ID,
        "PLANFLOW_OIDC_CLIENT_SECRET": OIDC_CLIENT_SECRET,
        "PLANFLOW_OIDC_NAME": "Cổng một cửa",
        "PLANFLOW_BASE_URL": base_url,
    }
