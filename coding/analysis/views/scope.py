"""How every analysis page and download starts: the member's project, its facets, the query string's form."""

from typing import TypeVar

from django.http import HttpRequest

from cases.access import get_project
from cases.models import Project
from coding.analysis.forms import ScopeForm
from coding.analysis.retrieval import Facets, load_facets

F = TypeVar("F", bound=ScopeForm)


def bound_form(request: HttpRequest, project_id, form_class: type[F]) -> tuple[Project, Facets, F]:
    """`form_class` bound to the request's query string over the project's codes, cases and attributes
    (404 for an outsider, as `get_project` decides)."""
    project = get_project(request, project_id)
    facets = load_facets(project=project)
    return project, facets, form_class(request.GET, facets=facets)
