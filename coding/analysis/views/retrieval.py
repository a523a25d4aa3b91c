"""The retrieval page: passages found by codes (AND / OR / NOT) and filters, paginated; its query string
drives the excerpt export and the quotation report."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from coding.analysis.forms import RetrievalForm
from coding.analysis.retrieval import describe_criteria, quotation_page, select
from coding.analysis.views.scope import bound_form

PER_PAGE = 25


@require_safe
@login_required
def retrieval(request: HttpRequest, project_id) -> HttpResponse:
    project, facets, form = bound_form(request, project_id, RetrievalForm)
    context = {"project": project, "form": form}
    if form.is_valid():
        criteria = form.criteria()
        selection = select(project=project, criteria=criteria, tree=facets.tree)
        page, found = quotation_page(
            selection=selection, page_number=request.GET.get("page"), per_page=PER_PAGE
        )
        context.update(
            page=page,
            quotations=found,
            scope=describe_criteria(facets=facets, criteria=criteria),
            params=form.query(page=None),
        )
    template = "coding/retrieval.html#results" if request.htmx else "coding/retrieval.html"
    return render(request, template, context)
