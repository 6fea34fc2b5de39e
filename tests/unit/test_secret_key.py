"""The secret key: a server signs with a key of its own, never the public default."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from workflow.settings import (
    DEFAULT_SECRET_KEY,
    Settings,
    WeakSecretKey,
    get_settings,
    own_secret_key,
)

STRONG = "k" * 40


def settings(tmp_path: Path, **values: object) -> Settings:
    return Settings(_env_file=None, var_dir=tmp_path, **values)  # type: ignore[call-arg]


@pytest.mark.parametrize("key", [DEFAULT_SECRET_KEY, "", "short-secret", "x" * 31])
def test_distributed_mode_refuses_the_default_an_empty_or_a_short_key(
    tmp_path: Path, key: str
) -> None:
    with pytest.raises(WeakSecretKey, match="PLANFLOW_SECRET_KEY"):
        own_secret_key(settings(tmp_path, mode="distributed", secret_key=key))
    assert not (tmp_path / "secret_key").exists()


def test_distributed_mode_keeps_a_key_of_its_own(tmp_path: Path) -> None:
    cfg = own_secret_key(settings(tmp_path, mode="distributed", secret_key=STRONG))
    assert cfg.secret_key.get_secret_value() == STRONG


def test_embedded_mode_generates_one_key_per_install_and_reuses_it(tmp_path: Path) -> None:
    first = own_secret_key(settings(tmp_path)).secret_key.get_secret_value()
    path = tmp_path / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert first != DEFAULT_SECRET_KEY and len(first) >= 32
    again = own_secret_key(settings(tmp_path)).secret_key.get_secret_value()
    assert again == first
    other = own_secret_key(settings(tmp_path / "other")).secret_key.get_secret_value()
    assert other != first


def test_embedded_mode_keeps_a_configured_key_and_refuses_a_short_one(tmp_path: Path) -> None:
    assert own_secret_key(settings(tmp_path, secret_key=STRONG)).secret_key.get_secret_value()
    assert not (tmp_path / "secret_key").exists()
    with pytest.raises(WeakSecretKey):
        own_secret_key(settings(tmp_path, secret_key="tiny"))


def test_get_settings_in_embedded_mode_signs_with_the_install_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANFLOW_VAR_DIR", str(tmp_path))
    monkeypatch.delenv("PLANFLOW_SECRET_KEY", raising=False)
    monkeypatch.delenv("PLANFLOW_MODE", raising=False)
    get_settings.cache_clear()
    try:
        key = get_settings().secret_key.get_secret_value()
    finally:
        get_settings.cache_clear()
    assert key == (tmp_path / "secret_key").read_text().strip()


def test_serve_refuses_to_start_outside_embedded_mode_without_a_key(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PLANFLOW_")}
    env.update(PLANFLOW_MODE="distributed", PLANFLOW_VAR_DIR=str(tmp_path))
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "serve", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "PLANFLOW_SECRET_KEY" in lines[0]
    assert "Traceback" not in done.stderr
