"""Code all hits: the hits of a search with a code to apply, its preview, the write, and the batches' undo.

The page is reached from the search results. A GET with a code chosen is the preview (nothing is written);
the preview's form posts the same fields with the preview's digest, so the write is what was previewed or a
409 saying it changed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from accounts.people import display_name
from cases.access import get_project
from cases.forms import error_sentence
from cases.models import Project, Role
from cases.refusals import Conflict, Refused
from cases.search import MAX_QUERY
from cases.turns import Locator
from coding.analysis.retrieval import CodeTree
from coding.hits.batches import Found, find_hits, plan, undo_batch
from coding.hits.batches import apply_batch as write_batch
from coding.hits.forms import CodeHitsForm
from coding.models import CodingBatch

CONTEXT = 60  # characters shown either side of a hit
BATCHES_SHOWN = 20


def _context(project: Project, query: str) -> tuple[dict, Found | None]:
    context = {"project": project, "query": query, "error": ""}
    if not query:
        return context, None
    if len(query) > MAX_QUERY:
        context["error"] = f"Search for at most {MAX_QUERY} characters."
        return context, None
    try:
        return context, find_hits(project=project, query=query)
    except Refused as refusal:
        context["error"] = refusal.message
        return context, None


def _batches(project: Project) -> list[CodingBatch]:
    batches = list(
        CodingBatch.objects.filter(project=project)
        .select_related("user__profile", "undone_by__profile")
        .order_by("-created_at", "-pk")[:BATCHES_SHOWN]
    )
    for batch in batches:
        batch.user_name = display_name(batch.user)
        batch.undone_name = display_name(batch.undone_by)
    return batches


def _hit_rows(found: Found) -> list[dict]:
    """Each hit with its transcript, paragraph number and context, for ticking."""
    rows = []
    by_id = {t.pk: t for t in found.transcripts}
    locators = {t.pk: Locator(t.text) for t in found.transcripts}
    for hit in found.hits:
        text = by_id[hit.transcript_id].text
        left, right = max(0, hit.start - CONTEXT), min(len(text), hit.end + CONTEXT)
        rows.append(
            {
                "hit": hit,
                "transcript": by_id[hit.transcript_id],
                "paragraph": locators[hit.transcript_id].paragraph(hit.start),
                "before": ("…" if left else "") + text[left : hit.start].replace("\n", " "),
                "match": text[hit.start : hit.end],
                "after": text[hit.end : right].replace("\n", " ") + ("…" if right < len(text) else ""),
            }
        )
    return rows


def _render(
    request: HttpRequest, context: dict, form: CodeHitsForm | None, status: int = 200
) -> HttpResponse:
    project = context["project"]
    context.update(form=form, batches=_batches(project))
    if form is not None:
        context["hit_rows"] = _hit_rows(form.found)
        ticked = set(form.data.getlist("hit")) if form.is_bound else {h.key for h in form.found.hits}
        context["ticked"] = ticked
        if form.is_bound and form.is_valid():
            context["plan"] = plan(
                found=form.found,
                hits=form.hits(),
                code=form.chosen_code(),
                valence=form.cleaned_data["valence"],
                extent=form.cleaned_data["extent"],
                coder=request.user,
            )
    return render(request, "coding/code_hits.html", context, status=status)


@require_safe
@login_required
def code_hits(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    query = request.GET.get("q", "").strip()
    context, found = _context(project, query)
    if found is None:
        return _render(request, context, None, status=400 if context["error"] else 200)
    tree = CodeTree.load(project)
    data = request.GET if "code" in request.GET else None
    form = CodeHitsForm(data, tree=tree, found=found, initial={"q": query})
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _render(request, context, form, status=status)


@require_POST
@login_required
def code_hits_apply(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    query = request.POST.get("q", "").strip()
    context, found = _context(project, query)
    if found is None:
        context["error"] = context["error"] or "Search for something first: there is nothing to code."
        return _render(request, context, None, status=400)
    form = CodeHitsForm(request.POST, tree=CodeTree.load(project), found=found)
    if not form.is_valid():
        context["error"] = error_sentence(form)
        return _render(request, context, form, status=400)
    try:
        batch = write_batch(
            project=project,
            query=query,
            hits=form.hits(),
            code=form.chosen_code(),
            valence=form.cleaned_data["valence"],
            extent=form.cleaned_data["extent"],
            coder=request.user,
            digest=request.POST.get("digest", ""),
        )
    except Refused as refusal:
        context["error"] = refusal.message
        return _render(request, context, form, status=409 if isinstance(refusal, Conflict) else 400)
    messages.success(
        request,
        f"Coded {batch.codings_created} quotation{'s' if batch.codings_created != 1 else ''} with "
        f"“{batch.code_name}” ({batch.quotations_created} new) in {batch.transcripts} transcript"
        f"{'s' if batch.transcripts != 1 else ''}. Undo it below, as one step.",
    )
    return redirect(reverse("coding:code_hits", args=[project.pk]) + "?" + urlencode({"q": query}))


@require_POST
@login_required
def batch_undo(request: HttpRequest, project_id, batch_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    batch = get_object_or_404(CodingBatch.objects.filter(project=project), pk=batch_id)
    if not (project.membership.is_owner or batch.user_id == request.user.pk):
        raise PermissionDenied("Only the coder who wrote a batch, or an owner, can undo it.")
    try:
        undone = undo_batch(batch=batch, user=request.user)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            f"Undid the batch “{batch.code_name}” on “{batch.search}”: removed {undone.codings} coding"
            f"{'s' if undone.codings != 1 else ''} and {undone.quotations} quotation"
            f"{'s' if undone.quotations != 1 else ''}.",
        )
    return redirect(reverse("coding:code_hits", args=[project.pk]) + "?" + urlencode({"q": batch.search}))
