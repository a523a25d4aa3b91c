"""The pages of background jobs: the project's recent jobs, one job's progress and result, its download."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe
from django_htmx.http import HttpResponseClientRedirect

from cases import access_log, jobs
from cases.access import get_project
from cases.models import AccessAction, Job, Project, Role

# Jobs read or write whole projects (every transcript in one archive): the list of them is the owners', and
# each job is its owners' and its starter's (a coder may export the project, and must see that export).
JOB_ROLE = Role.OWNER
PER_PAGE = 25


def _job(request: HttpRequest, project_id, job_id, *related: str) -> tuple[Project, Job]:
    """The project and its job, for an owner or the member who started the job; 404 for anyone else, as for
    a job that does not exist."""
    project = get_project(request, project_id)
    visible = project.jobs.all()
    if not project.membership.is_owner:
        visible = visible.filter(created_by=request.user)
    return project, get_object_or_404(visible.select_related(*related), pk=job_id)


@require_safe
@login_required
def job_list(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=JOB_ROLE)
    page = Paginator(
        project.jobs.select_related("created_by__profile").defer("params", "result"), PER_PAGE
    ).get_page(request.GET.get("page"))
    return render(
        request, "cases/job_list.html", {"project": project, "page": page, "keep_days": jobs.KEEP.days}
    )


def _own_job(request: HttpRequest, job_id, *related: str) -> Job:
    """A job started for a project not made yet (a new project's import), which only its starter sees; once
    its import has made the project, the job is that project's."""
    return get_object_or_404(Job.objects.filter(created_by=request.user).select_related(*related), pk=job_id)


def _detail(request: HttpRequest, project: Project | None, job: Job) -> HttpResponse:
    """The job's progress while it runs (htmx polls the `progress` partial, which stops polling once the job
    has finished; without JavaScript the page refreshes itself), then its result. A job whose result is a
    page of its own for its starter (`result.next`, the preview of an archive read) sends them there once
    done; another owner sees the job's summary."""
    if job.is_finished and (page := job.result.get("next")) and job.created_by_id == request.user.pk:
        return HttpResponseClientRedirect(page) if request.htmx else redirect(page)
    template = "cases/job_detail.html#progress" if request.htmx else "cases/job_detail.html"
    return render(request, template, {"project": project, "job": job})


@require_safe
@login_required
def job_detail(request: HttpRequest, project_id, job_id) -> HttpResponse:
    project, job = _job(request, project_id, job_id, "created_by__profile")
    return _detail(request, project, job)


@require_safe
@login_required
def own_job_detail(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id, "created_by__profile")
    return redirect(job) if job.project_id else _detail(request, None, job)


@require_safe
@login_required
def job_output(request: HttpRequest, project_id, job_id) -> FileResponse:
    """A job's file: a whole project's archive, so while blind coding is on, only owners may take it (even one
    a coder exported before blind coding was switched on)."""
    project, job = _job(request, project_id, job_id)
    if not job.output:
        raise Http404("This job has no file to download.")
    if project.blind_coding and not project.membership.is_owner:
        raise PermissionDenied(
            "While blind coding is on, only owners can download a whole project's archive: it holds every "
            "coder's codings."
        )
    access_log.record(AccessAction.EXPORTED, request=request, project=project, detail=job.output_name)
    return FileResponse(job.output.open("rb"), as_attachment=True, filename=job.output_name or None)


@require_POST
@login_required
def job_delete(request: HttpRequest, project_id, job_id) -> HttpResponse:
    project, job = _job(request, project_id, job_id)
    return _delete(request, project, job)


@require_POST
@login_required
def own_job_delete(request: HttpRequest, job_id) -> HttpResponse:
    job = _own_job(request, job_id)
    if job.project_id:
        raise Http404("This job is its project's now.")
    return _delete(request, None, job)


def _delete(request: HttpRequest, project: Project | None, job: Job) -> HttpResponse:
    if not job.is_finished:
        messages.error(
            request,
            f"“{job.title}” is still {job.get_status_display()}; it can be removed once it has finished.",
        )
        return redirect(job)
    jobs.remove(job=job)
    messages.success(request, f"Removed “{job.title}” and its files.")
    if project is None:
        return redirect("cases:project_list")
    return redirect("cases:job_list", project.pk) if project.membership.is_owner else redirect(project)
