"""Reading a staff list (danh sách cán bộ) as the personnel office keeps it: XLSX, CSV (UTF-8,
with or without BOM) or the organisation YAML's `users:`.

Column headers are matched folded (case, diacritics and spacing ignored: "HỌ VÀ TÊN",
"Họ và tên", "ho  ten" are one column); the known columns are `COLUMNS` (Vietnamese as the
office writes them, and the English names of the export). A header row may follow a few
title rows ("DANH SÁCH CÁN BỘ, CÔNG CHỨC..."): the first row naming both the name and the
unit columns is the header. Blank rows are skipped; every row keeps its line number for
the errors. Nothing here touches the database: `workflow.services.staff_import` resolves
units and people and computes the diff.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from itertools import islice
from typing import Any

from workflow.errors import InvalidInput
from workflow.importer.text import fold
from workflow.input_limits import check_size, check_unpacked
from workflow.settings import Settings
from workflow.yamlio import LINE_KEY, load_yaml_with_lines

# A staff list longer than this is refused before anything is resolved.
MAX_ROWS = 10_000

# field → the folded headers that name it
COLUMNS: dict[str, tuple[str, ...]] = {
    "full_name": ("ho va ten", "ho ten", "ho va ten can bo", "full name", "full_name", "name"),
    "title": ("chuc vu", "chuc danh", "title", "position"),
    "unit": (
        "don vi",
        "don vi cong tac",
        "phong ban",
        "phong, ban",
        "co quan, don vi",
        "unit",
    ),
    "email": (
        "email",
        "e-mail",
        "e mail",
        "thu dien tu",
        "dia chi email",
        "dia chi thu dien tu",
        "hop thu",
    ),
    "username": ("ten dang nhap", "tai khoan", "username"),
    "role": ("vai tro", "quyen", "role"),
    "language": ("ngon ngu", "language"),
}
_HEADER_OF = {name: key for key, names in COLUMNS.items() for name in names}
# The export's headers, in order (the import reads them back).
EXPORT_HEADERS = (
    ("full_name", "Họ và tên"),
    ("title", "Chức vụ"),
    ("unit", "Đơn vị"),
    ("email", "Email"),
    ("username", "Tên đăng nhập"),
    ("role", "Vai trò"),
    ("language", "Ngôn ngữ"),
)


@dataclass(frozen=True)
class StaffRow:
    """One person of the list, as written, with where it was (for the errors)."""

    line: str  # "row 7" (XLSX, CSV) or "line 12" (YAML)
    full_name: str
    unit: str
    email: str
    title: str | None = None
    username: str | None = None
    role: str | None = None
    language: str | None = None


def _header_key(cell: object) -> str | None:
    text = " ".join(fold(str(cell or "")).replace(":", " ").split())
    return _HEADER_OF.get(text)


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _rows_from_table(rows: list[list[Any]], *, source: str) -> list[StaffRow]:
    header_at, columns = None, {}
    for n, row in enumerate(rows[:20]):
        keys = {_header_key(c): i for i, c in reversed(list(enumerate(row))) if _header_key(c)}
        if "full_name" in keys and "unit" in keys:
            header_at, columns = n, keys
            break
    if header_at is None:
        raise InvalidInput(
            f"{source}: no header row naming the columns 'Họ và tên' and 'Đơn vị'"
            " (also expected: 'Email', 'Chức vụ')"
        )
    if "email" not in columns:
        raise InvalidInput(f"{source}: row {header_at + 1}: no 'Email' column")
    out: list[StaffRow] = []
    for n, row in enumerate(rows[header_at + 1 :], start=header_at + 2):
        values = {k: _text(row[i]) if i < len(row) else "" for k, i in columns.items()}
        if not any(values.values()):
            continue
        out.append(
            StaffRow(
                line=f"row {n}",
                full_name=values.get("full_name", ""),
                unit=values.get("unit", ""),
                email=values.get("email", ""),
                title=values.get("title") or None,
                username=values.get("username") or None,
                role=values.get("role") or None,
                language=values.get("language") or None,
            )
        )
    return out


def _read_xlsx(data: bytes, *, source: str) -> list[list[Any]]:
    from openpyxl import load_workbook  # only for XLSX: the import costs 0.3 s

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise InvalidInput(f"{source}: not a readable XLSX workbook ({exc})") from exc
    try:
        sheet = book.worksheets[0]
        # Read a little past the limit (title rows), so an oversized list is refused
        # without loading all of it.
        rows = [list(r) for r in islice(sheet.iter_rows(values_only=True), MAX_ROWS + 25)]
    finally:
        book.close()
    return rows


def _read_csv(data: bytes, *, source: str) -> list[list[Any]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # The export quotes a cell that starts like a formula ("'=..."): read it back as written.
    return [
        [c[1:] if c.startswith("'") and c[1:2] in "=+-@" and c[1:2] else c for c in r]
        for r in csv.reader(io.StringIO(text), dialect)
    ]


def _read_yaml(data: bytes, *, source: str) -> list[StaffRow]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{source}: not UTF-8 text (byte {exc.start})") from exc
    doc = load_yaml_with_lines(text, source=source)
    users = doc.get("users") if isinstance(doc, dict) else None
    if not isinstance(users, list):
        raise InvalidInput(f"{source}: expected a 'users:' list")
    out: list[StaffRow] = []
    for raw in users:
        if not isinstance(raw, dict):
            raise InvalidInput(f"{source}: expected a mapping per user, got {raw!r}")
        line = f"line {raw.get(LINE_KEY, '?')}"
        out.append(
            StaffRow(
                line=line,
                full_name=_text(raw.get("full_name")),
                unit=_text(raw.get("unit")),
                email=_text(raw.get("email")),
                title=_text(raw.get("title")) or None,
                username=_text(raw.get("username")) or None,
                role=_text(raw.get("role")) or None,
                language=_text(raw.get("language")) or None,
            )
        )
    return out


def file_kind(filename: str) -> str:
    """ "xlsx", "csv" or "yaml" by the file's extension; InvalidInput otherwise."""
    name = filename.lower()
    for ext, kind in ((".xlsx", "xlsx"), (".csv", "csv"), (".yaml", "yaml"), (".yml", "yaml")):
        if name.endswith(ext):
            return kind
    raise InvalidInput(f"{filename}: a staff list is an .xlsx, .csv or .yaml file")


def read_staff_list(data: bytes, *, filename: str, settings: Settings) -> list[StaffRow]:
    """The people of a staff list file; InvalidInput (TooLarge) naming the file and row."""
    kind = file_kind(filename)
    if kind == "xlsx":
        check_size(len(data), limit=settings.import_max_bytes, source=filename)
        check_unpacked(data, limit=settings.import_max_unpacked_bytes, source=filename)
        rows = _rows_from_table(_read_xlsx(data, source=filename), source=filename)
    elif kind == "csv":
        check_size(len(data), limit=settings.yaml_max_bytes, source=filename)
        rows = _rows_from_table(_read_csv(data, source=filename), source=filename)
    else:
        check_size(len(data), limit=settings.yaml_max_bytes, source=filename)
        rows = _read_yaml(data, source=filename)
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"{filename}: {len(rows)} people is over the limit of {MAX_ROWS}")
    if not rows:
        raise InvalidInput(f"{filename}: the list names nobody")
    return rows


def write_staff_list(rows: list[dict[str, str]], *, filename: str) -> bytes:
    """The rows (`EXPORT_HEADERS` keys) as an XLSX or a CSV (UTF-8 with BOM, which Excel
    opens in Vietnamese) by `filename`'s extension. A cell starting like a formula is
    written as text (XLSX) or after a quote (CSV), never run."""
    kind = file_kind(filename)
    headers = [header for _key, header in EXPORT_HEADERS]
    if kind == "xlsx":
        from openpyxl import Workbook

        from workflow.reporting.cells import write_cell

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = "Danh sách cán bộ"
        for c, header in enumerate(headers, start=1):
            write_cell(sheet, row=1, column=c, value=header)
        for r, row in enumerate(rows, start=2):
            for c, header in enumerate(headers, start=1):
                write_cell(sheet, row=r, column=c, value=row[header])
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    if kind != "csv":
        raise InvalidInput(f"{filename}: the export is an .xlsx or .csv file")
    from workflow.reporting.cells import is_formula_like

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["'" + v if is_formula_like(v) else v for v in (row[h] for h in headers)])
    return text.getvalue().encode("utf-8-sig")
