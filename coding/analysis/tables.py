"""The matrix's and the co-occurrence table's rows as HTML, built in Python rather than in a template loop: a
codebook has hundreds of codes, the valence view two links per cell, and the pages have a time budget.
Everything interpolated is escaped once: link prefixes and column parameters per table, names per row.
Heat, depth and colours travel as classes (`heat-370`, `depth-2`, `colour-1f77b4`) that static/js/paint.js
turns into rules: the Content-Security-Policy forbids style attributes.
"""

from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe

from coding.analysis.cooccurrence import Cooccurrence
from coding.analysis.matrix import TOTAL, VALUE_PREFIX, Cell, Matrix, Row
from coding.models import Valence

DARK = 0.55  # heat above which a cell's number turns white
# The valence links' titles, from the model's labels ("Quotations: − pushes apart").
TITLES = {value: escape(f"Quotations: {label}") for value, label in Valence.choices}


class MatrixTable:
    """The matrix's body rows and totals row; a cell links to its drill-down (with + and − apart in the
    valence view)."""

    def __init__(self, matrix: Matrix, *, page_link: str, cell_link: str):
        self.matrix = matrix
        self.page_link = escape(page_link)
        self.cell_link = escape(cell_link)
        self.columns = {
            column.key: escape(urlencode({"col": VALUE_PREFIX + column.key})) for column in matrix.columns
        }
        self.columns[TOTAL] = escape(urlencode({"col": TOTAL}))

    def link(self, cell: Cell, text: str, sign: str = "", extra: str = "") -> str:
        address = f"node={cell.node}&amp;{self.columns[cell.column]}" + (f"&amp;sign={sign}" if sign else "")
        return (
            f'<a{extra} href="{self.page_link}{address}#drilldown" hx-get="{self.cell_link}{address}">'
            f"{text}</a>"
        )

    def cell(self, cell: Cell) -> str:
        classes = "cell" + (" total" if cell.column == TOTAL else "") + (" dark" if cell.heat > DARK else "")
        if self.matrix.spec.valence:
            classes += f" {cell.tone}" if cell.tone else ""
            plus, minus = cell.shown_positive, cell.shown_negative
            if cell.positive:
                plus = self.link(
                    cell, plus, Valence.POSITIVE, f' class="plus" title="{TITLES[Valence.POSITIVE]}"'
                )
            else:
                plus = f'<span class="plus zero">{plus}</span>'
            if cell.negative:
                minus = self.link(
                    cell, minus, Valence.NEGATIVE, f' class="minus" title="{TITLES[Valence.NEGATIVE]}"'
                )
            else:
                minus = f'<span class="minus zero">{minus}</span>'
            inner = f'{plus} {minus}<span class="net" title="Net: + minus −">{cell.shown_net}</span>'
        elif cell.all:
            inner = self.link(cell, cell.shown)
        else:
            inner = f'<span class="zero">{cell.shown}</span>'
        return f'<td class="{classes} heat-{cell.heat * 1000:.0f}">{inner}</td>'

    def row(self, row: Row) -> str:
        code = row.code
        name = escape(code.name)
        if code.has_children:
            toggle = (
                f'<button type="button" class="toggle" aria-expanded="true" aria-label="Collapse {name}">'
                "▾</button>"
            )
        else:
            toggle = '<span class="toggle-space"></span>'
        cells = "".join(self.cell(cell) for cell in [*row.cells, row.total])
        return (
            f'<tr class="depth-{code.depth}" data-depth="{code.depth}" data-code="{code.pk}">'
            f'<th scope="row">{toggle}<span class="swatch colour-{escape(code.colour[1:])}"></span>'
            f'<span class="code-name" title="{escape(code.path)}">{name}</span> '
            f'<span class="level level-{code.level}" title="{escape(code.get_level_display())} code">'
            f"{code.level[:1].upper()}</span></th>{cells}</tr>"
        )

    def rows(self) -> SafeString:
        return mark_safe("\n".join(self.row(row) for row in self.matrix.rows))  # escaped piecewise above

    def totals(self) -> SafeString:
        cells = [*self.matrix.column_totals, self.matrix.grand_total]
        return mark_safe("".join(self.cell(cell) for cell in cells))  # escaped piecewise above


def cooccurrence_rows(table: Cooccurrence, *, page_link: str, cell_link: str) -> SafeString:
    """The table's rows, built here for the same reason as the matrix's: up to 60 × 60 cells."""
    page_link, cell_link = escape(page_link), escape(cell_link)
    rows = []
    for code, pairs in table.rows():
        cells = []
        for pair in pairs:
            classes = (
                "cell" + (" diagonal" if pair.a == pair.b else "") + (" dark" if pair.heat > DARK else "")
            )
            if pair.count:
                address = f"a={pair.a}&amp;b={pair.b}"
                inner = (
                    f'<a href="{page_link}{address}#drilldown" hx-get="{cell_link}{address}">{pair.count}</a>'
                )
            else:
                inner = '<span class="zero">0</span>'
            cells.append(f'<td class="{classes} heat-{pair.heat * 1000:.0f}">{inner}</td>')
        rows.append(
            f'<tr><th scope="row" class="depth-{code.depth}">'
            f'<span class="swatch colour-{escape(code.colour[1:])}"></span>'
            f'<span class="code-name" title="{escape(code.path)}">{escape(code.name)}</span></th>'
            f"{''.join(cells)}</tr>"
        )
    return mark_safe("\n".join(rows))  # escaped piecewise above
