"""A command line that cannot hit the wrong database: on a host configured for production
(its environment file exists) a command run without that configuration refuses, naming the
file, and writes nothing; a command that writes says where it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from workflow.migrate import alembic_config
from workflow.settings import ROOT, Settings

EMBEDDED = Path(Settings.model_fields["database_url"].default.removeprefix("sqlite:///"))
SAMPLE_ORG = ROOT / "deploy" / "sample" / "org.yaml"


def _planflow(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _state(path: Path) -> tuple[bool, int, int]:
    if not path.exists():
        return (False, 0, 0)
    stat = path.stat()
    return (True, stat.st_size, stat.st_mtime_ns)


@pytest.fixture
def bare_env(tmp_path: Path) -> dict[str, str]:
    """A shell's environment without any PLANFLOW_ setting (the service file not loaded)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env["PYTHONPATH"] = str(ROOT)
    return env


@pytest.mark.parametrize(
    "args",
    [
        ["org", "load", str(SAMPLE_ORG)],
        ["db", "upgrade"],
        ["mail", "retry", "--all-failed"],
        ["calendar", "add", "2026-05-04", "--off", "--reason", "Nghỉ bù", "--as", "vp.cchc"],
        ["serve", "--port", "8199"],
    ],
)
def test_without_the_production_configuration_a_command_refuses_and_writes_nothing(
    bare_env: dict[str, str], tmp_path: Path, args: list[str]
) -> None:
    env_file = tmp_path / "planflow.env"
    env_file.write_text("PLANFLOW_DATABASE_URL=postgresql+psycopg://pf:secret@db.internal/pf\n")
    env = {**bare_env, "PLANFLOW_ENV_FILE": str(env_file)}
    var = EMBEDDED.parent
    before = (_state(EMBEDDED), sorted(var.iterdir()) if var.exists() else None)
    done = _planflow(env, *args, cwd=tmp_path)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert str(env_file) in done.stderr and "not loaded" in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    after = (_state(EMBEDDED), sorted(var.iterdir()) if var.exists() else None)
    assert after == before  # no SQLite file made or touched, no secret key written


def test_a_writing_command_says_which_database_it_writes_to(
    bare_env: dict[str, str], tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    env = {**bare_env, "PLANFLOW_DATABASE_URL": url, "PLANFLOW_ENV_FILE": str(tmp_path / "none")}
    upgraded = _planflow(env, "db", "upgrade", cwd=tmp_path)
    assert upgraded.returncode == 0, upgraded.stderr
    # Every revision from the baseline on, oldest first (decision 0028: additive).
    script = ScriptDirectory.from_config(alembic_config())
    revisions = [f"applied {r.revision} {r.doc}" for r in reversed(list(script.walk_revisions()))]
    head = script.get_current_head()
    assert revisions[0] == "applied 0001 initial schema"
    assert upgraded.stdout.splitlines() == [
        *revisions,
        f"{url}: {len(revisions)} migration(s) applied, now at {head} (newest)",
    ]
    again = _planflow(env, "db", "upgrade", cwd=tmp_path)
    assert again.stdout.strip() == f"{url}: nothing to apply, already at {head} (newest)"
    loaded = _planflow(env, "org", "load", str(SAMPLE_ORG), cwd=tmp_path)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stderr.splitlines() == [f"planflow: writing to {url}"]
    # A command that only reads says nothing of the kind.
    status = _planflow(env, "mail", "status", cwd=tmp_path)
    assert status.returncode == 0 and status.stderr == ""
    # With the configuration loaded the production file is no obstacle.
    env["PLANFLOW_ENV_FILE"] = str(tmp_path / "planflow.env")
    (tmp_path / "planflow.env").write_text(f"PLANFLOW_DATABASE_URL={url}\n")
    assert _planflow(env, "mail", "status", cwd=tmp_path).returncode == 0
