"""Who codes which transcript, how far they are, and whether the project codes blind.

An owner assigns transcripts to coders (or to owners who code) and takes them back; each coder marks their own
assignments in progress or done, and the first coding on a transcript not started marks it in progress by
itself. Assigning, taking back and switching blind coding on or off are team changes: each writes its entry in
the team activity (`cases.team.record`) in the same transaction. A coder's progress marks are not team
changes and are kept on the assignment itself (`updated_at`).
"""

from collections.abc import Sequence

from django.db import transaction
from django.utils import timezone

from accounts.people import display_name
from cases import team
from cases.models import Assignment, AssignmentStatus, Project, TeamEvent, Transcript

DETAIL_LENGTH = 200  # MembershipEvent.detail


def _titles(transcripts: Sequence[Transcript]) -> str:
    """ "3 transcripts: A, B, C", cut to fit the activity entry."""
    count = len(transcripts)
    said = f"{count} transcript{'s' if count != 1 else ''}: " + ", ".join(t.title for t in transcripts)
    return said if len(said) <= DETAIL_LENGTH else said[: DETAIL_LENGTH - 1] + "…"


def _record(project: Project, kind: TeamEvent, by, coder, transcripts: Sequence[Transcript]) -> None:
    team.record(
        project=project, kind=kind, actor=by, subject_name=display_name(coder), detail=_titles(transcripts)
    )


@transaction.atomic
def assign(*, project: Project, transcripts: Sequence[Transcript], coders: Sequence, by) -> int:
    """Gives every transcript to every coder; those already assigned keep their assignment and its progress.
    Returns how many assignments are new. The caller has checked that all belong to the project."""
    existing = set(
        Assignment.objects.filter(transcript__in=transcripts, coder__in=coders).values_list(
            "transcript_id", "coder_id"
        )
    )
    created = 0
    for coder in coders:
        new = [t for t in transcripts if (t.pk, coder.pk) not in existing]
        if not new:
            continue
        Assignment.objects.bulk_create(
            [Assignment(transcript=t, coder=coder, assigned_by=by) for t in new], ignore_conflicts=True
        )
        created += len(new)
        _record(project, TeamEvent.ASSIGNED, by, coder, new)
    return created


@transaction.atomic
def unassign(*, project: Project, transcripts: Sequence[Transcript], coders: Sequence, by) -> int:
    """Takes the transcripts back from the coders (their codings stay); returns how many assignments went."""
    removed = 0
    for coder in coders:
        doomed = Assignment.objects.filter(transcript__in=transcripts, coder=coder).select_related(
            "transcript"
        )
        gone = sorted((a.transcript for a in doomed), key=lambda t: t.title)
        if not gone:
            continue
        Assignment.objects.filter(pk__in=[a.pk for a in doomed]).delete()
        removed += len(gone)
        _record(project, TeamEvent.UNASSIGNED, by, coder, gone)
    return removed


@transaction.atomic
def set_status(*, assignment: Assignment, status: str) -> bool:
    """The coder's own mark of how far they are; False when it already was so (nothing written)."""
    if assignment.status == status:
        return False
    assignment.status = status
    assignment.save(update_fields=["status", "updated_at"])
    return True


def mark_started(*, transcript_id: int, coder) -> None:
    """A first coding on a transcript assigned to `coder` and not started puts it in progress; one UPDATE that
    touches nothing once it is (or when the coder was not assigned it)."""
    Assignment.objects.filter(
        transcript_id=transcript_id, coder_id=coder.pk, status=AssignmentStatus.NOT_STARTED
    ).update(status=AssignmentStatus.IN_PROGRESS, updated_at=timezone.now())


@transaction.atomic
def set_blind(*, project: Project, blind: bool, by) -> bool:
    """Starts or ends blind coding; False when it already was so (nothing written or recorded). The project's
    row is locked first, so two owners switching at once record one change each, in order."""
    current = Project.objects.select_for_update().filter(pk=project.pk).values_list("blind_coding", flat=True)
    if current.get() == blind:
        project.blind_coding = blind
        return False
    Project.objects.filter(pk=project.pk).update(blind_coding=blind)
    project.blind_coding = blind
    team.record(
        project=project,
        kind=TeamEvent.BLIND_STARTED if blind else TeamEvent.BLIND_ENDED,
        actor=by,
        subject_name=project.name,
    )
    return True
