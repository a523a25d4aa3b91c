"""The agreement report as CSV and XLSX: a header saying method, unit, coders, scope and date, then one table
per comparison, with the same rows the page shows (and, for characters, every code × transcript row)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from codebook.exchange.spreadsheets import csv_stream, xlsx_cell

if TYPE_CHECKING:  # the report module brings numpy, which a web process loads only to build a report
    from coding.agreement.report import Comparison, Report


def _values(comparison: Comparison, values: dict) -> list:
    return ["" if values.get(column.key) is None else values[column.key] for column in comparison.columns]


def report_lines(report: Report, *, percent_as_number: bool) -> list[list]:
    """Rows of cells; an undefined figure is an empty cell (the header says why). Percentages are fractions
    for XLSX (formatted there) and per cent for CSV."""
    lines: list[list] = [["Crosscase agreement report"], ["Project", report.project_name]]
    lines += [[label, text] for label, text in report.method()]
    lines.append(["Undefined", report.undefined.replace("— means", "An empty cell means")])
    if report.nothing_to_compare:
        lines.append(["Comparison", report.nothing_to_compare])
    for comparison in report.comparisons:
        lines += [[], ["Comparison", comparison.title]]
        headings = [
            column.heading + (" (%)" if column.kind == "percent" and not percent_as_number else "")
            for column in comparison.columns
        ]
        lines.append(["Scope", "Code", "Code path", "Transcript", *headings])

        def values(row, comparison=comparison) -> list:
            cells = _values(comparison, row.values)
            if not percent_as_number:
                cells = [
                    round(value * 100, 1) if column.kind == "percent" and value != "" else value
                    for column, value in zip(comparison.columns, cells, strict=True)
                ]
            return cells

        lines += [["code", row.label, row.path, "", *values(row)] for row in comparison.by_code]
        lines += [["case", row.label, "", "", *values(row)] for row in comparison.by_case]
        lines.append(["overall", comparison.overall.label, "", "", *values(comparison.overall)])
        lines += [
            ["code × transcript", row.label, row.path, row.case, *values(row)]
            for row in comparison.by_transcript
        ]
    return lines


def report_csv(report: Report, *, excel: bool = False) -> bytes:
    return b"".join(csv_stream(report_lines(report, percent_as_number=False), excel=excel))


def report_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook  # a large library, loaded by the first XLSX a worker writes
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Agreement")
    sheet.column_dimensions["A"].width = 18
    sheet.column_dimensions["B"].width = 40
    bold = Font(bold=True)
    percent_headings = {
        column.heading
        for comparison in report.comparisons
        for column in comparison.columns
        if column.kind == "percent"
    }
    percent_columns: set[int] = set()
    for line in report_lines(report, percent_as_number=True):
        if line[:1] == ["Scope"] and len(line) > 2:
            percent_columns = {index for index, heading in enumerate(line) if heading in percent_headings}
        heading = line[:1] in (["Scope"], ["Comparison"]) and len(line) > 1
        cells = []
        for index, value in enumerate(line):
            cell = xlsx_cell(sheet, value)
            if heading or (index == 0 and len(line) <= 2):
                cell.font = bold
            if index in percent_columns and isinstance(value, float) and line[:1] != ["Scope"]:
                cell.number_format = "0.0%"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
