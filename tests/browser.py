"""Debian's chromium under Playwright: the one set of launch flags every caller uses.

Used by the browser tests (tests/e2e, with the phone layout checks they share) and the scripts
that regenerate the pictures in docs/ (samples, screenshots). Never a downloaded browser.
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


# Everything on a page the size of the screen or less: a JS function returning the
# document's width, the viewport's and the elements whose right edge is past it.
OVERFLOW_JS = """() => {
  const vw = window.innerWidth;
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) return s + '#' + el.id;
    if (el.classList.length) s += '.' + [...el.classList].join('.');
    return s;
  };
  const path = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      parts.unshift(name(e));
      if (e.id) break;
    }
    return parts.join(' > ');
  };
  const wide = [];
  for (const el of document.body.querySelectorAll('*')) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.right > vw + 0.5) wide.push(path(el) + ' (right ' + Math.round(r.right) + ')');
  }
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: vw, wide: wide};
}"""

# Controls a thumb presses, visible ones smaller than 44 px tall (WCAG 2.5.5).
SMALL_TARGETS_JS = """() => {
  const small = [];
  const sel = 'button, .btn, select, header a, summary, '
    + 'input:not([type=hidden]):not([type=checkbox]):not([type=radio])';
  for (const el of document.querySelectorAll(sel)) {
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0) continue;
    if (r.height >= 43.5) continue;
    const name = el.id ? '#' + el.id : [el.tagName.toLowerCase(), ...el.classList].join('.');
    small.push(name + ' ' + Math.round(r.height) + 'px');
  }
  return small;
}"""


def chromium_path() -> str | None:
    """The system chromium (`make browser` installs it), or None."""
    return shutil.which("chromium")
