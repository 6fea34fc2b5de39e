"""Debian's chromium under Playwright: the one set of launch flags every caller uses.

Used by the browser tests (tests/e2e) and the scripts that regenerate the pictures in
docs/ (samples, screenshots). Never a downloaded browser.
"""

from __future__ import annotations

import shutil
from typing import Any

# No sandbox (containers run as root), no GPU, and nothing that phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# The locale of a Vietnamese officer's browser: a first visit's pages follow Accept-Language.
LOCALE = "vi-VN"


class LocalisedBrowser:
    """A launched browser whose new pages and contexts default to `LOCALE`."""

    def __init__(self, browser: Any) -> None:
        self._browser = browser

    def new_page(self, **kwargs: Any) -> Any:
        kwargs.setdefault("locale", LOCALE)
        return self._browser.new_page(**kwargs)

    def new_context(self, **kwargs: Any) -> Any:
        kwargs.setdefault("locale", LOCALE)
        return self._browser.new_context(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._browser, name)


def chromium_path() -> str | None:
    """The system chromium (`make browser` installs it), or None."""
    return shutil.which("chromium")
