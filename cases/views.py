import bisect
from dataclasses import dataclass
from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.people import display_name
from cases import access_log, assignments, invitations, speakers, team
from cases.access import get_project
from cases.deletion import delete_with_originals
from cases.forms import (
    AssignmentsForm,
    AttributeForm,
    BlindCodingForm,
    CaseForm,
    InvitationForm,
    MemberRoleForm,
    NewMemberForm,
    ProjectEditForm,
    ProjectForm,
    SpeakerChangeForm,
    TranscriptMetadataForm,
    UploadForm,
    error_sentence,
)
from cases.importing.uploads import Metadata, import_upload
from cases.models import (
    ASSIGNABLE_ROLES,
    ROLE_DUTIES,
    AccessAction,
    AccessEvent,
    Assignment,
    AssignmentStatus,
    Case,
    Invitation,
    Membership,
    Project,
    Role,
    Transcript,
)
from cases.refusals import Refused
from cases.search import MAX_QUERY, search, uses_full_text
from cases.speakers import Speaker, labels_of
from cases.turns import label_paragraphs
from codebook.exchange.spreadsheets import csv_stream
from codebook.models import Code
from codebook.seeding import seed_framework
from coding import usage
from coding.analysis.exports import export_filename
from coding.memos import listing as memo_listing
from coding.memos.writing import may_write


@require_safe
@login_required
def project_list(request: HttpRequest) -> HttpResponse:
    # Counted before for_user narrows the memberships join to this user: counted after, every project has 1.
    projects = (
        Project.objects.annotate(
            case_count=Count("cases", distinct=True),
            member_count=Count("memberships", distinct=True),
        )
        .for_user(request.user)
        .annotate(my_role=F("memberships__role"))
        .order_by("name")
    )
    for project in projects:
        project.my_role = Role(project.my_role).label
    return render(request, "cases/project_list.html", {"projects": projects})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_create(request: HttpRequest) -> HttpResponse:
    form = ProjectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            project = form.save(commit=False)
            project.created_by = request.user
            project.save()
            Membership.objects.create(project=project, user=request.user, role=Role.OWNER)
            for framework in ("icaf", "ior"):
                if form.cleaned_data[f"seed_{framework}"]:
                    seed_framework(project=project, framework=framework, user=request.user)
        messages.success(request, f"Project “{project.name}” created.")
        return redirect(project)
    return render(request, "cases/project_form.html", {"form": form})


@require_safe
@login_required
def project_detail(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    cases = list(project.cases.with_transcript_counts())
    context = {
        "project": project,
        "cases": cases,
        "transcript_count": sum(case.transcript_count for case in cases),  # every transcript is of a case
        "code_count": Code.objects.filter(project=project).count(),
        "coding_count": usage.project_coding_count(project=project, membership=project.membership),
        "members": project.memberships.by_name(),
        "my_assignments": (
            Assignment.objects.in_project(project)
            .of_coder(request.user)
            .select_related("transcript__case")
            .defer("transcript__text")
            .order_by("transcript__case__name", "transcript__title")
            if project.membership.can_be_assigned
            else []
        ),
    }
    return render(request, "cases/project_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_edit(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    form = ProjectEditForm(request.POST or None, instance=project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Project saved.")
        return redirect(project)
    return render(request, "cases/project_edit.html", {"project": project, "form": form})


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def project_delete(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    counts = {
        "cases": project.cases.count(),
        "transcripts": project.transcripts.count(),
        "codings": usage.project_coding_count(project=project, membership=project.membership),
    }
    if request.method == "POST":
        if request.POST.get("confirm_name", "").strip() != project.name:
            messages.error(request, "Type the name of the project exactly to confirm the deletion.")
        else:
            name = project.name
            access_log.record(AccessAction.DELETED, request=request, project=project, detail="the project")
            delete_with_originals(doomed=project)
            messages.success(request, f"Project “{name}” and everything in it were deleted.")
            return redirect("cases:project_list")
    return render(request, "cases/project_delete.html", {"project": project, "counts": counts})


# Members

ACTIVITY_SHOWN = 50


def _members_page(
    request: HttpRequest, project: Project, invite_form: InvitationForm | None = None, status: int = 200
) -> HttpResponse:
    """The team: everyone sees the members; owners also invite, see pending invitations and the activity."""
    memberships = project.memberships.by_name()
    context = {
        "project": project,
        "memberships": memberships,
        "roles": Role.choices,
        "role_duties": [(label, ROLE_DUTIES[value]) for value, label in Role.choices],
    }
    if project.membership.is_owner:
        events = project.membership_events.all()
        context |= {
            "invite_form": invite_form or InvitationForm(),
            "invitations": project.invitations.open().select_related("invited_by__profile"),
            "events": events[:ACTIVITY_SHOWN],
            "event_count": events.count(),
            "invitation_days": settings.INVITATION_DAYS,
        }
    return render(request, "cases/members.html", context, status=status)


def _link_for(request: HttpRequest):
    return lambda token: request.build_absolute_uri(reverse("cases:invitation", args=[token]))


@require_safe
@login_required
def members(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    return _members_page(request, project)


@require_POST
@login_required
def invitation_create(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            invitation = invitations.invite(
                project=project,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                by=request.user,
                link_for=_link_for(request),
            )
        except Refused as refusal:
            form.add_error("email", refusal.message)
        else:
            messages.success(
                request,
                f"Invitation sent to {invitation.email}. Its link lets them join as "
                f"{invitation.get_role_display().lower()} within {settings.INVITATION_DAYS} days.",
            )
            return redirect("cases:members", project.pk)
    return _members_page(request, project, form, status=400)


def _team_change(request: HttpRequest, project: Project, change, done: str) -> HttpResponse:
    """One owner's change to the team: `done` or the refusal's sentence is the message, then the team page."""
    try:
        change()
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("cases:members", project.pk)


@require_POST
@login_required
def invitation_resend(request: HttpRequest, project_id, invitation_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    invitation = get_object_or_404(project.invitations, pk=invitation_id)
    return _team_change(
        request,
        project,
        lambda: invitations.resend(invitation=invitation, by=request.user, link_for=_link_for(request)),
        f"A new invitation was sent to {invitation.email}; the earlier link no longer works.",
    )


@require_POST
@login_required
def invitation_revoke(request: HttpRequest, project_id, invitation_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    invitation = get_object_or_404(project.invitations, pk=invitation_id)
    return _team_change(
        request,
        project,
        lambda: invitations.revoke(invitation=invitation, by=request.user),
        f"The invitation to {invitation.email} was revoked; its link no longer works.",
    )


@require_POST
@login_required
def member_role(request: HttpRequest, project_id, membership_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    membership = get_object_or_404(
        project.memberships.select_related("user__profile", "project"), pk=membership_id
    )
    form = MemberRoleForm(request.POST)
    if not form.is_valid():
        *others, last = (label.lower() for label in Role.labels)
        messages.error(request, f"Choose {', '.join(others)} or {last}.")
        return redirect("cases:members", project.pk)
    role = form.cleaned_data["role"]
    return _team_change(
        request,
        project,
        lambda: team.change_role(membership=membership, role=role, by=request.user),
        f"{display_name(membership.user)} is now {Role(role).label.lower()}.",
    )


@require_POST
@login_required
def member_remove(request: HttpRequest, project_id, membership_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    membership = get_object_or_404(
        project.memberships.select_related("user__profile", "project"), pk=membership_id
    )
    try:
        team.remove(membership=membership, by=request.user)
    except Refused as refusal:
        messages.error(request, refusal.message)
        return redirect("cases:members", project.pk)
    if membership.user_id == request.user.pk:
        messages.success(request, f"You left “{project.name}”.")
        return redirect("cases:project_list")
    messages.success(request, f"{display_name(membership.user)} was removed from the project.")
    return redirect("cases:members", project.pk)


# Assignments and blind coding


@dataclass
class AssignmentRow:
    """One transcript of the progress grid: its assignment (or None) under each coder's column."""

    transcript: Transcript
    cells: list


def _assignments_page(
    request: HttpRequest,
    project: Project,
    *,
    form: AssignmentsForm | None = None,
    blind_form: BlindCodingForm | None = None,
    status: int = 200,
) -> HttpResponse:
    """Transcripts × the people who code, each cell the assignment's status; three queries however many."""
    coders = [
        membership.user for membership in project.memberships.by_name().filter(role__in=ASSIGNABLE_ROLES)
    ]
    transcripts = list(project.transcripts.for_listing())
    assignments = {
        (a.transcript_id, a.coder_id): a
        for a in Assignment.objects.in_project(project).only("pk", "transcript_id", "coder_id", "status")
    }
    counts = {coder.pk: dict.fromkeys(AssignmentStatus.values, 0) for coder in coders}
    for assignment in assignments.values():
        if assignment.coder_id in counts:
            counts[assignment.coder_id][assignment.status] += 1
    rows = [AssignmentRow(t, [assignments.get((t.pk, coder.pk)) for coder in coders]) for t in transcripts]
    ticked = form.data if form is not None and form.is_bound else None
    context = {
        "project": project,
        "coders": [(coder, counts[coder.pk]) for coder in coders],
        "rows": rows,
        "statuses": AssignmentStatus,
        "form": form,
        "ticked_transcripts": set(ticked.getlist("transcript")) if ticked else set(),
        "ticked_coders": set(ticked.getlist("coder")) if ticked else set(),
        "blind_form": blind_form or BlindCodingForm(),
    }
    return render(request, "cases/assignments.html", context, status=status)


@require_safe
@login_required
def assignments_page(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    return _assignments_page(request, project)


@require_POST
@login_required
def assignments_change(request: HttpRequest, project_id) -> HttpResponse:
    """Assigns the ticked transcripts to the ticked coders, or takes them back."""
    project = get_project(request, project_id, role=Role.OWNER)
    form = AssignmentsForm(request.POST, project=project)
    if not form.is_valid():
        return _assignments_page(request, project, form=form, status=400)
    chosen = {
        "project": project,
        "transcripts": sorted(form.cleaned_data["transcript"], key=lambda t: t.title),
        "coders": list(form.cleaned_data["coder"]),
        "by": request.user,
    }
    if form.cleaned_data["action"] == "unassign":
        count = assignments.unassign(**chosen)
        messages.success(
            request, f"{count} assignment{pluralize(count)} taken back; codings stay as they are."
        )
    else:
        count = assignments.assign(**chosen)
        messages.success(request, f"{count} new assignment{pluralize(count)}.")
    return redirect("cases:assignments", project.pk)


@require_POST
@login_required
def assignment_remove(request: HttpRequest, project_id, assignment_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    assignment = get_object_or_404(
        Assignment.objects.in_project(project).select_related("transcript", "coder__profile"),
        pk=assignment_id,
    )
    assignments.unassign(
        project=project, transcripts=[assignment.transcript], coders=[assignment.coder], by=request.user
    )
    messages.success(
        request, f"“{assignment.transcript.title}” taken back from {display_name(assignment.coder)}."
    )
    return redirect("cases:assignments", project.pk)


@require_POST
@login_required
def blind_coding(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    form = BlindCodingForm(request.POST)
    if not form.is_valid():
        return _assignments_page(request, project, blind_form=form, status=400)
    blind = form.cleaned_data["blind"]
    if assignments.set_blind(project=project, blind=blind, by=request.user):
        messages.success(
            request,
            "Blind coding started: coders and viewers now see only their own codings."
            if blind
            else "Blind coding ended: everyone sees every coder's codings again.",
        )
    else:
        messages.info(request, f"Blind coding was already {'on' if blind else 'off'}.")
    return redirect("cases:assignments", project.pk)


# Invitations, as the invited person sees them


@require_http_methods(["GET", "HEAD", "POST"])
def invitation(request: HttpRequest, token: str) -> HttpResponse:
    """An invitation link: says what it is on GET; a POST joins (signed in) or makes the account (not).

    Any signed-in holder of the link may accept it, as with GitHub's or Slack's invitations: the link went to
    the address, and whoever it was forwarded to was trusted with it. Project and role come from the
    invitation alone.
    """
    found = invitations.find(token)
    if found is None:
        context = {"refusal": "This invitation link is not valid: check that you copied the whole link."}
        return render(request, "cases/invitation.html", context, status=404)
    context = {"invitation": found, "duties": ROLE_DUTIES[found.role], "refusal": invitations.refusal(found)}
    if context["refusal"]:
        return render(request, "cases/invitation.html", context, status=410)
    if request.user.is_authenticated:
        return _accept_signed_in(request, found, context)
    if invitations.accounts_with(found.email).exists():
        context["sign_in_url"] = f"{reverse('account_login')}?{urlencode({'next': request.path})}"
        status = 400 if request.method == "POST" else 200
        return render(request, "cases/invitation.html", context, status=status)
    form = NewMemberForm(request.POST or None, invitation=found)
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.accept_as_new_person(
                invitation=found,
                name=form.cleaned_data["display_name"],
                password=form.cleaned_data["password1"],
            )
        except Refused as refusal:
            context["refusal"] = refusal.message
            return render(request, "cases/invitation.html", context, status=409)
        login(request, user, backend="accounts.backends.Backend")
        messages.success(
            request, f"Welcome, {form.cleaned_data['display_name']}: you joined “{found.project.name}”."
        )
        return redirect(found.project)
    context["form"] = form
    return render(request, "cases/invitation.html", context, status=400 if form.errors else 200)


def _accept_signed_in(request: HttpRequest, found: Invitation, context: dict) -> HttpResponse:
    context["is_member"] = found.project.memberships.filter(user=request.user).exists()
    if request.method != "POST":
        return render(request, "cases/invitation.html", context)
    try:
        invitations.accept(invitation=found, user=request.user)
    except Refused as refusal:
        context["refusal"] = refusal.message
        return render(request, "cases/invitation.html", context, status=409)
    messages.success(request, f"You joined “{found.project.name}” as {found.get_role_display().lower()}.")
    return redirect(found.project)


# Attributes


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def attributes(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    form = AttributeForm(request.POST or None, project=project)
    if request.method == "POST":
        get_project(request, project_id, role=Role.OWNER)
        if form.is_valid():
            attribute = form.save()
            messages.success(request, f"Attribute “{attribute.name}” added.")
            return redirect("cases:attributes", project.pk)
    context = {"project": project, "attributes": project.attributes.all(), "form": form}
    return render(request, "cases/attributes.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def attribute_edit(request: HttpRequest, project_id, attribute_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    attribute = get_object_or_404(project.attributes, pk=attribute_id)
    form = AttributeForm(request.POST or None, instance=attribute, project=project)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Attribute saved.")
        return redirect("cases:attributes", project.pk)
    return render(
        request, "cases/attribute_edit.html", {"project": project, "form": form, "attribute": attribute}
    )


@require_POST
@login_required
def attribute_delete(request: HttpRequest, project_id, attribute_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    attribute = get_object_or_404(project.attributes, pk=attribute_id)
    attribute.delete()
    messages.success(request, f"Attribute “{attribute.name}” and its values were deleted.")
    return redirect("cases:attributes", project.pk)


# Cases


@require_safe
@login_required
def case_list(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    cases = list(project.cases.with_transcript_counts().prefetch_related("attribute_values__attribute"))
    case_attributes = list(project.attributes.filter(applies_to="case"))
    for case in cases:
        values = {value.attribute_id: value for value in case.attribute_values.all()}
        case.attribute_cells = [values.get(attribute.pk) for attribute in case_attributes]
    context = {"project": project, "cases": cases, "case_attributes": case_attributes}
    return render(request, "cases/case_list.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_create(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    form = CaseForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            case = form.save()
        messages.success(request, f"Case “{case.name}” created.")
        return redirect(case)
    status = 400 if form.errors else 200
    return render(request, "cases/case_form.html", {"project": project, "form": form}, status=status)


@require_safe
@login_required
def case_detail(request: HttpRequest, project_id, case_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    case = get_object_or_404(project.cases, pk=case_id)
    context = {
        "project": project,
        "case": case,
        "attribute_values": case.attribute_values.select_related("attribute").order_by("attribute__position"),
        "transcripts": usage.with_segment_counts(
            transcripts=case.transcripts.for_listing(), membership=project.membership
        ),
        "memos": memo_listing.about_case(case=case, membership=project.membership),
        "can_write_memos": may_write(project.membership),
    }
    return render(request, "cases/case_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_edit(request: HttpRequest, project_id, case_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    case = get_object_or_404(project.cases, pk=case_id)
    form = CaseForm(request.POST or None, instance=case, project=project)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, "Case saved.")
        return redirect(case)
    status = 400 if form.errors else 200
    return render(
        request, "cases/case_form.html", {"project": project, "form": form, "case": case}, status=status
    )


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def case_delete(request: HttpRequest, project_id, case_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    case = get_object_or_404(project.cases, pk=case_id)
    counts = {
        "transcripts": case.transcripts.count(),
        "codings": usage.coding_count(transcripts=case.transcripts, membership=project.membership),
    }
    if request.method == "POST":
        access_log.record(AccessAction.DELETED, request=request, project=project, detail=f"case {case.name}")
        delete_with_originals(doomed=case)
        messages.success(request, f"Case “{case.name}” was deleted.")
        return redirect("cases:case_list", project.pk)
    return render(request, "cases/case_delete.html", {"project": project, "case": case, "counts": counts})


# Transcripts


@dataclass(frozen=True)
class UploadResult:
    name: str
    transcript: Transcript | None = None
    refusal: str = ""
    speakers: tuple[Speaker, ...] = ()


def _import_files(request: HttpRequest, case: Case, form: UploadForm) -> list[UploadResult]:
    data = form.cleaned_data
    metadata = Metadata(
        language=data["language"].strip(),
        respondent_role=data["respondent_role"].strip(),
        interview_date=data["interview_date"],
    )
    results = []
    for upload in data["files"]:
        try:
            transcript = import_upload(
                case=case, upload=upload, user=request.user, encoding=data["encoding"], metadata=metadata
            )
        except Refused as refusal:
            results.append(UploadResult(name=upload.name, refusal=refusal.message))
        else:
            detail = f"{upload.name} into {case.name}"
            access_log.record(AccessAction.UPLOADED, request=request, project=case.project, detail=detail)
            found = tuple(speakers.speakers(speakers.labels_of(transcript)))
            results.append(UploadResult(name=upload.name, transcript=transcript, speakers=found))
    return results


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transcript_upload(request: HttpRequest, project_id, case_id: int) -> HttpResponse:
    """The batch upload form; without JavaScript it imports every file in one post and reports each."""
    project = get_project(request, project_id, role=Role.CODER)
    case = get_object_or_404(project.cases, pk=case_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    results = []
    if request.method == "POST" and form.is_valid():
        results = _import_files(request, case, form)
        if any(result.transcript for result in results):
            for result in results:
                if result.transcript:
                    messages.success(
                        request, f"Imported “{result.name}”; {_speakers_found(result.speakers)}."
                    )
                else:
                    messages.error(request, f"Not imported: {result.refusal}")
            return redirect(case)
    status = 400 if request.method == "POST" else 200
    context = {
        "project": project,
        "case": case,
        "form": form,
        "results": results,
        "max_mb": settings.MAX_UPLOAD_MB,
    }
    return render(request, "cases/transcript_upload.html", context, status=status)


@require_POST
@login_required
def transcript_upload_hx(request: HttpRequest, project_id, case_id: int) -> HttpResponse:
    """One file of a batch, posted by the upload page's script: answers with that file's result row."""
    project = get_project(request, project_id, role=Role.CODER)
    case = get_object_or_404(project.cases, pk=case_id)
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        upload = request.FILES.get("files")
        results = [UploadResult(name=getattr(upload, "name", ""), refusal=error_sentence(form))]
    else:
        results = _import_files(request, case, form)
    status = 200 if all(result.transcript for result in results) else 400
    context = {"project": project, "results": results}
    return render(request, "cases/transcript_upload.html#results", context, status=status)


def _speakers_found(found: tuple[Speaker, ...]) -> str:
    if not found:
        return "no speakers recognised"
    return "speakers: " + ", ".join(f"{speaker.name} ({speaker.count})" for speaker in found)


@require_safe
@login_required
def transcript_list(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    transcripts = usage.with_segment_counts(
        transcripts=project.transcripts.for_listing(), membership=project.membership
    )
    return render(request, "cases/transcript_list.html", {"project": project, "transcripts": transcripts})


@require_safe
@login_required
def transcript_detail(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id)
    transcript = get_object_or_404(project.transcripts.select_related("case", "study"), pk=transcript_id)
    context = {
        "project": project,
        "transcript": transcript,
        "paragraphs": label_paragraphs(transcript.text, transcript.paragraphs(), labels_of(transcript)),
        "attribute_values": transcript.attribute_values.select_related("attribute").order_by(
            "attribute__position"
        ),
        "coding_count": usage.coding_count(
            transcripts=project.transcripts.filter(pk=transcript.pk), membership=project.membership
        ),
        "may_review_speakers": speakers.may_review(membership=project.membership, transcript=transcript),
    }
    return render(request, "cases/transcript_detail.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transcript_edit(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.CODER)
    transcript = get_object_or_404(project.transcripts, pk=transcript_id)
    form = TranscriptMetadataForm(request.POST or None, instance=transcript, project=project)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            form.save()
        messages.success(request, "Transcript details saved.")
        return redirect(transcript)
    status = 400 if form.errors else 200
    context = {"project": project, "transcript": transcript, "form": form}
    return render(request, "cases/transcript_edit.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transcript_delete(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    transcript = get_object_or_404(project.transcripts.select_related("case"), pk=transcript_id)
    coding_count = usage.coding_count(
        transcripts=project.transcripts.filter(pk=transcript.pk), membership=project.membership
    )
    if request.method == "POST":
        if coding_count and request.POST.get("confirm") != "yes":
            messages.error(request, "Tick the box to confirm that the codings go with the transcript.")
        else:
            case = transcript.case
            detail = f"transcript {transcript.title} ({case.name})"
            access_log.record(AccessAction.DELETED, request=request, project=project, detail=detail)
            delete_with_originals(doomed=transcript)
            messages.success(request, f"Transcript “{transcript.title}” was deleted.")
            return redirect(case)
    context = {"project": project, "transcript": transcript, "coding_count": coding_count}
    return render(request, "cases/transcript_delete.html", context)


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def transcript_speakers(request: HttpRequest, project_id, transcript_id: int) -> HttpResponse:
    """The transcript's speaker labels, for its uploader or an owner to correct; the text never changes."""
    project = get_project(request, project_id, role=Role.CODER)
    transcript = get_object_or_404(project.transcripts.select_related("case"), pk=transcript_id)
    if not speakers.may_review(membership=project.membership, transcript=transcript):
        raise PermissionDenied(
            "Only an owner or the coder who uploaded this transcript can change its speakers."
        )
    labels = list(transcript.speaker_labels.order_by("start"))
    found = speakers.speakers(labels)
    form = SpeakerChangeForm(
        request.POST or None,
        speakers=[speaker.name for speaker in found],
        label_ids={label.pk for label in labels},
    )
    if request.method == "POST" and form.is_valid():
        try:
            done = _change_speakers(transcript, form.cleaned_data)
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, done)
            return redirect("cases:transcript_speakers", project.pk, transcript.pk)
    paragraph_starts = [start for start, _, _ in transcript.paragraphs()]
    text = transcript.text
    occurrences = [
        (
            label,
            bisect.bisect_right(paragraph_starts, label.start),
            text[label.start : label.end],
            _after(text, label),
        )
        for label in labels
    ]
    context = {
        "project": project,
        "transcript": transcript,
        "speakers": found,
        "occurrences": occurrences,
        "form": form,
        "coding_count": usage.coding_count(
            transcripts=project.transcripts.filter(pk=transcript.pk), membership=project.membership
        ),
        "error": error_sentence(form) if form.errors else "",
    }
    return render(request, "cases/transcript_speakers.html", context, status=400 if form.errors else 200)


def _after(text: str, label) -> str:
    """The words after a label, up to the end of its line, shortened."""
    line = text[label.end : label.end + 200].split("\n", 1)[0].strip()
    return line if len(line) <= 80 else line[:80] + "…"


def _change_speakers(transcript: Transcript, data: dict) -> str:
    """Applies one checked change; returns what was done, in words."""
    action = data["action"]
    if action == "off":
        removed = speakers.turn_off(transcript=transcript)
        return f"Speaker recognition is off for this transcript; {removed} labels removed."
    if action == "on":
        found = speakers.turn_on(transcript=transcript)
        return f"Speakers recognised again: {found} labels."
    if action == "rename":
        to = " ".join(data["to"].split())
        changed = speakers.rename(transcript=transcript, speaker=data["speaker"], to=to)
        return f"“{data['speaker']}” is now “{to}” ({changed} labels)."
    removed = speakers.unmark(
        transcript=transcript,
        label_id=data.get("label"),
        speaker=None if data.get("label") else data["speaker"],
    )
    return f"{removed} label{'s' if removed != 1 else ''} unmarked; the text is unchanged."


@require_safe
@login_required
def transcript_original(request: HttpRequest, project_id, transcript_id: int) -> FileResponse:
    project = get_project(request, project_id)
    transcript = get_object_or_404(project.transcripts, pk=transcript_id)
    if not transcript.original:
        raise Http404("This transcript has no original file.")
    detail = f"{transcript.original_name or transcript.title} ({transcript.title})"
    access_log.record(AccessAction.DOWNLOADED_ORIGINAL, request=request, project=project, detail=detail)
    return FileResponse(
        transcript.original.open("rb"), as_attachment=True, filename=transcript.original_name or None
    )


@require_safe
@login_required
def transcript_search(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id)
    query = request.GET.get("q", "").strip()
    context = {"project": project, "query": query, "full_text": uses_full_text(), "error": ""}
    status = 200
    if len(query) > MAX_QUERY:
        context["error"] = f"Search for at most {MAX_QUERY} characters."
        status = 400
    elif query:
        context["page"], context["hits"] = search(
            project=project, query=query, page_number=request.GET.get("page", 1)
        )
    return render(request, "cases/search.html", context, status=status)


# The access log


ACCESS_PER_PAGE = 100
ACCESS_HEADER = ["when (UTC)", "who", "what", "detail", "address"]


@require_safe
@login_required
def access_log_page(request: HttpRequest, project_id) -> HttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    events = AccessEvent.objects.of_project(project)
    page = Paginator(events, ACCESS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"project": project, "page": page, "days": settings.ACCESS_LOG_DAYS}
    return render(request, "cases/access_log.html", context)


@require_safe
@login_required
def access_log_csv(request: HttpRequest, project_id) -> StreamingHttpResponse:
    project = get_project(request, project_id, role=Role.OWNER)
    access_log.export(request, project, "access log (csv)")
    rows = (
        [event.at.isoformat(), event.user_name, event.get_action_display(), event.detail, event.address or ""]
        for event in AccessEvent.objects.of_project(project).order_by("at", "pk").iterator()
    )
    response = StreamingHttpResponse(
        csv_stream(chain([ACCESS_HEADER], rows)), content_type="text/csv; charset=utf-8"
    )
    filename = export_filename(project=project, what="access-log", extension="csv")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
