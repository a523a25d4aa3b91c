"""Where two coders' codings of one transcript differ, classified, in reading order.

The unit is a code and a stretch of text. Two codings **overlap** when they share at least one code point
(`a.start < b.end and b.start < a.end`; spans are `[start, end)` in code points, so a coding that ends where
the other starts does not overlap it). For each code, the codings of A and of B are joined into groups by
overlap, transitively: a long passage of A's that holds two short ones of B's is one group, whether the spans
nest or only overlap. Each group is one of:

- **only A** / **only B** — one coder's coding that no coding of the other with the same code overlaps;
- **same code, different span** — both coded the code there, but not on exactly the same spans;
- **same code, different valence** — the same spans, with a different valence on at least one of them;
- an **agreement** — the same spans with the same valences: not a difference.

A group's **extent** is the text its codings cover together, from the first start to the last end; the code
and the extent name a difference (what an adjudication is recorded against).
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import models

from coding.models import Coding, Valence


class Kind(models.TextChoices):
    ONLY_A = "only_a", "only A"
    ONLY_B = "only_b", "only B"
    SPAN = "span", "same code, different span"
    VALENCE = "valence", "same code, different valence"


@dataclass(frozen=True)
class Coded:
    """One coder's coding of one passage."""

    coding_id: int
    segment_id: int
    number: int  # the quotation's number (Q12)
    code_id: int
    start: int
    end: int
    valence: str

    @property
    def span(self) -> tuple[int, int]:
        return (self.start, self.end)

    @property
    def sign(self) -> str:
        return {Valence.POSITIVE: "+", Valence.NEGATIVE: "−"}.get(self.valence, "")


def overlap(x: Coded, y: Coded) -> bool:
    return x.start < y.end and y.start < x.end


@dataclass
class Difference:
    kind: str
    code_id: int
    start: int
    end: int
    a: list[Coded] = field(default_factory=list)
    b: list[Coded] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.code_id, self.start, self.end)


@dataclass
class Comparison:
    differences: list[Difference]
    agreements: int  # groups where both coders coded the same spans with the same valences


def compare(
    a: Iterable[Coded], b: Iterable[Coded], *, code_order: dict[int, int] | None = None
) -> Comparison:
    """The differences between A's codings and B's, in reading order (extent, then the code's place in the
    codebook), and how many groups agree."""
    by_code: dict[int, tuple[list[Coded], list[Coded]]] = defaultdict(lambda: ([], []))
    for coded in a:
        by_code[coded.code_id][0].append(coded)
    for coded in b:
        by_code[coded.code_id][1].append(coded)
    found, agreements = [], 0
    for code_id, (mine, theirs) in by_code.items():
        for group_a, group_b in _groups(mine, theirs):
            difference = _classify(code_id, group_a, group_b)
            if difference is None:
                agreements += 1
            else:
                found.append(difference)
    order = code_order or {}
    found.sort(key=lambda d: (d.start, d.end, order.get(d.code_id, 0), d.code_id))
    return Comparison(differences=found, agreements=agreements)


def _groups(a: list[Coded], b: list[Coded]) -> list[tuple[list[Coded], list[Coded]]]:
    """A's and B's codings of one code joined by overlap between the two coders (union-find)."""
    items = [*a, *b]
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, x in enumerate(a):
        for j, y in enumerate(b, start=len(a)):
            if overlap(x, y):
                parent[root(i)] = root(j)
    groups: dict[int, tuple[list[Coded], list[Coded]]] = {}
    for i, item in enumerate(items):
        group = groups.setdefault(root(i), ([], []))
        group[0 if i < len(a) else 1].append(item)
    return [(sorted(x, key=_place), sorted(y, key=_place)) for x, y in groups.values()]


def _place(coded: Coded) -> tuple[int, int]:
    return coded.span


def _classify(code_id: int, a: list[Coded], b: list[Coded]) -> Difference | None:
    everything = [*a, *b]
    start, end = min(c.start for c in everything), max(c.end for c in everything)
    if not b:
        kind = Kind.ONLY_A
    elif not a:
        kind = Kind.ONLY_B
    elif {c.span for c in a} != {c.span for c in b}:
        kind = Kind.SPAN
    elif {c.span: c.valence for c in a} != {c.span: c.valence for c in b}:
        kind = Kind.VALENCE
    else:
        return None
    return Difference(kind=kind, code_id=code_id, start=start, end=end, a=a, b=b)


def codings_of(
    *, transcript_id: int, coder_ids: Iterable[int], code_id: int | None = None
) -> dict[int, list[Coded]]:
    """Each coder's codings in the transcript (of one code, if given), in one query."""
    coder_ids = list(coder_ids)
    rows = Coding.objects.filter(segment__transcript_id=transcript_id, coder_id__in=coder_ids)
    if code_id is not None:
        rows = rows.filter(code_id=code_id)
    found: dict[int, list[Coded]] = {coder_id: [] for coder_id in coder_ids}
    for coder_id, *values in rows.order_by("segment__start", "segment__end", "pk").values_list(
        "coder_id",
        "pk",
        "segment_id",
        "segment__number",
        "code_id",
        "segment__start",
        "segment__end",
        "valence",
    ):
        found[coder_id].append(Coded(*values))
    return found
