"""How much is coded: the figures the cases and codebook pages show beside transcripts and codes.

They count quotations and codings, which this app owns, so they are computed here and those pages' views ask
for them; the apps below never reach codings through their reverse relations (the README's dependency rule).
Each takes the `membership` of whoever reads the figures: while the project codes blind, a coder's figures
count only their own codings (`visible_to`), so no count gives away how much the others coded.
"""

from django.db.models import Count, Q, QuerySet

from cases.models import Membership, Project, Transcript
from codebook.models import Code
from coding.analysis.matrix import Spec, build_matrix
from coding.analysis.retrieval import CodeTree, Criteria, Dimension, Facets
from coding.models import Coding, Segment, hidden_by_blind_coding


def coding_count(*, transcripts: QuerySet[Transcript], membership: Membership) -> int:
    """The codings on `transcripts` that `membership` may see; one query."""
    return Coding.objects.visible_to(membership).filter(segment__transcript__in=transcripts.all()).count()


def project_coding_count(*, project: Project, membership: Membership) -> int:
    """The codings of the whole project that `membership` may see; one query, through the project's codes (a
    coding's code and quotation are always of one project): a join to the few codes and a walk of the
    codings' code index, 1.4 ms for 15k codings where joining their quotations took 9 ms."""
    return Coding.objects.visible_to(membership).filter(code__project=project).count()


def with_segment_counts(*, transcripts: QuerySet[Transcript], membership: Membership) -> QuerySet[Transcript]:
    """`transcripts`, each with `segment_count` (the quotations `membership` may see)."""
    if hidden_by_blind_coding(membership):
        mine = Q(segments__created_by_id=membership.user_id)
        return transcripts.annotate(segment_count=Count("segments", filter=mine))
    return transcripts.annotate(segment_count=Count("segments"))


def with_usage(*, codes: QuerySet[Code], membership: Membership) -> QuerySet[Code]:
    """`codes`, each with how many codings use it (`coding_count`) and in how many transcripts
    (`transcript_count`), of those `membership` may see: for a few codes (a whole codebook takes
    `tree_with_usage`)."""
    mine = Q(codings__coder_id=membership.user_id) if hidden_by_blind_coding(membership) else None
    return codes.annotate(
        coding_count=Count("codings", distinct=True, filter=mine),
        transcript_count=Count("codings__segment__transcript", distinct=True, filter=mine),
    )


def tree_with_usage(*, project: Project, membership: Membership) -> list[Code]:
    """The project's codes `in_tree_order`, each with `coding_count` and `transcript_count` (of the codings
    `membership` may see) set; two queries.

    Usage is counted from the project's quotations down, along indexes, rather than by joining the codes
    to all codings (`with_usage`): the planner cannot tell a small project's codes from a large one's and
    would scan every project's codings to list a small codebook (0.3 s beside a 456k-coding project).
    """
    codes = project.codes.in_tree_order()
    if not codes:
        return codes
    usage = {
        code_id: (codings, transcripts)
        for code_id, codings, transcripts in Coding.objects.visible_to(membership)
        .filter(segment__project_id=project.pk)
        .order_by()
        .values_list("code_id")
        .annotate(codings=Count("pk"), transcripts=Count("segment__transcript", distinct=True))
        .values_list("code_id", "codings", "transcripts")
    }
    for code in codes:
        code.coding_count, code.transcript_count = usage.get(code.pk, (0, 0))
    return codes


def tree_with_quotations(*, project: Project, membership: Membership) -> list[Code]:
    """The project's codes in tree order (with `.depth`, `.path`, `.has_children`), each with `coding_count`,
    `transcript_count`, `quotation_count` (distinct quotations coded with the code itself) and
    `rolled_up_count` (distinct quotations coded with the code or any code beneath it: a quotation coded with
    a parent and its child, or with two children, counts once). A fixed number of queries, whatever the size
    of the codebook: the roll-up is the matrix's Total column, counted by its one grouped query.
    """
    # Only the tree matters for a row's total: the matrix's other facets (members, attributes, their values)
    # would be four queries for nothing, and its columns are not read.
    case = Dimension("case", "Case")
    facets = Facets(project, CodeTree.load(project), [], [], {case.key: case}, {})
    codes = facets.tree.codes
    if not codes:
        return codes
    mine = Criteria(coder_id=membership.user_id) if hidden_by_blind_coding(membership) else Criteria()
    matrix = build_matrix(facets=facets, spec=Spec(dimension=case, criteria=mine))
    rolled = {row.code.pk: row.total.all for row in matrix.rows}
    usage = {
        code_id: counts
        for code_id, *counts in Coding.objects.visible_to(membership)
        .filter(segment__project_id=project.pk)
        .order_by()
        .values_list("code_id")
        .annotate(
            codings=Count("pk"),
            transcripts=Count("segment__transcript", distinct=True),
            quotations=Count("segment", distinct=True),
        )
        .values_list("code_id", "codings", "transcripts", "quotations")
    }
    for code in codes:
        code.coding_count, code.transcript_count, code.quotation_count = usage.get(code.pk, (0, 0, 0))
        code.rolled_up_count = rolled.get(code.pk, 0)
    return codes


def quotation_counts(*, code: Code, membership: Membership) -> tuple[int, int]:
    """The distinct quotations (that `membership` may see) coded with `code` itself, and with it or any code
    beneath it; one query for the tree, one for the counts."""
    codes = code.project.codes.all()
    subtree = {code.pk, *codes.descendant_ids(code.pk)}
    counts = (
        Segment.objects.visible_to(membership)
        .filter(codings__code_id__in=subtree)
        .aggregate(
            own=Count("pk", distinct=True, filter=Q(codings__code_id=code.pk)),
            rolled=Count("pk", distinct=True),
        )
    )
    return counts["own"], counts["rolled"]
