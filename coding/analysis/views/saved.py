"""Saved queries (a retrieval under a name: list, save, run, rename, delete) and interview sets (named
groups of interviews or cases: list, make, change, delete). Coders write; viewers read and run."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from accounts.people import display_name
from cases import sets
from cases.access import get_project
from cases.forms import error_sentence
from cases.models import InterviewSet, Project, Role, SetKind, Transcript
from cases.refusals import Refused
from coding.analysis import saved_queries
from coding.analysis.forms import (
    RetrievalForm,
    SavedQueryForm,
    criteria_query,
    saved_fields,
    saved_labels,
    saved_query_form,
)
from coding.analysis.retrieval import Facets, describe_criteria, load_facets
from coding.analysis.set_forms import InterviewSetForm
from coding.analysis.views.retrieval import render_retrieval
from coding.models import SavedQuery

# Saved queries ------------------------------------------------------------------------------------------


def _query_rows(project: Project, facets: Facets) -> list[dict]:
    rows = []
    for saved in SavedQuery.objects.filter(project=project).select_related("created_by__profile"):
        form = saved_query_form(saved, facets=facets)
        usable = form.is_valid()
        rows.append(
            {
                "saved": saved,
                "author": display_name(saved.created_by),
                "usable": usable,
                "problem": form.unusable,
                "description": describe_criteria(facets=facets, criteria=form.criteria()) if usable else "",
                "params": criteria_query(form.criteria()) if usable else "",
            }
        )
    return rows


def _list(request: HttpRequest, project: Project, facets: Facets, *, error: str = "", status: int = 200):
    context = {"project": project, "rows": _query_rows(project, facets), "error": error}
    return render(request, "coding/saved_queries.html", context, status=status)


@require_safe
@login_required
def saved_query_list(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    return _list(request, project, load_facets(project=project))


def _retrieval_form(request: HttpRequest, facets: Facets) -> RetrievalForm:
    return RetrievalForm(QueryDict(request.POST.get("params", "")), facets=facets)


def _refuse_save(request, project, facets, message: str) -> HttpResponse:
    return _list(request, project, facets, error=f"Nothing was saved: {message}", status=400)


@require_POST
@login_required
def saved_query_save(request: HttpRequest, project_id) -> HttpResponse:
    """Saves the retrieval in `params` (its query string) under `name`, or with `replace`, into that query."""
    project = get_project(request, project_id, role=Role.CODER)
    facets = load_facets(project=project)
    retrieval = _retrieval_form(request, facets)
    if not retrieval.is_valid():
        return _refuse_save(request, project, facets, error_sentence(retrieval))
    if retrieval.cleaned_data.get("within"):
        return _refuse_save(
            request,
            project,
            facets,
            "a saved query cannot be saved inside another; remove “Within saved query” from the retrieval.",
        )
    fields, labels = saved_fields(retrieval), saved_labels(retrieval)
    replace = request.POST.get("replace")
    try:
        if replace:
            saved = get_object_or_404(SavedQuery.objects.filter(project=project), pk=replace)
            saved_queries.replace_query(saved=saved, fields=fields, labels=labels)
            messages.success(request, f"Saved the retrieval into “{saved.name}”.")
        else:
            form = SavedQueryForm(request.POST)
            if not form.is_valid():
                return _refuse_save(request, project, facets, error_sentence(form))
            saved = saved_queries.save_query(
                project=project,
                name=form.cleaned_data["name"],
                fields=fields,
                labels=labels,
                user=request.user,
            )
            messages.success(request, f"Saved the retrieval as “{saved.name}”.")
    except Refused as refusal:
        return _refuse_save(request, project, facets, refusal.message)
    return redirect("coding:saved_query_list", project.pk)


@require_safe
@login_required
def saved_query_run(request: HttpRequest, project_id, query_id: int) -> HttpResponse:
    """The retrieval page with the saved query's results; refused (409) while something it names is gone."""
    project = get_project(request, project_id)
    saved = get_object_or_404(SavedQuery.objects.filter(project=project), pk=query_id)
    facets = load_facets(project=project)
    form = saved_query_form(saved, facets=facets)
    if not form.is_valid():
        return _list(request, project, facets, error=form.unusable, status=409)
    # The page of the retrieval as the saved query fills it in, under its own address.
    retrieval = RetrievalForm(QueryDict(criteria_query(form.criteria())), facets=facets)
    return render_retrieval(request, project, facets, retrieval, saved_id=saved.pk)


@require_POST
@login_required
def saved_query_rename(request: HttpRequest, project_id, query_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    saved = get_object_or_404(SavedQuery.objects.filter(project=project), pk=query_id)
    form = SavedQueryForm(request.POST)
    if not form.is_valid():
        facets = load_facets(project=project)
        return _list(request, project, facets, error=f"Not renamed: {error_sentence(form)}", status=400)
    old = saved.name
    try:
        saved_queries.rename_query(saved=saved, name=form.cleaned_data["name"])
    except Refused as refusal:
        facets = load_facets(project=project)
        return _list(request, project, facets, error=f"Not renamed: {refusal.message}", status=400)
    messages.success(request, f"Renamed “{old}” to “{saved.name}”.")
    return redirect("coding:saved_query_list", project.pk)


@require_POST
@login_required
def saved_query_delete(request: HttpRequest, project_id, query_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    saved = get_object_or_404(SavedQuery.objects.filter(project=project), pk=query_id)
    saved_queries.delete_query(saved=saved)
    messages.success(request, f"Deleted the saved query “{saved.name}”.")
    return redirect("coding:saved_query_list", project.pk)


# Interview sets -----------------------------------------------------------------------------------------


def _transcripts(project: Project) -> list:
    return list(
        project.transcripts.select_related("case").defer("text").order_by("case__name", "title", "pk")
    )


def _set_rows(project: Project) -> list[InterviewSet]:
    found = list(
        InterviewSet.objects.filter(project=project)
        .select_related("created_by__profile")
        .prefetch_related("cases", Prefetch("transcripts", Transcript.objects.defer("text")))
    )
    for interview_set in found:
        interview_set.author = display_name(interview_set.created_by)
    return found


def _sets_page(request, project, facets, form, *, status: int = 200) -> HttpResponse:
    context = {"project": project, "sets": _set_rows(project), "form": form, "kinds": SetKind}
    return render(request, "coding/sets.html", context, status=status)


@require_safe
@login_required
def set_list(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    facets = load_facets(project=project)
    form = InterviewSetForm(facets=facets, transcripts=_transcripts(project))
    return _sets_page(request, project, facets, form)


def _members(project: Project, form: InterviewSetForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "kind": data["kind"],
        "cases": list(project.cases.filter(pk__in=data["case_ids"])),
        "transcripts": list(project.transcripts.filter(pk__in=data["transcript_ids"]).defer("text")),
    }


@require_POST
@login_required
def set_create(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    facets = load_facets(project=project)
    form = InterviewSetForm(request.POST, facets=facets, transcripts=_transcripts(project))
    if not form.is_valid():
        return _sets_page(request, project, facets, form, status=400)
    try:
        made = sets.create_set(
            project=project,
            made_from=form.cleaned_data["made_from"],
            user=request.user,
            **_members(project, form),
        )
    except Refused as refusal:
        form.add_error("name", refusal.message)
        return _sets_page(request, project, facets, form, status=400)
    messages.success(request, f"Made the set “{made.name}”.")
    return redirect("coding:set_list", project.pk)


def _set_page(request, project, interview_set, form, *, status: int = 200) -> HttpResponse:
    context = {"project": project, "interview_set": interview_set, "form": form}
    return render(request, "coding/set_edit.html", context, status=status)


@require_safe
@login_required
def set_detail(request: HttpRequest, project_id, set_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    interview_set = get_object_or_404(InterviewSet.objects.filter(project=project), pk=set_id)
    facets = load_facets(project=project)
    initial = {
        "name": interview_set.name,
        "kind": interview_set.kind,
        "cases": list(interview_set.cases.values_list("pk", flat=True)),
        "transcripts": list(interview_set.transcripts.values_list("pk", flat=True)),
    }
    form = InterviewSetForm(facets=facets, transcripts=_transcripts(project), initial=initial)
    return _set_page(request, project, interview_set, form)


@require_POST
@login_required
def set_edit(request: HttpRequest, project_id, set_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    interview_set = get_object_or_404(InterviewSet.objects.filter(project=project), pk=set_id)
    facets = load_facets(project=project)
    form = InterviewSetForm(request.POST, facets=facets, transcripts=_transcripts(project))
    if not form.is_valid():
        return _set_page(request, project, interview_set, form, status=400)
    made_from = form.cleaned_data["made_from"] or interview_set.made_from
    try:
        sets.update_set(interview_set=interview_set, made_from=made_from, **_members(project, form))
    except Refused as refusal:
        form.add_error("name", refusal.message)
        return _set_page(request, project, interview_set, form, status=400)
    messages.success(request, f"Saved the set “{interview_set.name}”.")
    return redirect("coding:set_list", project.pk)


@require_POST
@login_required
def set_delete(request: HttpRequest, project_id, set_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    interview_set = get_object_or_404(InterviewSet.objects.filter(project=project), pk=set_id)
    sets.delete_set(interview_set=interview_set)
    messages.success(request, f"Deleted the set “{interview_set.name}”.")
    return redirect("coding:set_list", project.pk)
