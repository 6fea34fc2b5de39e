"""The lock files cover pyproject.toml: every dependency (with its extras' packages) is
pinned with hashes, the dev lock agrees with the runtime lock, so `make install` installs
what the code imports. A dependency added without `make lock` fails here."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.conftest import ROOT

PIN = re.compile(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", re.M)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / "requirements" / name).read_text("utf-8")
    pins = {canonicalize_name(n): v for n, v in PIN.findall(text)}
    # Every pin is followed by at least one hash (pip's --require-hashes needs them all).
    blocks = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n\n", 1)[-1])
    for block in blocks:
        if PIN.match(block):
            assert "--hash=sha256:" in block, block.splitlines()[0]
    return pins


def _declared(group: str | None) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    specs = project["dependencies"] if group is None else project["optional-dependencies"][group]
    return {canonicalize_name(Requirement(s).name) for s in specs}


def test_runtime_lock_pins_every_dependency() -> None:
    runtime = _pins("runtime.lock")
    assert _declared(None) - set(runtime) == set(), "run `make lock`"
    assert "setuptools" in runtime  # the build backend too: nothing resolved at install


def test_dev_lock_pins_everything_and_agrees_with_the_runtime_lock() -> None:
    runtime, dev = _pins("runtime.lock"), _pins("dev.lock")
    assert (_declared(None) | _declared("dev")) - set(dev) == set(), "run `make lock`"
    assert {n: v for n, v in dev.items() if n in runtime} == runtime
