"""The cross-case matrix and the co-occurrence table, each with a drill-down into the quotations of a cell.

Both pages are GET forms whose htmx requests answer with the table alone. A cell is a link to the page with
the cell chosen (which renders its quotations server-side) and, with htmx, loads them into a drawer over
the table without leaving the page.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_safe

from cases.access import get_project
from cases.models import Project
from coding.analysis.cooccurrence import build_cooccurrence
from coding.analysis.forms import CellForm, CooccurrenceCellForm, CooccurrenceForm, MatrixForm
from coding.analysis.matrix import build_matrix, describe
from coding.analysis.retrieval import Facets, describe_criteria, load_facets, quotation_page, select
from coding.analysis.tables import MatrixTable, cooccurrence_rows
from coding.analysis.views.scope import bound_form
from coding.models import Valence

PER_PAGE = 20


def _quotation_page(request: HttpRequest, project: Project, facets: Facets, criteria) -> dict:
    selection = select(project=project, criteria=criteria, tree=facets.tree)
    page, found = quotation_page(selection=selection, page_number=request.GET.get("page"), per_page=PER_PAGE)
    return {"page": page, "quotations": found}


def _drilldown_hx(request: HttpRequest, project_id, *, page: str, cell: str, opener) -> HttpResponse:
    """A cell's quotations for the drawer over a table (the partial both tables share); without htmx, the
    table's page with the cell open."""
    project = get_project(request, project_id)
    if not request.htmx:
        url = reverse(page, args=[project.pk])
        return redirect(f"{url}?{request.GET.urlencode()}#drilldown")
    facets = load_facets(project=project)
    context = {"project": project, "page_name": page, "cell_name": cell}
    return render(request, "coding/_drilldown.html", {**context, **opener(request, project, facets)})


def _cell(request: HttpRequest, project: Project, facets: Facets) -> dict:
    form = CellForm(request.GET, facets=facets)
    # The drawer's Close link: the same matrix without the cell.
    context = {
        "cell_form": form,
        "cell_opened": True,
        "close_query": form.query(node=None, col=None, sign=None, page=None),
    }
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
    project, facets, form = bound_form(request, project_id, MatrixForm)
    context = {"project": project, "form": form}
    if form.is_valid():
        spec = form.spec()
        query = form.query(node=None, col=None, sign=None, page=None)
        joint = f"?{query}&" if query else "?"
        table = build_matrix(facets=facets, spec=spec)
        # A cell links to the page (for htmx: the drill-down) with the matrix's query and the cell's address.
        page_link = reverse("coding:matrix", args=[project.pk]) + joint
        cell_link = reverse("coding:matrix_cell_hx", args=[project.pk]) + joint
        html = MatrixTable(table, page_link=page_link, cell_link=cell_link)
        context.update(
            matrix=table,
            rows_html=html.rows(),
            totals_html=html.totals(),
            description=describe(facets=facets, spec=spec),
            valence=Valence,
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
    )


@require_safe
@login_required
def cooccurrence(request: HttpRequest, project_id) -> HttpResponse:
    project, facets, form = bound_form(request, project_id, CooccurrenceForm)
    context = {"project": project, "form": form}
    if form.is_valid():
        criteria = form.criteria()
        unit = form.cleaned_data.get("unit") or "segments"
        table = build_cooccurrence(facets=facets, nodes=form.nodes(), unit=unit, criteria=criteria)
        params = form.query(a=None, b=None, page=None)
        joint = f"?{params}&" if params else "?"
        context.update(
            table=table,
            rows_html=cooccurrence_rows(
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
    context = {"cell_form": form, "cell_opened": True, "close_query": form.query(a=None, b=None, page=None)}
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
    )
