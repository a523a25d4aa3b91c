"""The coding workspace: read a transcript, select a passage, apply codes, edit and undo.

Actions are htmx requests that answer with only what changed: the paragraphs a quotation touches, the codebook
panel counts and the undo button, as out-of-band swaps. Without htmx they redirect back to the workspace.
"""

import json
from collections.abc import Iterable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from cases import assignments
from cases.access import get_project
from cases.forms import AssignmentStatusForm, error_sentence
from cases.models import Assignment, AssignmentStatus, Project, Role, Transcript
from cases.refusals import Conflict, Refused
from cases.speakers import labels_of
from coding.memos.listing import about_transcript
from coding.models import Coding, Segment
from coding.workspace import actions, undo
from coding.workspace.forms import ApplyForm, MemoForm, SpanForm, ValenceForm, WorkspaceFilterForm
from coding.workspace.page import Filters, code_panel, count_here, counts_in_transcript, paragraphs_with_marks


def _transcript(project: Project, transcript_id: int) -> Transcript:
    """The transcript with `my_assignment`, the status of the signed-in member's assignment to it (or None),
    read in the same query."""
    mine = Assignment.objects.filter(transcript=OuterRef("pk"), coder_id=project.membership.user_id)
    transcript = get_object_or_404(
        project.transcripts.select_related("case").annotate(
            my_assignment=Subquery(mine.values("status")[:1])
        ),
        pk=transcript_id,
    )
    transcript.case.project = project  # what the lookup was scoped by: the actions need not fetch it again
    return transcript


def _filters(request: HttpRequest, project: Project) -> tuple[WorkspaceFilterForm, Filters]:
    form = WorkspaceFilterForm(request.GET, project=project)
    if not form.is_valid():
        return form, Filters()
    coder, mine = form.cleaned_data["coder"], form.cleaned_data["mine"]
    coder_id = request.user.pk if mine else (coder.pk if coder else None)
    codes = frozenset(code.pk for code in form.cleaned_data["code"])
    return form, Filters(code_ids=codes, coder_id=coder_id, mine=mine)


def _workspace_url(project: Project, transcript: Transcript, segment: Segment | None = None) -> str:
    url = reverse("coding:workspace", args=[project.pk, transcript.pk])
    return f"{url}#s{segment.pk}" if segment else url


@require_safe
@login_required
def workspace(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    transcript = _transcript(project, transcript_id)
    filter_form, filters = _filters(request, project)
    context = {
        "project": project,
        "transcript": transcript,
        "filter_form": filter_form,
        "filters": filters,
        "paragraphs": paragraphs_with_marks(
            transcript=transcript, filters=filters, membership=project.membership
        ),
        "assignment_statuses": AssignmentStatus.choices,
        "can_code": project.membership.can_code,
        "can_undo": project.membership.can_code and undo.can_undo(user=request.user, transcript=transcript),
        "apply_url": reverse("coding:apply_hx", args=[project.pk, transcript.pk]),
        **code_panel(transcript=transcript, membership=project.membership),
        "memos": about_transcript(transcript=transcript, membership=project.membership),
        "memos_open": "memos" in request.GET,
    }
    template = "coding/workspace.html#refresh" if request.htmx else "coding/workspace.html"
    return render(request, template, context)


def _changed(
    request: HttpRequest,
    project: Project,
    transcript: Transcript,
    spans: list[tuple[int, int]],
    *,
    segment: Segment | None = None,
    segment_codings: list[Coding] | None = None,
    codes: Iterable[int] = (),
    panel: bool = False,
    can_undo: bool = True,
    assignment_changed: bool = False,
    message: str = "",
) -> HttpResponse:
    """The answer to an action: without htmx, the workspace again at `segment` (with `message`, if any);
    with htmx, only what changed.

    The touched paragraphs, the undo button and the segment panel come as out-of-band swaps; the counts of the
    codes whose use changed come as an event the page applies to the code panel, which is redrawn whole only
    when `panel` is set (a new code, or an undo that may touch any code). `segment_codings`, counted, saves
    reading the segment's codings again when the action knows them.
    """
    if not request.htmx:
        if message:
            messages.success(request, message)
        return redirect(_workspace_url(project, transcript, segment))
    # The page sends its filters with every action. The filter form is built when they come or when the panel
    # is redrawn: the panel shows it, and must show the coder's choice again, "Only mine" included.
    filter_form, filters = _filters(request, project) if request.GET or panel else (None, Filters())
    seen, paragraphs = set(), []
    # Two passages redrawn (a quotation's old and new bounds) share one read of the labels.
    labels = labels_of(transcript) if len(spans) > 1 else None
    for span in spans:
        marked = paragraphs_with_marks(
            transcript=transcript, filters=filters, membership=project.membership, span=span, labels=labels
        )
        for paragraph in marked:
            if paragraph.number not in seen:
                seen.add(paragraph.number)
                paragraphs.append(paragraph)
    context = {
        "project": project,
        "transcript": transcript,
        "paragraphs": paragraphs,
        "segment": segment,
        "can_code": project.membership.can_code,
        "can_undo": can_undo,
        "panel": panel,
        "filters": filters,
        "filter_form": filter_form,
        "assignment_changed": assignment_changed,
        "assignment_statuses": AssignmentStatus.choices,
    }
    if panel:
        context.update(code_panel(transcript=transcript, membership=project.membership))
    if segment is not None:
        context.update(_segment_context(segment, project, counted=True, codings=segment_codings))
    response = render(request, "coding/workspace.html#changed", context)
    counts = {} if panel else _counts(project, transcript, set(codes), context.get("segment_codings", []))
    events = {"counts": counts}
    if segment is not None:
        events["segment-saved"] = {"id": segment.pk}
    response["HX-Trigger"] = json.dumps(events)
    return response


def _counts(
    project: Project, transcript: Transcript, code_ids: set[int], segment_codings: list[Coding]
) -> dict[int, int]:
    """The counts in the transcript of the codes an action touched; those on the quotation carry theirs."""
    known = {coding.code_id: coding.here for coding in segment_codings}
    if code_ids <= known.keys():
        return {code_id: known[code_id] for code_id in code_ids}
    return counts_in_transcript(transcript=transcript, code_ids=code_ids, membership=project.membership)


def _refused(
    request: HttpRequest, project: Project, transcript: Transcript, refusal: Refused | str
) -> HttpResponse:
    """The refusal's sentence: 409 for a race the request lost (`Conflict`), 400 for anything else."""
    message = refusal if isinstance(refusal, str) else refusal.message
    if request.htmx:
        status = 409 if isinstance(refusal, Conflict) else 400
        return render(request, "coding/workspace.html#refusal", {"message": message}, status=status)
    messages.error(request, message)
    return redirect(_workspace_url(project, transcript))


@require_POST
@login_required
def apply_hx(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    form = ApplyForm(request.POST, project=project, transcript=transcript)
    if not form.is_valid():
        return _refused(request, project, transcript, error_sentence(form))
    try:
        applied = actions.apply_codes(
            transcript=transcript,
            start=form.cleaned_data["start"],
            end=form.cleaned_data["end"],
            codes=list(form.cleaned_data["codes"]),
            coder=request.user,
            valence=form.cleaned_data["valence"],
            in_vivo=form.in_vivo(),
        )
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    started = transcript.my_assignment == AssignmentStatus.NOT_STARTED
    if started:  # read with the transcript: applies once the coder has begun cost no query for this
        assignments.mark_started(transcript_id=transcript.pk, coder=request.user)
        transcript.my_assignment = AssignmentStatus.IN_PROGRESS
    segment = applied.segment
    return _changed(
        request,
        project,
        transcript,
        [(segment.start, segment.end)],
        segment=segment,
        segment_codings=_codings_of_new_quotation(applied, request.user),
        codes=[code.pk for code in applied.codes],
        panel=applied.in_vivo is not None,
        assignment_changed=started,
        message=f"Coded “{segment.quote[:60]}”.",
    )


def _codings_of_new_quotation(applied: actions.Applied, coder) -> list[Coding] | None:
    """The codings of a quotation this apply made, counted, without reading them again: they are the ones it
    created, and each code came with its count before the apply (`ApplyForm`, or 0 for an in-vivo code made
    now). None for any other quotation, or when an existing code was named in vivo (it came uncounted)."""
    if not applied.segment_created or not all(hasattr(code, "here") for code in applied.codes):
        return None
    codes = {code.pk: code for code in applied.codes}
    for coding in applied.created:
        coding.code, coding.coder = codes[coding.code_id], coder
        coding.here = coding.code.here + 1
    return sorted(applied.created, key=lambda coding: coding.code.name)


def _visible_segment(project: Project, transcript: Transcript, segment_id: int) -> Segment:
    """A quotation of the transcript the member may see: another coder's, while blind, is a 404 as if it did
    not exist."""
    segments = Segment.objects.visible_to(project.membership).filter(transcript=transcript)
    return get_object_or_404(segments.select_related("created_by__profile"), pk=segment_id)


def _segment_for_edit(
    request: HttpRequest, project: Project, transcript: Transcript, segment_id: int
) -> Segment:
    segment = _visible_segment(project, transcript, segment_id)
    if not actions.can_edit_segment(segment, project.membership):
        raise PermissionDenied("Only the coder who made this quotation, or a project owner, can change it.")
    segment.transcript = transcript
    return segment


def _segment_context(
    segment: Segment, project: Project, *, counted: bool = False, codings: list[Coding] | None = None
) -> dict:
    if codings is None:
        query = (
            Coding.objects.visible_to(project.membership)
            .filter(segment=segment)
            .select_related("code", "coder__profile")
            .order_by("code__name")
        )
        if counted:  # each coding carries its code's count in the transcript, for an action's answer
            here = count_here(
                OuterRef("code"), transcript_id=segment.transcript_id, membership=project.membership
            )
            query = query.annotate(here=here)
        codings = list(query)
    for coding in codings:
        coding.editable = actions.can_edit_coding(coding, project.membership)
    return {
        "segment": segment,
        "segment_codings": codings,
        "segment_editable": actions.can_edit_segment(segment, project.membership),
    }


@require_safe
@login_required
def segment_hx(request: HttpRequest, project_id, transcript_id: int, segment_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    transcript = _transcript(project, transcript_id)
    segment = _visible_segment(project, transcript, segment_id)
    if not request.htmx:
        return redirect(_workspace_url(project, transcript, segment))
    context = {"project": project, "transcript": transcript, "can_code": project.membership.can_code}
    context.update(_segment_context(segment, project))
    return render(request, "coding/workspace.html#segment-panel", context)


@require_POST
@login_required
def segment_span_hx(request: HttpRequest, project_id, transcript_id: int, segment_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    segment = _segment_for_edit(request, project, transcript, segment_id)
    form = SpanForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, transcript, "Give the new start and end as offsets in the text.")
    old = (segment.start, segment.end)
    try:
        actions.change_span(
            segment=segment, start=form.cleaned_data["start"], end=form.cleaned_data["end"], user=request.user
        )
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    return _changed(request, project, transcript, [old, (segment.start, segment.end)], segment=segment)


@require_POST
@login_required
def segment_memo_hx(request: HttpRequest, project_id, transcript_id: int, segment_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    segment = _segment_for_edit(request, project, transcript, segment_id)
    form = MemoForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, transcript, "The memo is too long (at most 20,000 characters).")
    try:
        actions.set_memo(segment=segment, memo=form.cleaned_data["memo"], user=request.user)
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    return _changed(request, project, transcript, [(segment.start, segment.end)], segment=segment)


@require_POST
@login_required
def segment_delete_hx(request: HttpRequest, project_id, transcript_id: int, segment_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    segment = _segment_for_edit(request, project, transcript, segment_id)
    span = (segment.start, segment.end)
    try:
        codes = actions.delete_segment(segment=segment, user=request.user)
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    return _changed(request, project, transcript, [span], codes=codes, message="Quotation deleted.")


def _coding_for_edit(project: Project, transcript: Transcript, coding_id: int) -> Coding:
    coding = get_object_or_404(
        Coding.objects.visible_to(project.membership)
        .filter(segment__transcript=transcript)
        .select_related("segment__created_by__profile"),
        pk=coding_id,
    )
    if not actions.can_edit_coding(coding, project.membership):
        raise PermissionDenied("Only the coder who applied this code, or a project owner, can change it.")
    coding.segment.transcript = transcript
    return coding


@require_POST
@login_required
def coding_valence_hx(request: HttpRequest, project_id, transcript_id: int, coding_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    coding = _coding_for_edit(project, transcript, coding_id)
    form = ValenceForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, transcript, "Valence must be positive, negative or none.")
    try:
        actions.set_valence(coding=coding, valence=form.cleaned_data["valence"], user=request.user)
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    segment = coding.segment
    return _changed(request, project, transcript, [(segment.start, segment.end)], segment=segment)


@require_POST
@login_required
def coding_delete_hx(request: HttpRequest, project_id, transcript_id: int, coding_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    coding = _coding_for_edit(project, transcript, coding_id)
    span = (coding.segment.start, coding.segment.end)
    try:
        remaining = actions.remove_coding(coding=coding, user=request.user)
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    return _changed(request, project, transcript, [span], segment=remaining, codes=[coding.code_id])


@require_POST
@login_required
def undo_hx(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    try:
        undone = undo.take_back(user=request.user, transcript=transcript)
    except Refused as refusal:
        return _refused(request, project, transcript, refusal)
    return _changed(
        request, project, transcript, [undone.span], panel=True, can_undo=undone.more, message=undone.message
    )


@require_POST
@login_required
def assignment_status_hx(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    """The member marks their own assignment to this transcript not started, in progress or done; no one
    marks another's (there is none to find: 404)."""
    project = get_project(request, project_id, role=Role.CODER)
    transcript = _transcript(project, transcript_id)
    assignment = get_object_or_404(Assignment.objects.filter(transcript=transcript, coder_id=request.user.pk))
    form = AssignmentStatusForm(request.POST)
    if not form.is_valid():
        return _refused(request, project, transcript, error_sentence(form))
    assignments.set_status(assignment=assignment, status=form.cleaned_data["status"])
    transcript.my_assignment = assignment.status
    label = AssignmentStatus(assignment.status).label
    if not request.htmx:
        messages.success(request, f"“{transcript.title}” marked {label}.")
        return redirect(_workspace_url(project, transcript))
    context = {
        "project": project,
        "transcript": transcript,
        "assignment_statuses": AssignmentStatus.choices,
        "assignment_saved": label,
    }
    return render(request, "coding/workspace.html#assignment", context)
