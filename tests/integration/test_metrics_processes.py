"""Several processes, one set of metrics: job runs counted in separate processes meet in
PLANFLOW_METRICS_DIR, and the log lines are JSON outside embedded mode."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import ROOT
from workflow.migrate import upgrade


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "api.cli", *args]
    done = subprocess.run(command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done


def test_job_runs_of_separate_processes_add_up(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'pf.db'}"
    upgrade(url)
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "PLANFLOW_DATABASE_URL": url,
        "PLANFLOW_VAR_DIR": str(tmp_path),
        "PLANFLOW_METRICS_DIR": str(metrics_dir),
        "PLANFLOW_LOG_FORMAT": "json",
        # An idle run (nothing due) logs at DEBUG only: quiet ticks (issue 25).
        "PLANFLOW_LOG_LEVEL": "DEBUG",
    }
    first = _run(env, "jobs", "run", "sweep_due")
    _run(env, "jobs", "run", "sweep_due")
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=str(metrics_dir))  # type: ignore[no-untyped-call]
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(generate_latest(registry).decode())
        for s in family.samples
    }
    assert samples[("planflow_job_runs_total", (("job", "sweep_due"),))] == 2
    assert samples[("planflow_job_duration_seconds_count", (("job", "sweep_due"),))] == 2
    # One JSON object per line on stderr; the job's line has its counts, duration and id.
    lines = [json.loads(line) for line in first.stderr.splitlines() if line.strip()]
    [run] = [line for line in lines if line.get("event") == "job_run"]
    assert run["job"] == "sweep_due" and run["claimed"] == 0 and run["duration_ms"] >= 0
    assert len(run["request_id"]) == 32 and run["level"] == "debug"
