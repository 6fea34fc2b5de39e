"""Convert page templates from the old `t.key` dictionary (api/pages/i18n.py STRINGS) to
gettext calls, and seed the catalogs with the old pairs. Re-runnable: a template merged in
later with `t.key` uses is converted the same way; messages already in a catalog are kept.

    .venv/bin/python deploy/i18n_convert.py [--strings-from REV]   # default: main

The old dictionary is read from git (`REV:api/pages/i18n.py`), so the script keeps working
after the dictionary is gone from the working tree. Delete this file once no branch still
carries `t.key` uses.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "api" / "templates"

# Dynamic `t["prefix_" ~ x]` lookups: those that name a state table entry ask it; the
# others become tables of `_labels.html` (one `{% set %}` per prefix).
STATE_PREFIXES = {"state_": "state_label", "action_": "action_label"}
# prefix → the coded values it names (the table `L.<prefix without _>`).
LABEL_TABLES: dict[str, tuple[str, ...]] = {
    "flag_": ("overdue", "due_soon", "on_track", "closed"),
    "priority_": ("low", "normal", "high", "urgent"),
    "assign_repeat_": ("none", "monthly", "quarterly"),
    "calendar_kind_": ("holiday", "observed", "swapped_off", "working_weekend"),
    "dash_scope_": ("agency", "units", "unit", "own"),
    "kind_": ("board", "office", "inspectorate", "division", "subdepartment", "public_service"),
    "track_status_": ("not_issued", "open", "overdue", "done", "closed"),
    "issue_action_": ("create", "move_due", "propose_cancel", "cancel", "unchanged", "skipped"),
    "issue_reason_": (
        "no_lead_unit",
        "no_head",
        "needs_due",
        "due_passed",
        "no_occurrence",
        "skipped_by_user",
        "issued",
        "assigned",
        "closed",
        "recurrence_changed",
        "task_withdrawn",
    ),
    "report_kind_": ("all", "weekly", "quarterly", "six_month", "annual", "custom"),
    "event_": (
        "assign",
        "add_evidence",
        "calendar_recomputed",
        "extension_requested",
        "extension_approved",
        "extension_refused",
        "progress",
        "comment",
    ),
    "names_source_": ("org", "mapped"),
    "extension_": ("pending", "approved", "refused"),
}
# Counted messages: key → (count argument, English singular, English plural).
PLURALS = {
    "dash_due_soon": ("n", "Due within %(num)d working day", "Due within %(num)d working days"),
    "team_more": (
        "n",
        "Only the first %(num)d item is shown; narrow the filters.",
        "Only the first %(num)d items are shown; narrow the filters.",
    ),
    "ind_jump": ("n", None, None),
}


def old_strings(rev: str) -> dict[str, tuple[str, str]]:
    source = subprocess.run(
        ["git", "show", f"{rev}:api/pages/i18n.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for node in ast.parse(source).body:
        target = node.target if isinstance(node, ast.AnnAssign) else None
        if isinstance(target, ast.Name) and target.id == "STRINGS":
            assert isinstance(node, ast.AnnAssign) and isinstance(node.value, ast.Dict)
            out = {}
            for k, v in zip(node.value.keys, node.value.values, strict=True):
                if k is None:  # **{state_...}: the state table's own messages
                    continue
                out[ast.literal_eval(k)] = ast.literal_eval(v)
            return out
    raise SystemExit("no STRINGS in api/pages/i18n.py at " + rev)


def to_percent(text: str) -> str:
    """`{name}` placeholders → `%(name)s`; a literal % doubled (newstyle gettext formats)."""
    text = text.replace("%", "%%")
    return re.sub(r"\{(\w+)\}", r"%(\1)s", text)


class Messages:
    """Each key's msgid (Vietnamese) and, where one Vietnamese text has several English
    renderings, a context (the key) for all but the most common one."""

    def __init__(self, strings: dict[str, tuple[str, str]]) -> None:
        self.strings = strings
        by_vi: dict[str, list[str]] = defaultdict(list)
        for key, (vi, _en) in strings.items():
            by_vi[vi].append(key)
        self.context: dict[str, str | None] = {}
        for keys in by_vi.values():
            common = Counter(strings[k][1] for k in keys).most_common(1)[0][0]
            for k in keys:
                self.context[k] = None if strings[k][1] == common else k

    def call(self, key: str, args: str = "") -> str:
        vi, _en = self.strings[key]
        msgid = json.dumps(to_percent(vi), ensure_ascii=False)
        extra = f", {args}" if args else ""
        if key in PLURALS and PLURALS[key][1] is not None:
            var = PLURALS[key][0]
            count = re.search(rf"\b{var}\s*=\s*([^,]+)", args)
            assert count is not None, key
            msgid = msgid.replace(f"%({var})s", "%(num)d")
            rest = re.sub(rf"\b{var}\s*=\s*[^,]+,?\s*", "", args).strip().rstrip(",")
            extra = f", {count.group(1).strip()}" + (f", {rest}" if rest else "")
            return f"ngettext({msgid}, {msgid}{extra})"
        ctx = self.context[key]
        if ctx is not None:
            return f'pgettext("{ctx}", {msgid}{extra})'
        return f"_({msgid}{extra})"

    def entries(self) -> dict[tuple[str | None, str], tuple[str, str, str | None]]:
        """(context, msgid) → (vi, en, en plural) for seeding the catalogs."""
        out: dict[tuple[str | None, str], tuple[str, str, str | None]] = {}
        for key, (vi, en) in self.strings.items():
            msgid = to_percent(vi)
            if key in PLURALS and PLURALS[key][1] is not None:
                var, one, many = PLURALS[key]
                msgid = msgid.replace(f"%({var})s", "%(num)d")
                out[(None, msgid)] = (msgid, one or "", many)
                continue
            out[(self.context[key], msgid)] = (msgid, to_percent(en), None)
        return out


def balanced(text: str, start: int) -> int:
    """The index just past the parenthesis closing the one at `start`."""
    depth = 0
    quote = None
    for i in range(start, len(text)):
        c = text[i]
        if quote:
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
    raise ValueError("unbalanced")


def convert(text: str, msgs: Messages) -> tuple[str, bool]:
    """The template with every `t.…` lookup as a gettext call; True when it needs the
    label tables of `_labels.html`."""
    uses_labels = False
    # "Rendered by the pages' render()" was `t is defined`; `lang` now says it.
    text = re.sub(r"\bt is (not )?defined", r"lang is \1defined", text)
    # t.key.format(args) first (args may hold lookups too: converted recursively).
    pattern = re.compile(r"\bt\.([a-z_0-9]+)\.format\(")
    while m := pattern.search(text):
        end = balanced(text, m.end() - 1)
        args, _ = convert(text[m.end() : end - 1], msgs)
        text = text[: m.start()] + msgs.call(m.group(1), args) + text[end:]
    text = re.sub(r"\bt\.([a-z_0-9]+)\b(?!\()", lambda m: msgs.call(m.group(1)), text)

    def dynamic(m: re.Match[str]) -> str:
        nonlocal uses_labels
        prefix, expr = m.group(1), m.group(2).strip()
        if prefix in STATE_PREFIXES:
            return f"{STATE_PREFIXES[prefix]}({expr})"
        if prefix not in LABEL_TABLES:
            return m.group(0)  # worded by hand (a message with placeholders)
        uses_labels = True
        return f"L.{prefix.rstrip('_')}[{expr}]"

    text = re.sub(r'\bt\["([a-z_]+)" ~ ([^\]]+\]?)\]', dynamic, text)
    # t[var].format(**values) / t[var]: the page passes a msgid.
    text = re.sub(r"\bt\[([a-z_.]+)\]\.format\(\*\*([a-z_.]+)\)", r"_(\1, **\2)", text)
    text = re.sub(r"\bt\[([a-z_.]+)\]\.format\(([^)]*)\)", r"_(\1, \2)", text)
    text = re.sub(r"\bt\[([a-z_.]+)\]", r"_(\1)", text)
    return text, uses_labels


# Keys the page code (api/pages/*.py) passes to a template, now passed as msgids.
PY_KEY = re.compile(
    r"error|not_allowed|not_assignable|^login_(failed|locked|limited)$|^settings_saved$"
    r"|^reset_done$|^unsub_(invalid|mandatory)$|^password_(too_short|mismatch)$|^date_hint_"
    r"|^date_(pick|prev_month|next_month|day_off)$|^calendar_(added|removed)$|^mail_kind_"
)


def convert_python(text: str, msgs: Messages) -> str:
    def literal(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in msgs.strings or not PY_KEY.search(key):
            return m.group(0)
        return f"msg.{key.upper()}"

    return re.sub(r'"([a-z_0-9]+)"', literal, text)


def messages_module(msgs: Messages) -> str:
    """api/pages/messages.py: the messages page code picks (refusals, notices), as msgids."""
    lines = [
        '"""Messages the page code picks in Python (refusals, notices), as msgids marked for',
        "extraction; the template translates the one it is given (`{{ _(error) }}`).",
        "",
        "Generated first by deploy/i18n_convert.py; edit by hand from now on.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "from workflow.i18n import N_",
        "",
    ]
    codes = []
    for key, (vi, _en) in msgs.strings.items():
        if not PY_KEY.search(key):
            continue
        assert msgs.context[key] is None, key
        literal = json.dumps(to_percent(vi), ensure_ascii=False)
        lines.append(f"{key.upper()} = N_({literal})")
        if key.startswith("error_"):
            codes.append(key)
    lines += [
        "",
        "# A WorkflowError's `code` → the message that words it on a page.",
        "ERROR_CODES: dict[str, str] = {",
        *(f'    "{k[len("error_") :]}": {k.upper()},' for k in codes),
        "}",
    ]
    return "\n".join(lines) + "\n"


def labels_template(msgs: Messages) -> str:
    lines = [
        "{#- Names of coded values (flags, priorities, kinds...), one table per kind, as",
        '    messages: `{% import "_labels.html" as L with context %}` then `L.flag[row.flag]`.',
        "    Generated first by deploy/i18n_convert.py; edit it by hand from now on. -#}",
    ]
    for prefix, values in LABEL_TABLES.items():
        name = prefix.rstrip("_")
        items = ",\n  ".join(f'"{v}": {msgs.call(prefix + v)}' for v in values)
        lines.append(f"{{% set {name} = {{\n  {items},\n}} %}}")
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strings-from", default="main")
    parser.add_argument("--seed", type=Path, help="write the (vi, en) seed as JSON here")
    args = parser.parse_args()
    msgs = Messages(old_strings(args.strings_from))
    for path in sorted(TEMPLATES.glob("*.html")):
        if path.name == "_labels.html":
            continue
        before = path.read_text()
        after, uses_labels = convert(before, msgs)
        if uses_labels and "_labels.html" not in after:
            line = '{% import "_labels.html" as L with context %}\n'
            if after.startswith("{% extends"):
                first, _, rest = after.partition("\n")
                after = f"{first}\n{line}{rest}"
            else:
                after = line + after
        if after != before:
            path.write_text(after)
            print("converted", path.relative_to(ROOT))
    for path in sorted((ROOT / "api" / "pages").glob("*.py")):
        if path.name in ("i18n.py", "messages.py"):
            continue
        before = path.read_text()
        after = convert_python(before, msgs)
        if after != before:
            if "import messages as msg" not in after:
                after = re.sub(
                    r"^(from api\.)",
                    r"from api.pages import messages as msg\n\1",
                    after,
                    count=1,
                    flags=re.M,
                )
            path.write_text(after)
            print("converted", path.relative_to(ROOT))
    module = ROOT / "api" / "pages" / "messages.py"
    if not module.exists():
        module.write_text(messages_module(msgs))
    labels = TEMPLATES / "_labels.html"
    if not labels.exists():
        labels.write_text(labels_template(msgs))
    if args.seed:
        seed = [
            {"context": c, "msgid": i, "vi": vi, "en": en, "en_plural": pl}
            for (c, i), (vi, en, pl) in msgs.entries().items()
        ]
        args.seed.write_text(json.dumps(seed, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
