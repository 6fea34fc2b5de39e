"""Debian's chromium under Playwright: the one set of launch flags every caller uses.

Used by the browser tests (tests/e2e) and the scripts that regenerate the pictures in
docs/ (samples, screenshots). Never a downloaded browser.
"""

from __future__ import annotations

import shutil

# No sandbox (containers run as root), no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    """The system chromium (`make browser` installs it), or None."""
    return shutil.which("chromium")
