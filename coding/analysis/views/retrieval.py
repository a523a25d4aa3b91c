"""The retrieval page: passages found by codes (AND / OR / NOT) and filters, paginated; its query string
drives the excerpt export and the quotation report."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from cases.models import Project
from coding.analysis.forms import RetrievalForm
from coding.analysis.retrieval import QUOTATIONS_PER_PAGE, Facets, describe_criteria, quotation_page, select
from coding.analysis.views.scope import bound_form

PER_PAGE = QUOTATIONS_PER_PAGE


def _saved_id(request: HttpRequest, facets) -> int | None:
    """The saved query this retrieval was opened from, offered to be saved into again."""
    try:
        saved = int(request.GET.get("saved", ""))
    except ValueError:
        return None
    return saved if saved in facets.saved_queries else None


@require_safe
@login_required
def retrieval(request: HttpRequest, project_id) -> HttpResponse:
    project, facets, form = bound_form(request, project_id, RetrievalForm)
    return render_retrieval(request, project, facets, form, saved_id=_saved_id(request, facets))


def render_retrieval(
    request: HttpRequest,
    project: Project,
    facets: Facets,
    form: RetrievalForm,
    *,
    saved_id: int | None = None,
) -> HttpResponse:
    """The retrieval page for `form`; `saved_id` is the saved query it shows, offered to be saved into."""
    context = {"project": project, "form": form, "saved_queries": facets.saved_queries}
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
        if saved_id:
            context.update(saved_id=saved_id, saved_name=facets.saved_queries[saved_id])
    template = "coding/retrieval.html#results" if request.htmx else "coding/retrieval.html"
    return render(request, template, context)
