"""The cross-case matrix and the co-occurrence table, each with a drill-down into the quotations of a cell.

Both pages are GET forms whose htmx requests answer with the table alone. A cell is a link to the page with
the cell chosen (which renders its quotations server-side) and, with htmx, loads them into the panel beside
the table without leaving the page.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import escape
from django.utils.http import urlencode
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_safe

from cases.access import get_project
from cases.models import Project
from coding.analysis.cooccurrence import Cooccurrence, build_cooccurrence
from coding.analysis.forms import CellForm, CooccurrenceCellForm, CooccurrenceForm, MatrixForm
from coding.analysis.matrix import TOTAL, VALUE_PREFIX, Cell, Matrix, Row, build_matrix, describe
from coding.analysis.retrieval import Facets, describe_criteria, load_facets, quotation_page, select
from coding.models import Valence

PER_PAGE = 20
DARK = 0.55  # heat above which a cell's number turns white


class _TableHtml:
    """The matrix's body rows and totals row, built here rather than in a template loop: a codebook has
    hundreds of codes, the valence view two links per cell, and the page has a time budget. Everything
    interpolated is escaped once: the link prefixes and column parameters per table, names per row."""

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
                    cell, plus, Valence.POSITIVE, ' class="plus" title="Quotations pulling together"'
                )
            else:
                plus = f'<span class="plus zero">{plus}</span>'
            if cell.negative:
                minus = self.link(
                    cell, minus, Valence.NEGATIVE, ' class="minus" title="Quotations pushing apart"'
                )
            else:
                minus = f'<span class="minus zero">{minus}</span>'
            inner = f'{plus} {minus}<span class="net" title="Net: + minus −">{cell.shown_net}</span>'
        elif cell.all:
            inner = self.link(cell, cell.shown)
        else:
            inner = f'<span class="zero">{cell.shown}</span>'
        return f'<td class="{classes}" style="--heat: {cell.heat:.3f}">{inner}</td>'

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
            f'<th scope="row" style="--depth: {code.depth}">{toggle}'
            f'<span class="swatch" style="background: {escape(code.colour)}"></span>'
            f'<span class="code-name" title="{escape(code.path)}">{name}</span> '
            f'<span class="level level-{code.level}" title="{escape(code.get_level_display())} code">'
            f"{code.level[:1].upper()}</span></th>{cells}</tr>"
        )

    def rows(self) -> SafeString:
        return mark_safe("\n".join(self.row(row) for row in self.matrix.rows))  # escaped piecewise above

    def totals(self) -> SafeString:
        cells = [*self.matrix.column_totals, self.matrix.grand_total]
        return mark_safe("".join(self.cell(cell) for cell in cells))  # escaped piecewise above


def _cooccurrence_rows(table: Cooccurrence, *, page_link: str, cell_link: str) -> SafeString:
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
            cells.append(f'<td class="{classes}" style="--heat: {pair.heat:.3f}">{inner}</td>')
        rows.append(
            f'<tr><th scope="row" style="--depth: {code.depth}">'
            f'<span class="swatch" style="background: {escape(code.colour)}"></span>'
            f'<span class="code-name" title="{escape(code.path)}">{escape(code.name)}</span></th>'
            f"{''.join(cells)}</tr>"
        )
    return mark_safe("\n".join(rows))  # escaped piecewise above


def _quotation_page(request: HttpRequest, project: Project, facets: Facets, criteria) -> dict:
    selection = select(project=project, criteria=criteria, tree=facets.tree)
    page, found = quotation_page(selection=selection, page_number=request.GET.get("page"), per_page=PER_PAGE)
    return {"page": page, "quotations": found}


def _drilldown_hx(
    request: HttpRequest, project_id, *, page: str, cell: str, opener, what: str
) -> HttpResponse:
    """A cell's quotations for the panel beside a table (the partial both tables share); without htmx, the
    table's page with the cell open."""
    project = get_project(request, project_id)
    if not request.htmx:
        url = reverse(page, args=[project.pk])
        return redirect(f"{url}?{request.GET.urlencode()}#drilldown")
    facets = load_facets(project=project)
    context = {"project": project, "page_name": page, "cell_name": cell, "what": what}
    return render(request, "coding/_drilldown.html", {**context, **opener(request, project, facets)})


def _cell(request: HttpRequest, project: Project, facets: Facets) -> dict:
    form = CellForm(request.GET, facets=facets)
    context = {"cell_form": form, "cell_opened": True}
    if form.is_valid():
        context.update(_quotation_page(request, project, facets, form.criteria()))
        context.update(
            cell_title=form.title(),
            cell_query=form.query(page=None),
            retrieval_query=form.retrieval_query(),
        )
    return context


@require_safe
@login_required
def matrix(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    facets = load_facets(project=project)
    form = MatrixForm(request.GET, facets=facets)
    context = {"project": project, "form": form}
    if form.is_valid():
        spec = form.spec()
        query = form.query(node=None, col=None, sign=None, page=None)
        joint = f"?{query}&" if query else "?"
        table = build_matrix(facets=facets, spec=spec)
        # A cell links to the page (for htmx: the drill-down) with the matrix's query and the cell's address.
        page_link = reverse("coding:matrix", args=[project.pk]) + joint
        cell_link = reverse("coding:matrix_cell_hx", args=[project.pk]) + joint
        html = _TableHtml(table, page_link=page_link, cell_link=cell_link)
        context.update(
            matrix=table,
            rows_html=html.rows(),
            totals_html=html.totals(),
            description=describe(facets=facets, spec=spec),
            params=query,
            excerpt_query=form.excerpt_query(),
        )
        if "node" in request.GET:  # a cell opened without JavaScript
            context.update(_cell(request, project, facets))
    template = "coding/matrix.html#matrix-area" if request.htmx else "coding/matrix.html"
    return render(request, template, context)


@require_safe
@login_required
def matrix_cell_hx(request: HttpRequest, project_id) -> HttpResponse:
    return _drilldown_hx(
        request,
        project_id,
        page="coding:matrix",
        cell="coding:matrix_cell_hx",
        opener=_cell,
        what="quotations",
    )


@require_safe
@login_required
def cooccurrence(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    facets = load_facets(project=project)
    form = CooccurrenceForm(request.GET, facets=facets)
    context = {"project": project, "form": form}
    if form.is_valid():
        criteria = form.criteria()
        unit = form.cleaned_data.get("unit") or "segments"
        table = build_cooccurrence(facets=facets, nodes=form.nodes(), unit=unit, criteria=criteria)
        params = form.query(a=None, b=None, page=None)
        joint = f"?{params}&" if params else "?"
        context.update(
            table=table,
            rows_html=_cooccurrence_rows(
                table,
                page_link=reverse("coding:cooccurrence", args=[project.pk]) + joint,
                cell_link=reverse("coding:cooccurrence_cell_hx", args=[project.pk]) + joint,
            ),
            scope=describe_criteria(facets=facets, criteria=criteria),
            params=params,
        )
        if "a" in request.GET:
            context.update(_pair(request, project, facets))
    template = "coding/cooccurrence.html#table-area" if request.htmx else "coding/cooccurrence.html"
    return render(request, template, context)


def _pair(request: HttpRequest, project: Project, facets: Facets) -> dict:
    form = CooccurrenceCellForm(request.GET, facets=facets)
    context = {"cell_form": form, "cell_opened": True}
    if form.is_valid():
        context.update(_quotation_page(request, project, facets, form.cell_criteria()))
        context.update(
            cell_title=form.title(), cell_query=form.query(page=None), retrieval_query=form.retrieval_query()
        )
    return context


@require_safe
@login_required
def cooccurrence_cell_hx(request: HttpRequest, project_id) -> HttpResponse:
    return _drilldown_hx(
        request,
        project_id,
        page="coding:cooccurrence",
        cell="coding:cooccurrence_cell_hx",
        opener=_pair,
        what="passages",
    )
