"""Selective coding check: which cases and transcripts support each selective category, and which none.

In selective coding the core category is checked systematically against the data. A selective code is
supported by a transcript that carries codings of the code itself or of its sub-codes (direct support), or of
the codes linked to it (linked support): codes related to it or to one of its sub-codes, in either direction
and by any kind except "contradicts" (a contradicting code is counter-evidence, not support), together with
their sub-codes. The transcripts with neither are the data to go back to.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count

from cases.models import Case, Membership, Project, Transcript
from codebook.models import Code, Level, RelationKind
from coding.models import Coding


@dataclass
class TranscriptSupport:
    transcript: Transcript
    direct: int = 0  # codings of the code or its sub-codes
    linked: int = 0  # codings of linked codes
    codes: set[str] = field(default_factory=set)


@dataclass
class CaseSupport:
    case: Case
    transcripts: list[TranscriptSupport]
    total: int  # transcripts in the case

    @property
    def supporting(self) -> int:
        return len(self.transcripts)


@dataclass
class CategoryCoverage:
    code: Code
    sub_codes: list[Code]
    linked: list[tuple[Code, str]]  # (code, how it is linked)
    cases: list[CaseSupport]
    unsupported: list[Transcript]
    supporting: int


@dataclass
class Coverage:
    categories: list[CategoryCoverage]
    transcripts: int
    unsupported_by_all: list[Transcript]


def coverage(*, project: Project, membership: Membership | None) -> Coverage:
    """Four queries: codes, relations, codings per code and transcript, transcripts with their cases.

    Counts the codings `membership` may see (while the project codes blind, a coder's own)."""
    codes = project.codes.in_tree_order()
    by_id = {code.pk: code for code in codes}
    children: dict[int, list[int]] = defaultdict(list)
    for code in codes:
        if code.parent_id is not None:
            children[code.parent_id].append(code.pk)

    def subtree(pk: int) -> list[int]:
        found, stack = [], [pk]
        while stack:
            current = stack.pop()
            found.append(current)
            stack.extend(reversed(children[current]))
        return found

    related: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for source, target, kind in project.code_relations.exclude(kind=RelationKind.CONTRADICTS).values_list(
        "source_id", "target_id", "kind"
    ):
        label = RelationKind(kind).label if kind in RelationKind.values else kind
        related[source].append((target, f"{by_id[source].name} {label} {by_id[target].name}"))
        related[target].append((source, f"{by_id[source].name} {label} {by_id[target].name}"))

    counts: dict[int, dict[int, int]] = defaultdict(dict)
    for code_id, transcript_id, n in (
        Coding.objects.visible_to(membership)
        .filter(code__project=project)
        .values_list("code_id", "segment__transcript_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[code_id][transcript_id] = n

    transcripts = list(project.transcripts.select_related("case").order_by("case__name", "title", "pk"))
    cases: dict[int, list[Transcript]] = defaultdict(list)
    for transcript in transcripts:
        cases[transcript.case_id].append(transcript)

    categories = []
    supported_somewhere: set[int] = set()
    for code in codes:
        if code.level != Level.SELECTIVE:
            continue
        own = subtree(code.pk)
        linked: dict[int, str] = {}
        for member in own:
            for other, how in related[member]:
                for pk in subtree(other):
                    if pk not in own and pk not in linked:
                        linked[pk] = how if pk == other else f"sub-code of {by_id[other].name} ({how})"
        support: dict[int, TranscriptSupport] = {}
        for pk, kind in [(pk, "direct") for pk in own] + [(pk, "linked") for pk in linked]:
            for transcript_id, n in counts[pk].items():
                row = support.get(transcript_id)
                if row is None:
                    row = support[transcript_id] = TranscriptSupport(transcript=None)
                setattr(row, kind, getattr(row, kind) + n)
                row.codes.add(by_id[pk].name)
        case_rows, unsupported = [], []
        for case_transcripts in cases.values():
            rows = []
            for transcript in case_transcripts:
                if transcript.pk in support:
                    support[transcript.pk].transcript = transcript
                    rows.append(support[transcript.pk])
                else:
                    unsupported.append(transcript)
            case_rows.append(
                CaseSupport(case=case_transcripts[0].case, transcripts=rows, total=len(case_transcripts))
            )
        supported_somewhere.update(support)
        categories.append(
            CategoryCoverage(
                code=code,
                sub_codes=[by_id[pk] for pk in own[1:]],
                linked=[(by_id[pk], how) for pk, how in linked.items()],
                cases=case_rows,
                unsupported=unsupported,
                supporting=len(support),
            )
        )
    categories.sort(key=lambda category: not category.code.is_core)  # core categories first, else tree order
    return Coverage(
        categories=categories,
        transcripts=len(transcripts),
        unsupported_by_all=[t for t in transcripts if t.pk not in supported_somewhere] if categories else [],
    )
