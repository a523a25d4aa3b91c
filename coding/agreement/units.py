"""What an agreement report compares: the coders' codings in the chosen transcripts, loaded in a fixed number
of queries, and the units of analysis cut from the transcripts' text.

Offsets are code points (Python `str` indices), end exclusive, as everywhere in Crosscase. Character counts
are interval arithmetic over merged spans: a coder's codings with one code in one transcript are merged into
disjoint intervals, and lengths of unions and intersections are sums of interval lengths, never sets of
characters.

A transcript with no assignment at all counts as assigned to every compared coder; a transcript with
assignments counts only for the coders assigned to it. For the others its units are missing, not absent.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.functions import Length

from accounts.people import by_name, name_of
from cases.models import Assignment, Project, Transcript
from cases.speakers import labels_for
from cases.turns import paragraph_spans, turns_from
from coding.models import Coding


class Unit(models.TextChoices):
    """What the coders' codings are compared by (`coding.agreement.report` defines each in words)."""

    CHARACTERS = "characters", "Characters"
    PARAGRAPHS = "paragraphs", "Paragraphs"
    TURNS = "turns", "Speaker turns"
    TRANSCRIPTS = "transcripts", "Transcripts"
    SEGMENTS = "segments", "Quotations (segments)"
    VALENCE = "valence", "Valence"


Interval = tuple[int, int]


# Interval arithmetic ------------------------------------------------------------------------------------


def merge(spans: Iterable[Interval]) -> list[Interval]:
    """Disjoint, sorted intervals covering exactly the code points of `spans` (touching spans join)."""
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def covered(intervals: Sequence[Interval]) -> int:
    """How many code points merged intervals cover."""
    return sum(end - start for start, end in intervals)


def common(a: Sequence[Interval], b: Sequence[Interval]) -> int:
    """How many code points two lists of merged intervals share (one pass over both)."""
    total = i = j = 0
    while i < len(a) and j < len(b):
        low = max(a[i][0], b[j][0])
        high = min(a[i][1], b[j][1])
        if high > low:
            total += high - low
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1
    return total


# What is loaded -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Coder:
    pk: int
    name: str


@dataclass(frozen=True)
class Source:
    """One chosen transcript."""

    pk: int
    title: str
    case_id: int
    length: int  # code points
    assigned: frozenset[int]  # the compared coders it counts for
    text: str = ""  # loaded only for units cut from the text


@dataclass(frozen=True)
class Mark:
    """One coding of a compared coder: a code on a span."""

    transcript_id: int
    coder_id: int
    code_id: int
    start: int
    end: int
    valence: str


@dataclass
class Material:
    coders: list[Coder]
    code_ids: list[int]
    sources: list[Source]
    marks: list[Mark]
    labels: dict[int, list] = field(default_factory=dict)


def coder_choices(*, project: Project) -> list[Coder]:
    """Everyone with codings or assignments in the project, consensus layer and imported coders included, in
    the order of their display names: one query."""
    users = (
        get_user_model()
        .objects.filter(
            Exists(Coding.objects.filter(coder=OuterRef("pk"), segment__project=project))
            | Exists(Assignment.objects.filter(coder=OuterRef("pk"), transcript__case__project=project))
        )
        .annotate(shown=name_of())
        .order_by(by_name(), "username")
        .values_list("pk", "shown")
    )
    return [Coder(pk, name) for pk, name in users]


def transcript_choices(*, project: Project) -> list[tuple[int, str, int]]:
    """(id, title, case id) of the project's transcripts, by case and title: one query."""
    return list(
        Transcript.objects.filter(case__project=project)
        .order_by("case__name", "title", "pk")
        .values_list("pk", "title", "case_id")
    )


def load_material(
    *,
    coders: list[Coder],
    code_ids: list[int],
    transcript_ids: list[int],
    with_text: bool,
    with_labels: bool,
) -> Material:
    """The chosen transcripts, their assignments and the compared coders' codings with the chosen codes: three
    queries, and one more for speaker labels."""
    coder_ids = [coder.pk for coder in coders]
    fields = ["pk", "title", "case_id", "chars"] + (["text"] if with_text else [])
    rows = (
        Transcript.objects.filter(pk__in=transcript_ids)
        .annotate(chars=Length("text"))
        .order_by("case__name", "title", "pk")
        .values_list(*fields)
    )
    assignments: dict[int, set[int]] = {}
    for transcript_id, coder_id in Assignment.objects.filter(transcript_id__in=transcript_ids).values_list(
        "transcript_id", "coder_id"
    ):
        assignments.setdefault(transcript_id, set()).add(coder_id)
    everyone = frozenset(coder_ids)
    sources = []
    for pk, title, case_id, chars, *text in rows:
        assigned = everyone if pk not in assignments else everyone & frozenset(assignments[pk])
        sources.append(Source(pk, title, case_id, chars, assigned, text[0] if text else ""))
    marks = [
        Mark(*row)
        for row in Coding.objects.filter(
            segment__transcript_id__in=transcript_ids, coder_id__in=coder_ids, code_id__in=code_ids
        )
        .order_by()
        .values_list(
            "segment__transcript_id", "coder_id", "code_id", "segment__start", "segment__end", "valence"
        )
    ]
    labels = labels_for(transcript_ids) if with_labels else {}
    return Material(coders, code_ids, sources, marks, labels)


# Units cut from the text ----------------------------------------------------------------------------------


def paragraph_units(source: Source, labels: list) -> list[Interval]:
    return [(start, end) for start, end, _ in paragraph_spans(source.text)]


def turn_units(source: Source, labels: list) -> list[Interval]:
    return [(turn.start, turn.end) for turn in turns_from(source.text, labels) if turn.end > turn.start]


def transcript_units(source: Source, labels: list) -> list[Interval]:
    return [(0, source.length)] if source.length else []
