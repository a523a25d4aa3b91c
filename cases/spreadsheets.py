"""Cells a spreadsheet will not run: the one rule every CSV and XLSX file Crosscase writes follows.

A text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is read as a formula by Excel,
LibreOffice and Google Sheets (real NVivo data has comment lines starting with `@handle`). In CSV such a cell
is written with a leading apostrophe, which spreadsheets show as text and hide; so is a text that already
starts with an apostrophe before one of those characters, so that `unguarded` gives back exactly what was
written. In XLSX the value stays exact in a text cell marked "quote prefix", which keeps it text even when
edited. Numbers are written as numbers and never touched, so "−1" figures and negative counts stay as they
are.
"""

from typing import Any

from openpyxl.cell import WriteOnlyCell

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
GUARD = "'"


def needs_guard(text: str) -> bool:
    """Whether `text`, written as it is, would be taken for a formula (or for a guarded one)."""
    while text.startswith(GUARD):
        text = text[1:]
    return text.startswith(FORMULA_START)


def guarded(value: Any) -> Any:
    """`value` for a CSV cell: text a spreadsheet would run gets the apostrophe; anything else as it is."""
    if isinstance(value, str) and needs_guard(value):
        return GUARD + value
    return value


def unguarded(text: str) -> str:
    """The text `guarded` was given, from what it wrote (text it left alone comes back unchanged)."""
    if text.startswith(GUARD) and needs_guard(text[1:]):
        return text[1:]
    return text


def xlsx_cell(sheet, value: Any) -> WriteOnlyCell:
    """A write-only cell holding `value`: numbers numeric, text always a text cell, never a formula."""
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, str) and needs_guard(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
