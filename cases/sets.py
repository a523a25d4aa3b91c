"""Interview sets: making, changing and deleting them, each in one transaction.

Members are given by the caller (its form has checked that they belong to the project); a set of cases holds
cases, a set of interviews holds interviews, never both.
"""

from collections.abc import Iterable

from django.db import transaction

from cases.models import Case, InterviewSet, Project, SetKind, Transcript
from cases.refusals import Refused


def _name_free(project: Project, name: str, *, but: InterviewSet | None = None) -> None:
    taken = InterviewSet.objects.filter(project=project, name__iexact=name)
    if but is not None:
        taken = taken.exclude(pk=but.pk)
    if taken.exists():
        raise Refused(f"A set named “{name}” exists already: choose another name.")


def _members(interview_set: InterviewSet, cases: Iterable[Case], transcripts: Iterable[Transcript]) -> None:
    if interview_set.kind == SetKind.CASES:
        interview_set.cases.set(cases)
        interview_set.transcripts.clear()
    else:
        interview_set.transcripts.set(transcripts)
        interview_set.cases.clear()


@transaction.atomic
def create_set(
    *,
    project: Project,
    name: str,
    kind: str,
    cases: Iterable[Case] = (),
    transcripts: Iterable[Transcript] = (),
    made_from: str = "",
    user,
) -> InterviewSet:
    _name_free(project, name)
    interview_set = InterviewSet.objects.create(
        project=project, name=name, kind=kind, made_from=made_from, created_by=user
    )
    _members(interview_set, cases, transcripts)
    return interview_set


@transaction.atomic
def update_set(
    *,
    interview_set: InterviewSet,
    name: str,
    kind: str,
    cases: Iterable[Case] = (),
    transcripts: Iterable[Transcript] = (),
    made_from: str = "",
) -> InterviewSet:
    _name_free(interview_set.project, name, but=interview_set)
    interview_set.name, interview_set.kind, interview_set.made_from = name, kind, made_from
    interview_set.save(update_fields=["name", "kind", "made_from", "updated_at"])
    _members(interview_set, cases, transcripts)
    return interview_set


@transaction.atomic
def delete_set(*, interview_set: InterviewSet) -> None:
    interview_set.delete()
