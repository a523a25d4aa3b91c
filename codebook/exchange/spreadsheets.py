"""Cells that a spreadsheet would run as formulas, for every CSV and XLSX Crosscase writes.

Excel, LibreOffice and Google Sheets read a text cell starting with `=`, `+`, `-` or `@` as a formula (and a
leading tab or carriage return lets one slip past a naive check), so a code named "=HYPERLINK(…)" or an
NVivo comment "@handle …" would run on opening. Only text is guarded: a number the export writes as a number
(a count, an offset, a negative net) is left alone, and "−1" with the minus sign U+2212 is not a formula.

- CSV: a guarded value gets a single quote in front, the way Excel marks typed text. The quote is
  reversible: a value that already starts with quotes before one of those characters gets one more, so
  `unguard_csv` (used by the codebook import) gives back exactly what was exported.
- XLSX: the value is written unchanged as a string cell with Excel's quote-prefix style, the mark Excel sets
  itself when one types "'=…": it shows the text, and editing the cell does not turn it into a formula.
"""

import csv
import io
from collections.abc import Iterable, Iterator

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
CSV_BATCH = 500  # rows per chunk a streamed CSV sends
_FIRST_OF_GUARDED = frozenset((*FORMULA_START, QUOTE))  # a cheap first test: exports call this per cell


def is_formula_like(value: object) -> bool:
    """Whether a spreadsheet would read this cell as a formula: text starting with a formula character."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def _quoted_formula(value: str) -> bool:
    """A value already guarded once or more: quotes, then a formula character."""
    return value.startswith(QUOTE) and value.lstrip(QUOTE).startswith(FORMULA_START)


def guard_csv(value):
    """The cell as a CSV export writes it: formula-like text with a quote in front, anything else as it is."""
    guarded = value.__class__ is str and value[:1] in _FIRST_OF_GUARDED
    if guarded and (value.startswith(FORMULA_START) or _quoted_formula(value)):
        return QUOTE + value
    return value


def unguard_csv(value: str) -> str:
    """The value `guard_csv` was given: one quote less before a formula character, anything else unchanged."""
    return value[1:] if _quoted_formula(value) else value


def csv_stream(rows: Iterable[list], *, excel: bool = False, batch: int = CSV_BATCH) -> Iterator[bytes]:
    """CSV bytes in chunks of `batch` rows: UTF-8 (with a byte-order mark for Excel), formulas guarded."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    if excel:
        buffer.write("\ufeff")
    for count, row in enumerate(rows, start=1):
        writer.writerow([guard_csv(value) for value in row])
        if count % batch == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


def xlsx_cell(sheet, value):
    """A write-only XLSX cell holding `value`; formula-like text stays text, marked as Excel marks typed
    "'=…" (openpyxl would otherwise write "=…" as a formula)."""
    from openpyxl.cell import WriteOnlyCell  # a large library, loaded by the first XLSX a worker writes

    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell
