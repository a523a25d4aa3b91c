"""The disagreement view of one transcript and two coders, and an owner's decisions on its differences.

Every member may compare coders (while coding is blind, only owners: coders would see each other's work);
only owners adjudicate. A decision is a plain form post that redirects back to the difference it decided.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST, require_safe

from accounts.people import consensus_coder
from cases.access import get_project
from cases.forms import error_sentence
from cases.models import Project, Role, Transcript
from cases.refusals import Conflict, Refused
from coding.consensus import adjudication
from coding.consensus.forms import DecisionForm, PairForm
from coding.consensus.page import anchor, coders_of, disagreements
from coding.models import Decision


def _transcript(project: Project, transcript_id: int) -> Transcript:
    transcript = get_object_or_404(project.transcripts.select_related("case"), pk=transcript_id)
    transcript.case.project = project
    return transcript


def _visible(project: Project) -> None:
    if project.blind_coding and not project.membership.is_owner:
        raise PermissionDenied("While coding is blind, only the project's owners can compare coders.")


def _render(
    request: HttpRequest,
    project: Project,
    transcript: Transcript,
    coders: list,
    form: PairForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    context = {
        "project": project,
        "transcript": transcript,
        "coders": coders,
        "form": form,
        "error": error,
        "can_decide": project.membership.is_owner,
        "decisions": Decision,
    }
    if form.is_bound and form.is_valid():
        coder_a, coder_b = form.pair()
        context.update(
            disagreements(project=project, transcript=transcript, coder_a=coder_a, coder_b=coder_b)
        )
    return render(request, "coding/disagreements.html", context, status=status)


def _pair_form(data, coders: list) -> PairForm:
    """The coders asked for, or the first two by name when none were."""
    if not data.get("a") and not data.get("b") and len(coders) >= 2:
        data = {"a": coders[0].pk, "b": coders[1].pk}
    return PairForm(data or None, coders=coders)


@require_safe
@login_required
def disagreements_page(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    _visible(project)
    transcript = _transcript(project, transcript_id)
    coders = coders_of(transcript)
    form = _pair_form(request.GET, coders)
    status = 400 if form.is_bound and not form.is_valid() else 200
    return _render(request, project, transcript, coders, form, status=status)


@require_POST
@login_required
def decide(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    transcript = _transcript(project, transcript_id)
    coders = coders_of(transcript)
    form = DecisionForm(request.POST, coders=coders, project=project)
    if not form.is_valid():
        pair = _pair_form({k: request.POST.get(k, "") for k in ("a", "b")}, coders)
        return _render(request, project, transcript, coders, pair, error=error_sentence(form), status=400)
    data = form.cleaned_data
    coder_a, coder_b = form.pair()
    try:
        adjudication.decide(
            project=project,
            transcript=transcript,
            code=data["code"],
            coder_a=coder_a,
            coder_b=coder_b,
            start=data["start"],
            end=data["end"],
            decision=data["decision"],
            memo=data["memo"],
            user=request.user,
            consensus=consensus_coder(),
        )
    except Refused as refusal:
        pair = PairForm({"a": coder_a.pk, "b": coder_b.pk}, coders=coders)
        status = 409 if isinstance(refusal, Conflict) else 400
        return _render(request, project, transcript, coders, pair, error=refusal.message, status=status)
    messages.success(request, f"Decision recorded for “{data['code'].name}”.")
    url = reverse("coding:disagreements", args=[project.pk, transcript.pk])
    query = urlencode({"a": coder_a.pk, "b": coder_b.pk})
    return redirect(f"{url}?{query}#{anchor(data['code'].pk, data['start'], data['end'])}")
