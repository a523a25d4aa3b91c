"""Importing a .qdpx project: upload and preview, then confirm (into this project or a new one); linking
imported coders to members. Owner-only inside a project; any signed-in user may import into a new project,
of which they become the owner."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.access import get_project
from cases.forms import error_sentence
from cases.models import Membership, Project, Role
from cases.refusals import Refused
from codebook.exchange.imports import plan_import
from coding.exchange.qdpx import previews
from coding.exchange.qdpx.forms import ConfirmForm, LinkForm, UploadForm
from coding.exchange.qdpx.importing import import_package, imported_coders, link_coder

TEMPLATE = "coding/qdpx_import.html"


def _preview(request: HttpRequest, project: Project | None) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    context = {"project": project, "form": form}
    if request.method == "POST" and form.is_valid():
        package = form.package
        token = previews.keep(
            scope=str(project.pk) if project else "new",
            user=request.user,
            filename=form.filename,
            data=form.content,
        )
        initial = {"token": token, "name": package.title[:200], "case_name": package.title[:200]}
        context["package"] = package
        context["confirm_form"] = ConfirmForm(initial=initial, project=project, user=request.user)
        context["caseless"] = _caseless(package)
        if project is not None and package.project.codebook.entries:
            try:
                context["plan"] = plan_import(project=project, parsed=package.project.codebook)
            except Refused as refusal:
                context["plan_refusal"] = refusal.message
    return render(request, TEMPLATE, context, status=400 if form.errors else 200)


def _caseless(package) -> int:
    listed = {guid for case in package.project.cases for guid in case.sources}
    return sum(text.source.guid not in listed for text in package.texts)


def _confirm(request: HttpRequest, project: Project | None) -> HttpResponse:
    form = ConfirmForm(request.POST, project=project, user=request.user)
    context = {"project": project, "form": UploadForm()}
    if not form.is_valid():
        context["refusal"] = error_sentence(form)
        return render(request, TEMPLATE, context, status=400)
    try:
        with transaction.atomic():
            target = project
            if target is None:
                target = Project.objects.create(name=form.cleaned_data["name"], created_by=request.user)
                Membership.objects.create(project=target, user=request.user, role=Role.OWNER)
            result = import_package(
                package=form.package,
                project=target,
                user=request.user,
                case=form.cleaned_data.get("case"),
                case_name=form.cleaned_data.get("case_name", ""),
                study_name=form.cleaned_data.get("study_name", ""),
            )
    except Refused as refusal:
        context["refusal"] = refusal.message
        return render(request, TEMPLATE, context, status=400)
    previews.discard(form.kept)
    context = {"project": target, "result": result, "package": form.package}
    return render(request, "coding/qdpx_import_result.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def qdpx_import(request: HttpRequest, project_id) -> HttpResponse:
    """Step one: upload an archive and see what it holds and what cannot be kept; nothing is written."""
    return _preview(request, get_project(request, project_id, role=Role.OWNER))


@require_POST
@login_required
def qdpx_import_confirm(request: HttpRequest, project_id) -> HttpResponse:
    """Step two: import the previewed archive into this project, all or nothing."""
    return _confirm(request, get_project(request, project_id, role=Role.OWNER))


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def qdpx_new(request: HttpRequest) -> HttpResponse:
    return _preview(request, None)


@require_POST
@login_required
def qdpx_new_confirm(request: HttpRequest) -> HttpResponse:
    return _confirm(request, None)


@require_safe
@login_required
def qdpx_coders(request: HttpRequest, project_id) -> HttpResponse:
    """The project's imported coders, each with their codings, and a form to link one to a member."""
    project = get_project(request, project_id, role=Role.OWNER)
    coders = (
        imported_coders(project).annotate(coding_count=Count("codings")).order_by("profile__display_name")
    )
    context = {"project": project, "coders": coders, "form": LinkForm(project=project)}
    return render(request, "coding/qdpx_import_coders.html", context)


@require_POST
@login_required
def qdpx_coder_link(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    form = LinkForm(request.POST, project=project)
    if not form.is_valid():
        coders = (
            imported_coders(project).annotate(coding_count=Count("codings")).order_by("profile__display_name")
        )
        context = {"project": project, "coders": coders, "form": form, "refusal": error_sentence(form)}
        return render(request, "coding/qdpx_import_coders.html", context, status=400)
    identity, member = form.cleaned_data["identity"], form.cleaned_data["member"]
    name = identity.profile.display_name
    moved = link_coder(project=project, identity=identity, member=member, user=request.user)
    messages.success(request, f"{name}'s {moved} coding{'s' if moved != 1 else ''} now belong to the member.")
    return redirect("coding:qdpx_coders", project.pk)
