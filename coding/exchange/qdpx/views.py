"""Importing a .qdpx project: upload, then a job reads the archive and its preview is shown; confirming starts
the job that imports it (into this project or a new one). Linking imported coders to members. Owner-only
inside a project; any signed-in user may import into a new project, of which they become the owner.

Each preview is its starter's: another owner of the project cannot confirm it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from cases.access import get_project
from cases.forms import error_sentence
from cases.models import Job, JobStatus, Project, Role
from cases.refusals import Refused
from cases.request_limits import archive_upload
from coding.exchange.qdpx.forms import ConfirmForm, LinkForm, UploadForm
from coding.exchange.qdpx.importing import imported_coders, link_coder
from coding.exchange.qdpx.tasks import PREVIEW, start_import, start_preview


def _upload(request: HttpRequest, project: Project | None) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = start_preview(project=project, user=request.user, upload=form.cleaned_data["file"])
        return redirect(job)
    context = {"project": project, "form": form}
    return render(request, "coding/qdpx_import.html", context, status=400 if form.errors else 200)


def _preview(request: HttpRequest, project: Project | None, preview_id) -> Job:
    """The user's own finished preview job here (404 for anyone else's, or one in another project)."""
    return get_object_or_404(
        Job.objects.filter(project=project, kind=PREVIEW, created_by=request.user), pk=preview_id
    )


def _show(request: HttpRequest, project: Project | None, job: Job, form=None, refusal="") -> HttpResponse:
    if job.status != JobStatus.DONE:  # still reading, or failed: its page says which
        return redirect(job)
    if not job.upload and job.result.get("imported"):
        return redirect(job.result["imported"])
    context = {
        "project": project,
        "job": job,
        "preview": job.result["preview"],
        "kept": bool(job.upload),
        "confirm_form": form or ConfirmForm(initial=_initial(job), project=project),
        "refusal": refusal,
    }
    return render(request, "coding/qdpx_preview.html", context, status=400 if refusal else 200)


def _initial(job: Job) -> dict:
    title = job.result["preview"]["title"]
    return {"name": title, "case_name": title}


def _confirm(request: HttpRequest, project: Project | None, preview_id) -> HttpResponse:
    preview = _preview(request, project, preview_id)
    form = ConfirmForm(request.POST, project=project)
    if not form.is_valid():
        return _show(request, project, preview, form=form, refusal=error_sentence(form))
    try:
        job = start_import(preview=preview, user=request.user, options=form.options())
    except Refused as refusal:
        return _show(request, project, preview, form=form, refusal=refusal.message)
    preview.result["imported"] = job.get_absolute_url()
    preview.save(update_fields=["result"])
    return redirect(job)


@archive_upload
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def qdpx_import(request: HttpRequest, project_id) -> HttpResponse:
    """Step one: upload an archive; a job reads it and shows what it holds and what cannot be kept."""
    return _upload(request, get_project(request, project_id, role=Role.OWNER))


@require_safe
@login_required
def qdpx_preview(request: HttpRequest, project_id, preview_id) -> HttpResponse:
    """Step two: the preview of the archive read; nothing has been written."""
    project = get_project(request, project_id, role=Role.OWNER)
    return _show(request, project, _preview(request, project, preview_id))


@require_POST
@login_required
def qdpx_import_confirm(request: HttpRequest, project_id, preview_id) -> HttpResponse:
    """Step three: import the previewed archive into this project, all or nothing, as a job."""
    return _confirm(request, get_project(request, project_id, role=Role.OWNER), preview_id)


@archive_upload
@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def qdpx_new(request: HttpRequest) -> HttpResponse:
    return _upload(request, None)


@require_safe
@login_required
def qdpx_new_preview(request: HttpRequest, preview_id) -> HttpResponse:
    return _show(request, None, _preview(request, None, preview_id))


@require_POST
@login_required
def qdpx_new_confirm(request: HttpRequest, preview_id) -> HttpResponse:
    return _confirm(request, None, preview_id)


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
