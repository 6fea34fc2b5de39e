# ruff: noqa: E501  (a one-off migration script holding whole messages)
"""Merge the per-language mail templates (notifications/templates/{vi,en}/X) into one
template per mail (notifications/templates/X) whose words are catalog messages, and print
the (vi, en) pairs as a seed for `deploy/i18n_catalogs.py update --seed`.

    .venv/bin/python deploy/i18n_convert_mails.py SEED.json

Line by line: a line the same in both languages (after "vi/"/"en/" in paths and
`day("vi")`) stays; otherwise the line is cut at template tags and HTML tags, which must be
the same in both, and each differing run of text and `{{ values }}` between them becomes
`{{ _("Vietnamese %(value)s", value=...) }}` with the English as its translation (an
expression, not `{% trans %}`: text mails trim the newline after a block tag). A line
that does not pair is reported and left for a hand conversion. Re-runnable while the vi/en
folders exist; delete it with them.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = ROOT / "notifications" / "templates"

HARD = re.compile(r"({%.*?%}|{#.*?#}|<[^>]*>)")
VAR = re.compile(r"{{\s*(.*?)\s*}}")


def normalize(line: str) -> str:
    line = re.sub(r'"(vi|en)/', '"', line)
    return re.sub(r'day\("(vi|en)"\)', "day(lang)", line)


def name_of(expr: str, taken: dict[str, str]) -> str:
    base = re.sub(r"\|.*", "", expr).strip()
    words = re.findall(r"[a-z_][a-z_0-9]*", base)
    name = words[-1] if words else "value"
    if name in ("id",) and len(words) > 1:
        name = words[-2]
    candidate, n = name, 2
    while candidate in taken.values() and taken.get(expr) != candidate:
        candidate, n = f"{name}{n}", n + 1
    return candidate


def message(text: str, names: dict[str, str]) -> str:
    text = text.replace("%", "%%")
    return VAR.sub(lambda m: f"%({names[m.group(1)]})s", text)


# Mail titles whose Vietnamese the pages use with another English meaning: context "mail".
MAIL_CONTEXT = {
    "Giao việc",
    "Đôn đốc thực hiện nhiệm vụ",
    "Kết quả đề nghị gia hạn",
    "Đề nghị gia hạn",
}


def soft(vi: str, en: str, seed: list[dict[str, str | None]]) -> str | None:
    """The converted run, or None when the two do not pair."""
    if vi == en:
        return vi
    vi_vars = VAR.findall(vi)
    en_vars = VAR.findall(en)
    if sorted(vi_vars) != sorted(en_vars):
        return None
    lead = re.match(r"\s*", vi).group(0)  # type: ignore[union-attr]
    trail = re.search(r"\s*$", vi).group(0)  # type: ignore[union-attr]
    core_vi, core_en = vi.strip(), en.strip()
    if not core_vi:
        return None
    names: dict[str, str] = {}
    for expr in vi_vars:
        names.setdefault(expr, name_of(expr, names))
    msgid = message(core_vi, names)
    context = "mail" if msgid in MAIL_CONTEXT else None
    english = message(core_en, names)
    seed.append({"context": context, "msgid": msgid, "vi": msgid, "en": english, "en_plural": None})
    args = "".join(f", {names[e]}={e}" for e in dict.fromkeys(vi_vars))
    quoted = json.dumps(msgid, ensure_ascii=False)
    call = f'pgettext("mail", {quoted}{args})' if context else f"_({quoted}{args})"
    return f"{lead}{{{{ {call} }}}}{trail}"


def convert_line(vi: str, en: str, seed: list[dict[str, str | None]]) -> str | None:
    vi, en = normalize(vi), normalize(en)
    if vi == en:
        return vi
    vi_parts, en_parts = HARD.split(vi), HARD.split(en)
    if len(vi_parts) != len(en_parts):
        return None
    out = []
    for i, (a, b) in enumerate(zip(vi_parts, en_parts, strict=True)):
        if i % 2 == 1:  # a tag
            if a != b:
                return None
            out.append(a)
            continue
        done = soft(a, b, seed)
        if done is None:
            return None
        out.append(done)
    return "".join(out)


def _counted(vi: str, en_one: str, en_many: str, count: str, **values: str) -> tuple[str, dict]:
    args = "".join(f", {k}={v}" for k, v in values.items())
    call = f"ngettext({json.dumps(vi, ensure_ascii=False)}, {json.dumps(vi, ensure_ascii=False)}, {count}{args})"
    return "{{ " + call + " }}", {
        "context": None,
        "msgid": vi,
        "vi": vi,
        "en": en_one,
        "en_plural": en_many,
    }


def _said(vi: str, en: str, **values: str) -> tuple[str, dict]:
    args = "".join(f", {k}={v}" for k, v in values.items())
    call = f"_({json.dumps(vi, ensure_ascii=False)}{args})"
    return "{{ " + call + " }}", {
        "context": None,
        "msgid": vi,
        "vi": vi,
        "en": en,
        "en_plural": None,
    }


def _table(name: str, context: str, pairs: dict[str, tuple[str, str]]) -> tuple[str, list[dict]]:
    items = ", ".join(
        f'"{k}": pgettext("{context}", {json.dumps(vi, ensure_ascii=False)})'
        for k, (vi, _en) in pairs.items()
    )
    seeds = [
        {"context": context, "msgid": vi, "vi": vi, "en": en, "en_plural": None}
        for vi, en in pairs.values()
    ]
    return f"{{% set {name} = {{{items}}} %}}", seeds


DUE = "due_at=item.due_at|day(lang)"
DAY = "day=day|day(lang)"
UNITS = 'units=unit_names|join(", ")'


def by_hand(name: str, n: int) -> tuple[str, list[dict]] | None:
    """The lines the pairing cannot do: counts (ngettext), choices, tables of words."""
    if name == "_changes.txt" and n == 1:
        return _table(
            "LABELS",
            "change",
            {
                "accepted": ("Đã tiếp nhận", "Accepted"),
                "approved": ("Hoàn thành", "Done"),
                "cancelled": ("Hủy", "Cancelled"),
                "withdrawn": ("Thu hồi", "Withdrawn"),
                "paused": ("Tạm dừng", "Paused"),
                "resumed": ("Tiếp tục", "Resumed"),
                "progress": ("Tiến độ", "Progress"),
                "due_moved": ("Điều chỉnh hạn xử lý", "Due date changed"),
            },
        )
    if name == "_changes.txt" and n == 2:
        return _table(
            "SAYS",
            "change",
            {
                "accepted": ("đã tiếp nhận nhiệm vụ sau.", "accepted the following task."),
                "approved": (
                    "đã duyệt hoàn thành nhiệm vụ sau.",
                    "approved the following task as done.",
                ),
                "cancelled": ("đã hủy nhiệm vụ sau.", "cancelled the following task."),
                "withdrawn": ("đã thu hồi nhiệm vụ sau.", "withdrew the following task."),
                "paused": (
                    "đã tạm dừng nhiệm vụ sau; thời hạn ngừng tính cho đến khi tiếp tục.",
                    "paused the following task; the deadline clock stands still until it resumes.",
                ),
                "resumed": (
                    "cho tiếp tục thực hiện nhiệm vụ sau; hạn xử lý đã được lùi tương ứng thời gian tạm dừng.",
                    "resumed the following task; its due date moved by the time it was paused.",
                ),
                "progress": (
                    "đã báo cáo tiến độ nhiệm vụ sau:",
                    "reported progress on the following task:",
                ),
                "due_moved": (
                    "đã điều chỉnh hạn xử lý của nhiệm vụ sau theo kế hoạch sửa đổi (thời hạn cũ → mới trong ý kiến dưới đây).",
                    "moved the due date of the following task as the amended plan says (old → new deadline below).",
                ),
            },
        )
    digest = (
        "Tổng hợp %(num)d thông báo ngày %(day)s:",
        "Your %(num)d notification for %(day)s:",
        "Your %(num)d notifications for %(day)s:",
    )
    if name == "digest.html":
        text, seed = _counted(*digest, "entries|length", day="day|day(lang)")
        return f"<p>{text}</p>", [seed]
    if name == "digest.txt":
        text, seed = _counted(*digest, "entries|length", day="day|day(lang)")
        return text, [seed]
    if name == "digest.subject":
        text, seed = _counted(
            "[Tổng hợp] %(num)d thông báo ngày %(day)s",
            "[Digest] %(num)d notification for %(day)s",
            "[Digest] %(num)d notifications for %(day)s",
            "entries|length",
            day="day|day(lang)",
        )
        return text, [seed]
    if name == "escalation.html":
        text, seed = _counted(
            "Các đơn vị %(units)s có <strong>%(num)d nhiệm vụ quá hạn</strong> cần chỉ đạo xử lý:",
            "%(units)s have <strong>%(num)d overdue task</strong> that needs your direction:",
            "%(units)s have <strong>%(num)d overdue tasks</strong> that need your direction:",
            "items|length",
            units='unit_names|join(", ")',
        )
        return f"<p>{text}</p>", [seed]
    if name == "escalation.txt":
        text, seed = _counted(
            "Các đơn vị %(units)s có %(num)d nhiệm vụ quá hạn cần chỉ đạo xử lý:",
            "%(units)s have %(num)d overdue task that needs your direction:",
            "%(units)s have %(num)d overdue tasks that need your direction:",
            "items|length",
            units='unit_names|join(", ")',
        )
        return text, [seed]
    if name == "escalation.subject":
        text, seed = _counted(
            "[Cảnh báo quá hạn] %(num)d nhiệm vụ quá hạn – %(units)s",
            "[Overdue alert] %(num)d overdue task – %(units)s",
            "[Overdue alert] %(num)d overdue tasks – %(units)s",
            "items|length",
            units='unit_names|join(", ")|clip(70)',
        )
        return text, [seed]
    if name == "extension_decided.subject":
        yes, s1 = _said(
            "[Gia hạn] Đồng ý gia hạn: %(title)s – hạn %(due_at)s",
            "[Extension] Approved: %(title)s – due %(due_at)s",
            title="item.title|clip",
            due_at="item.due_at|day(lang)",
        )
        no, s2 = _said(
            "[Gia hạn] Không đồng ý gia hạn: %(title)s – hạn %(due_at)s",
            "[Extension] Refused: %(title)s – due %(due_at)s",
            title="item.title|clip",
            due_at="item.due_at|day(lang)",
        )
        return f"{{% if approved %}}{yes}{{% else %}}{no}{{% endif %}}", [s1, s2]
    if name == "overdue.html":
        text, seed = _counted(
            "Nhiệm vụ sau đã <strong>quá hạn %(num)d ngày làm việc</strong>.",
            "The following task is <strong>%(num)d working day overdue</strong>.",
            "The following task is <strong>%(num)d working days overdue</strong>.",
            "working_days_late",
        )
        return f'<p style="color:#b00020">{text}</p>', [seed]
    if name == "overdue.txt":
        text, seed = _counted(
            "Nhiệm vụ sau đã quá hạn %(num)d ngày làm việc.",
            "The following task is %(num)d working day overdue.",
            "The following task is %(num)d working days overdue.",
            "working_days_late",
        )
        return text, [seed]
    if name == "overdue.subject":
        text, seed = _counted(
            "[Quá hạn] %(title)s – hạn %(due_at)s (quá %(num)d ngày làm việc)",
            "[Overdue] %(title)s – due %(due_at)s (%(num)d working day late)",
            "[Overdue] %(title)s – due %(due_at)s (%(num)d working days late)",
            "working_days_late",
            title="item.title|clip",
            due_at="item.due_at|day(lang)",
        )
        return text, [seed]
    if name == "reminder.html":
        text, seed = _counted(
            "Nhiệm vụ sau sắp đến hạn: còn <strong>%(num)d ngày làm việc</strong>.",
            "The following task is due soon: <strong>%(num)d working day left</strong>.",
            "The following task is due soon: <strong>%(num)d working days left</strong>.",
            "working_days_left",
        )
        return f"<p>{text}</p>", [seed]
    if name == "reminder.txt":
        text, seed = _counted(
            "Nhiệm vụ sau sắp đến hạn: còn %(num)d ngày làm việc.",
            "The following task is due soon: %(num)d working day left.",
            "The following task is due soon: %(num)d working days left.",
            "working_days_left",
        )
        return text, [seed]
    if name == "reminder.subject":
        text, seed = _counted(
            "[Nhắc việc] %(title)s – hạn %(due_at)s (còn %(num)d ngày làm việc)",
            "[Reminder] %(title)s – due %(due_at)s (%(num)d working day left)",
            "[Reminder] %(title)s – due %(due_at)s (%(num)d working days left)",
            "working_days_left",
            title="item.title|clip",
            due_at="item.due_at|day(lang)",
        )
        return text, [seed]
    if name == "support_closed.subject":
        table, seeds = _table(
            "OUTCOME",
            "outcome",
            {
                "done": ("hoàn thành", "done"),
                "cancelled": ("đã hủy", "cancelled"),
                "withdrawn": ("đã thu hồi", "withdrawn"),
            },
        )
        text, seed = _said(
            "[Kết thúc phối hợp] %(title)s – %(outcome)s",
            "[Support ended] %(title)s – %(outcome)s",
            title="item.title|clip",
            outcome="OUTCOME[outcome]",
        )
        return table + text, [*seeds, seed]
    return None


# A line the same in both languages but for an inline "vi if lang == 'vi' else en".
INLINE = re.compile(r'\{\{ "([^"]+)" if lang == "vi" else "([^"]+)" \}\}')


def main() -> int:
    seed_path = Path(sys.argv[1])
    seed: list[dict[str, str | None]] = []
    left = 0
    for vi_path in sorted((TEMPLATES / "vi").iterdir()):
        en_path = TEMPLATES / "en" / vi_path.name
        vi_lines = vi_path.read_text().split("\n")
        en_lines = en_path.read_text().split("\n")
        if len(vi_lines) != len(en_lines):
            print(f"{vi_path.name}: {len(vi_lines)} vs {len(en_lines)} lines: by hand")
            left += 1
            continue
        out = []
        for n, (a, b) in enumerate(zip(vi_lines, en_lines, strict=True), 1):
            done = convert_line(a, b, seed)
            if done is None and (hand := by_hand(vi_path.name, n)) is not None:
                done, seeds = hand
                seed.extend(seeds)
            if done is not None:
                for m in INLINE.finditer(done):
                    seed.append(
                        {
                            "context": None,
                            "msgid": m.group(1),
                            "vi": m.group(1),
                            "en": m.group(2),
                            "en_plural": None,
                        }
                    )
                done = INLINE.sub(
                    lambda m: "{{ _(" + json.dumps(m.group(1), ensure_ascii=False) + ") }}", done
                )
                # Macros and tables translate in the mail's language: imported with context.
                done = re.sub(
                    r"({% from \S+ import [^%]*?)( %})",
                    lambda m: (
                        m.group(0)
                        if "with context" in m.group(1)
                        else m.group(1) + " with context" + m.group(2)
                    ),
                    done,
                )
            if done is None:
                print(f"{vi_path.name}:{n}: by hand\n  vi: {a}\n  en: {b}")
                left += 1
                done = f"{{# BY HAND vi #}}{normalize(a)}\n{{# BY HAND en #}}{normalize(b)}"
            out.append(done)
        (TEMPLATES / vi_path.name).write_text("\n".join(out))
    unique = {(e["context"], e["msgid"]): e for e in seed}
    seed_path.write_text(json.dumps(list(unique.values()), ensure_ascii=False, indent=1))
    print(f"{len(unique)} messages; {left} lines by hand")
    return 0


if __name__ == "__main__":
    sys.exit(main())
