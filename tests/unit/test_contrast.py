"""WCAG AA contrast of the pages' colours, computed from the CSS variables of base.html.

Every colour of the pages is a variable in base.html's `:root` (templates use `var(--…)`,
never a literal), so checking the variables checks the pages: each text colour against the
page and table-header backgrounds and against its own `--NAME-bg`, plus the pairs the
pages combine otherwise (text on the brand bar, on a calendar override row).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"
BASE = (TEMPLATES / "base.html").read_text(encoding="utf-8")

AA_TEXT = 4.5  # WCAG 2.1 SC 1.4.3, normal-size text
AA_UI = 3.0  # SC 1.4.11, the border of a form field, the deadline stripe

# Backgrounds and lines, not text colours.
NOT_TEXT = {"--bg", "--surface", "--line", "--field-line", "--override-row-bg"}
EXTRA_PAIRS = [
    ("--on-brand", "--brand"),  # the header bar, the main buttons
    ("--brand", "--bg"),  # a calendar day off
    ("--text", "--override-row-bg"),  # a calendar override's row
    ("--muted", "--override-row-bg"),
    ("--brand", "--override-row-bg"),
    ("--ok", "--override-row-bg"),
    ("--muted", "--overdue-bg"),
    ("--muted", "--due-soon-bg"),
    ("--on-brand", "--overdue"),
    ("--text", "--thread-bg"),  # a comment in an item's thread
    ("--muted", "--thread-bg"),
]
UI_PAIRS = [("--field-line", "--bg"), ("--due-soon", "--bg"), ("--overdue", "--bg")]


def variables() -> dict[str, str]:
    root = re.search(r":root\s*\{(.*?)\}", BASE, re.S)
    assert root, "base.html has no :root block"
    return dict(re.findall(r"(--[\w-]+)\s*:\s*(#[0-9a-fA-F]{3,6})\s*;", root.group(1)))


def luminance(colour: str) -> float:
    h = colour.lstrip("#")
    if len(h) == 3:
        h = "".join(c * 2 for c in h)

    def channel(v: int) -> float:
        c = v / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(int(h[i : i + 2], 16)) for i in (0, 2, 4))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def text_pairs() -> list[tuple[str, str]]:
    v = variables()
    skip = NOT_TEXT | {"--brand", "--on-brand"}
    texts = [n for n in v if n not in skip and not n.endswith("-bg")]
    pairs = [(t, bg) for t in texts for bg in ("--bg", "--surface")]
    pairs += [(t, f"{t}-bg") for t in texts if f"{t}-bg" in v]
    return pairs + EXTRA_PAIRS


def test_the_formula_matches_known_values() -> None:
    assert ratio("#000", "#fff") == pytest.approx(21.0)
    # The orange "due soon" text before this test existed: 4.14:1 on its light background.
    assert ratio("#b85c00", "#fff1e0") == pytest.approx(4.14, abs=0.01)
    assert ratio("#b85c00", "#fff1e0") < AA_TEXT


@pytest.mark.parametrize(("fg", "bg"), text_pairs())
def test_text_colours_meet_aa(fg: str, bg: str) -> None:
    v = variables()
    assert ratio(v[fg], v[bg]) >= AA_TEXT, f"{fg} {v[fg]} on {bg} {v[bg]}"


@pytest.mark.parametrize(("fg", "bg"), UI_PAIRS)
def test_field_borders_and_stripes_meet_aa(fg: str, bg: str) -> None:
    v = variables()
    assert ratio(v[fg], v[bg]) >= AA_UI, f"{fg} {v[fg]} on {bg} {v[bg]}"


def test_templates_use_the_variables_only() -> None:
    """A colour literal outside :root would escape the checks above."""
    root = re.search(r":root\s*\{.*?\}", BASE, re.S)
    assert root
    offenders = []
    for path in sorted(TEMPLATES.glob("*.html")):
        text = path.read_text(encoding="utf-8")
        if path.name == "base.html":
            text = text.replace(root.group(0), "")
        literals = re.findall(r"#[0-9a-fA-F]{3,6}\b(?=[\s;,)])", text)
        offenders += [f"{path.name}: {m}" for m in literals]
    assert offenders == []
