"""Convert the report templates' `w.key` words (workflow.reporting.wording.WORDS, read from
git) to catalog messages, and write the (vi, en) seed for `i18n_catalogs.py update --seed`.

    .venv/bin/python deploy/i18n_convert_reports.py SEED.json [--words-from REV]

One-off like deploy/i18n_convert.py; delete it with that one.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILES = [
    ROOT / "workflow/reporting/templates/report_mail.html.j2",
    ROOT / "workflow/reporting/templates/report_mail.txt.j2",
    ROOT / "api/templates/reports_run.html",
]


def words(rev: str) -> dict[str, dict[str, str]]:
    source = subprocess.run(
        ["git", "show", f"{rev}:workflow/reporting/wording.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and getattr(node.target, "id", "") == "WORDS":
            return ast.literal_eval(node.value)  # type: ignore[arg-type]
    raise SystemExit("no WORDS")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("seed", type=Path)
    parser.add_argument("--words-from", default="main")
    args = parser.parse_args()
    table = words(args.words_from)
    vi, en = table["vi"], table["en"]

    def msgid(key: str) -> str:
        return re.sub(r"\{(\w+)\}", r"%(\1)s", vi[key].replace("%", "%%"))

    def call(key: str, extra: str = "") -> str:
        quoted = json.dumps(msgid(key), ensure_ascii=False)
        return f'pgettext("report", {quoted}{extra})'

    for path in FILES:
        text = path.read_text()
        text = re.sub(
            r"\bw\.(\w+)\.format\(([^()]*(?:\([^()]*\)[^()]*)*)\)",
            lambda m: call(m.group(1), ", " + m.group(2)),
            text,
        )
        text = re.sub(r"\bw\.(\w+)\b", lambda m: call(m.group(1)), text)
        path.write_text(text)
    seed = [
        {
            "context": "report",
            "msgid": msgid(k),
            "vi": msgid(k),
            "en": re.sub(r"\{(\w+)\}", r"%(\1)s", en[k].replace("%", "%%")),
            "en_plural": None,
        }
        for k in vi
    ]
    args.seed.write_text(json.dumps(seed, ensure_ascii=False, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
