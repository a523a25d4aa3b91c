from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from cases.access import get_project
from cases.models import Role
from codebook.models import Framework
from codebook.seeding import available_frameworks, load_framework, seed_framework


@require_GET
@login_required
def codebook(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    codes = project.codes.with_usage().in_tree_order()
    present = {code.framework for code in codes if code.depth == 0}
    frameworks = [
        {
            "key": key,
            "label": Framework(key).label,
            "spec": load_framework(key) if key in available_frameworks() else None,
            "codes": [code for code in codes if code.framework == key],
        }
        for key in Framework.values
        if key in present
    ]
    context = {
        "project": project,
        "frameworks": frameworks,
        "code_count": len(codes),
        "unseeded": [key for key in available_frameworks() if key not in present],
    }
    return render(request, "codebook/codebook.html", context)


@require_GET
@login_required
def code_detail(request: HttpRequest, project_id, code_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    code = get_object_or_404(project.codes.with_usage().select_related("parent"), pk=code_id)
    context = {
        "project": project,
        "code": code,
        "children": code.children.all(),
        "relations": code.outgoing_relations.select_related("target"),
        "incoming": code.incoming_relations.select_related("source"),
    }
    return render(request, "codebook/code_detail.html", context)


@require_POST
@login_required
def seed(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    framework = request.POST.get("framework", "")
    if framework not in available_frameworks():
        messages.error(request, "Choose one of the available frameworks to seed.")
        return redirect("codebook:codebook", project.pk)
    created = seed_framework(project=project, framework=framework)
    messages.success(request, f"{load_framework(framework).title}: {created} code(s) added.")
    return redirect("codebook:codebook", project.pk)
