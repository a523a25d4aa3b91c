"""How much is coded: the figures the cases and codebook pages show beside transcripts and codes.

They count quotations and codings, which this app owns, so they are computed here and those pages' views ask
for them; the apps below never reach codings through their reverse relations (the README's dependency rule).
"""

from django.db.models import Count, QuerySet

from cases.models import Project, Transcript
from codebook.models import Code
from coding.models import Coding


def coding_count(*, transcripts: QuerySet[Transcript]) -> int:
    """The codings on `transcripts`; one query."""
    return Coding.objects.filter(segment__transcript__in=transcripts.all()).count()


def with_segment_counts(*, transcripts: QuerySet[Transcript]) -> QuerySet[Transcript]:
    """`transcripts`, each with `segment_count` (its quotations)."""
    return transcripts.annotate(segment_count=Count("segments"))


def with_usage(*, codes: QuerySet[Code]) -> QuerySet[Code]:
    """`codes`, each with how many codings use it (`coding_count`) and in how many transcripts
    (`transcript_count`): for a few codes (a whole codebook takes `tree_with_usage`)."""
    return codes.annotate(
        coding_count=Count("codings", distinct=True),
        transcript_count=Count("codings__segment__transcript", distinct=True),
    )


def tree_with_usage(*, project: Project) -> list[Code]:
    """The project's codes `in_tree_order`, each with `coding_count` and `transcript_count` set; two queries.

    Usage is counted from the project's transcripts down, along indexes, rather than by joining the codes
    to all codings (`with_usage`): the planner cannot tell a small project's codes from a large one's and
    would scan every project's codings to list a small codebook (0.3 s beside a 456k-coding project).
    """
    codes = project.codes.in_tree_order()
    if not codes:
        return codes
    usage = {
        code_id: (codings, transcripts)
        for code_id, codings, transcripts in Coding.objects.filter(
            segment__transcript__case__project_id=project.pk
        )
        .order_by()
        .values_list("code_id")
        .annotate(codings=Count("pk"), transcripts=Count("segment__transcript", distinct=True))
        .values_list("code_id", "codings", "transcripts")
    }
    for code in codes:
        code.coding_count, code.transcript_count = usage.get(code.pk, (0, 0))
    return codes
