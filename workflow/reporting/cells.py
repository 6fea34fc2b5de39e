"""Spreadsheet cells that never turn text into a formula (CSV/formula injection).

A work item's title, a unit's or a person's name is typed by users; written to a sheet as
is, text starting with `=`, `+`, `-`, `@` (or a tab or carriage return, which some
spreadsheet programs strip first) is evaluated as a formula when the file is opened. Every
spreadsheet writer puts its values through `write_cell`: numbers, dates and booleans stay
what they are; text is stored as text and, when it starts with such a character, marked
quote-prefixed so the program shows it verbatim and keeps it text when edited.
"""

from __future__ import annotations

from typing import Any

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(text: str) -> bool:
    """True when a spreadsheet program could read `text` as a formula."""
    return text.startswith(FORMULA_TRIGGERS)


def write_cell(ws: Any, *, row: int, column: int, value: object) -> Any:
    """Put `value` into the openpyxl sheet `ws` at (`row`, `column`) and return the cell.

    Text is never a formula nor an error code ("#N/A"): its type is forced to string.
    """
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if is_formula_like(value):
            cell.quotePrefix = True
    return cell
