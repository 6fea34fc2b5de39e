"""The deployment files say what the code can do: compose and the Dockerfile run real
`planflow` commands from the locked install as a non-root user, and the systemd units pass
`systemd-analyze verify` without a warning."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from typer.main import get_command

from api.cli import app
from tests.conftest import ROOT, service_missing

DEPLOY = ROOT / "deploy"
PLANFLOW_SERVICES = {"migrate", "api", "scheduler", "worker"}


def _is_planflow_command(argv: list[str]) -> bool:
    """`planflow sub [sub] --options` names a command the CLI has, with options it takes."""
    assert argv[0] == "planflow", argv
    cmd: Any = get_command(app)
    words = [w for w in argv[1:] if not w.startswith("-")]
    for word in words:
        if not hasattr(cmd, "commands") or word not in cmd.commands:
            break
        cmd = cmd.commands[word]
    options = {o for p in cmd.params for o in getattr(p, "opts", [])}
    given = {w.split("=")[0] for w in argv[1:] if w.startswith("--")}
    return not hasattr(cmd, "commands") and given <= options


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text("utf-8"))
    return data


def test_compose_runs_real_commands_in_distributed_mode() -> None:
    compose = _compose()
    services = compose["services"]
    assert set(services) >= PLANFLOW_SERVICES
    for name in PLANFLOW_SERVICES:
        service = services[name]
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert _is_planflow_command(service["command"]), (name, service["command"])
        env = service["environment"]
        assert env["PLANFLOW_MODE"] == "distributed"
        assert env["PLANFLOW_DATABASE_URL"].startswith("postgresql+psycopg://")
        # Evidence, reports and the metrics directory are shared by every planflow process.
        assert f"planflow-var:{env['PLANFLOW_VAR_DIR']}" in service["volumes"]
        for dependency in service.get("depends_on", {}):
            assert dependency in services, (name, dependency)
    # The check itself refuses what the CLI would refuse.
    assert not _is_planflow_command(["planflow", "wroker"])
    assert not _is_planflow_command(["planflow", "worker", "--concurency", "2"])
    assert services["scheduler"]["deploy"]["replicas"] == 2  # a leader and a standby
    assert services["api"]["depends_on"]["migrate"] == {
        "condition": "service_completed_successfully"
    }
    probe = " ".join(services["api"]["healthcheck"]["test"])
    assert "/readyz" in probe
    named = {v.split(":")[0] for s in services.values() for v in s.get("volumes", [])}
    assert named <= set(compose["volumes"])


def test_compose_postgres_matches_the_image_pg_dump() -> None:
    # pg_dump refuses a server of a newer major version than its own (Debian 12: 15).
    image = _compose()["services"]["postgres"]["image"]
    assert image == "postgres:15"
    assert "FROM python:3.11-slim" in (DEPLOY / "Dockerfile").read_text("utf-8")


def test_dockerfile_is_multi_stage_locked_and_non_root() -> None:
    text = (DEPLOY / "Dockerfile").read_text("utf-8")
    stages = re.findall(r"^FROM (\S+)(?: AS (\w+))?", text, re.M)
    assert [name for _, name in stages] == ["htmx", "build", ""]
    build, runtime = text.split("\nFROM ", 3)[2:]
    assert "--require-hashes -r requirements/runtime.lock" in build
    assert "--no-deps" in build
    assert "COPY --from=build" in runtime
    users = re.findall(r"^USER (\S+)", runtime, re.M)
    assert users and not users[-1].startswith(("root", "0"))
    for source in re.findall(r"^COPY (?!--from)(\S+)", text, re.M):
        assert (ROOT / source).exists(), source
    cmd = re.findall(r"^CMD \[(.*)\]", runtime, re.M)[-1]
    assert _is_planflow_command([w.strip().strip('"') for w in cmd.split(",")])


def test_systemd_units_verify(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        # Fails under CI=true, skips only locally (the one rule in tests/conftest.py).
        service_missing("systemd-analyze (apt-get install systemd)", FileNotFoundError(analyze))
    planflow = Path(sys.executable).parent / "planflow"
    assert planflow.exists()
    env = tmp_path / "env"
    env.write_text("PLANFLOW_MODE=distributed\n")
    units = []
    for unit in sorted((DEPLOY / "systemd").glob("*.service")):
        text = unit.read_text("utf-8")
        # The units' paths as installed (docs/operations.md), here pointing at this checkout.
        assert "/opt/planflow/.venv/bin/planflow" in text
        text = text.replace("/opt/planflow/.venv/bin/planflow", str(planflow))
        text = text.replace("/opt/planflow", str(ROOT)).replace("/etc/planflow/env", str(env))
        (tmp_path / unit.name).write_text(text)
        name = unit.name.replace("@.service", "@1.service")
        units.append(str(tmp_path / name))
        [exec_start] = re.findall(r"^ExecStart=\S+ (.*)$", text, re.M)
        assert _is_planflow_command(["planflow", *exec_start.replace("%%H", "h").split()])
    done = subprocess.run(
        [analyze, "verify", "--man=no", *units], capture_output=True, text=True, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "", done.stderr  # unknown keys are only warnings


def test_the_image_gets_the_htmx_the_makefile_pins() -> None:
    """One htmx version for `make install` and the image; the image puts it where the pages
    load it (api/static/vendor/htmx.min.js)."""
    makefile = re.search(r"^HTMX_VERSION := (\S+)", (ROOT / "Makefile").read_text(), re.M)
    docker = (DEPLOY / "Dockerfile").read_text("utf-8")
    pinned = re.search(r"^ARG HTMX_VERSION=(\S+)", docker, re.M)
    assert makefile and pinned and makefile.group(1) == pinned.group(1)
    assert "COPY --from=htmx /htmx/package/dist/htmx.min.js api/static/vendor/htmx.min.js" in docker
    assert "/static/vendor/htmx.min.js" in (ROOT / "api/templates/board.html").read_text()
