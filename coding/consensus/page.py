"""What the disagreement view shows: the transcript with two coders' codings as two stripes, and their
differences in reading order with the decisions taken on them."""

from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse

from accounts.people import CONSENSUS_USERNAME, by_name, display_name
from cases.models import Project, Transcript
from coding.consensus.differences import Coded, Difference, Kind, codings_of, compare
from coding.models import Adjudication, Coding, Decision, quotation_id

EXCERPT = 300  # code points of a difference's text shown in the list


def coders_of(transcript: Transcript) -> list:
    """The coders with codings in the transcript, by name: people and imported coders, not the consensus
    layer."""
    coded = Coding.objects.filter(segment__transcript=transcript, coder=OuterRef("pk"))
    return list(
        get_user_model()
        .objects.filter(Exists(coded))
        .exclude(username=CONSENSUS_USERNAME)
        .select_related("profile")
        .order_by(by_name(), "username")
    )


@dataclass
class Side:
    """One coder's codings in a difference, each with its quotation number and workspace link."""

    name: str
    codings: list[tuple[Coded, str, str]]  # coding, "Q12", workspace URL


@dataclass
class Row:
    number: int
    difference: Difference
    code: object
    kind: str
    excerpt: str
    paragraph: int
    a: Side
    b: Side
    workspace_url: str
    anchor: str
    decision: "Outcome | None" = None
    can_take_both: bool = True


@dataclass
class Outcome:
    """A decision as the page shows it, in the page's order of the two coders."""

    adjudication: Adjudication
    words: str
    current: bool
    code: object = None


@dataclass
class Run:
    text: str
    classes: str
    title: str
    markers: list[tuple[int, str]] = field(default_factory=list)  # the differences that start here


@dataclass
class Paragraph:
    number: int
    runs: list[Run]


def anchor(code_id: int, start: int, end: int) -> str:
    return f"d{code_id}-{start}-{end}"


def outcome_words(adjudication: Adjudication, *, names: dict[int, str]) -> str:
    if adjudication.decision == Decision.BOTH:
        return "accepted both coders’ codings"
    if adjudication.decision == Decision.NEITHER:
        return "accepted neither"
    chosen = adjudication.coder_a_id if adjudication.decision == Decision.A else adjudication.coder_b_id
    return f"accepted {names.get(chosen, 'one coder')}’s codings"


def disagreements(*, project: Project, transcript: Transcript, coder_a, coder_b) -> dict:
    """The page's context for two coders: the text's paragraphs as runs, the differences as rows, and every
    decision on this pair in the transcript, newest first. Three queries: codings, codes, decisions."""
    codings = codings_of(transcript_id=transcript.pk, coder_ids=[coder_a.pk, coder_b.pk])
    codes = {code.pk: code for code in project.codes.in_tree_order()}
    order = {pk: place for place, pk in enumerate(codes)}
    comparison = compare(codings[coder_a.pk], codings[coder_b.pk], code_order=order)
    names = {coder_a.pk: display_name(coder_a), coder_b.pk: display_name(coder_b)}
    low, high = sorted((coder_a.pk, coder_b.pk))
    decisions = list(
        Adjudication.objects.filter(transcript=transcript, coder_a_id=low, coder_b_id=high)
        .select_related("decided_by__profile")
        .order_by("-decided_at", "-pk")
    )
    standing = {(d.code_id, d.start, d.end): d for d in decisions if d.current}
    text = transcript.text
    paragraphs = transcript.paragraphs()
    starts = [start for start, _, _ in paragraphs]
    workspace = reverse("coding:workspace", args=[project.pk, transcript.pk])

    def side(coder, items: list[Coded]) -> Side:
        return Side(
            name=names[coder.pk],
            codings=[(c, quotation_id(c.number), f"{workspace}#s{c.segment_id}") for c in items],
        )

    rows = []
    for number, difference in enumerate(comparison.differences, start=1):
        first = min([*difference.a, *difference.b], key=lambda c: c.span)
        kind = difference.kind
        label = {
            Kind.ONLY_A: f"only {names[coder_a.pk]}",
            Kind.ONLY_B: f"only {names[coder_b.pk]}",
        }.get(kind, Kind(kind).label)
        row = Row(
            number=number,
            difference=difference,
            code=codes.get(difference.code_id),
            kind=label,
            excerpt=_excerpt(text[difference.start : difference.end]),
            paragraph=bisect_right(starts, difference.start) or 1,
            a=side(coder_a, difference.a),
            b=side(coder_b, difference.b),
            workspace_url=f"{workspace}#s{first.segment_id}",
            anchor=anchor(*difference.key),
            can_take_both=kind
            in (Kind.SPAN,),  # one side alone is all there is, or one span cannot hold two valences
        )
        adjudication = standing.get(difference.key)
        if adjudication is not None:
            row.decision = Outcome(adjudication, outcome_words(adjudication, names=names), current=True)
        rows.append(row)
    history = [
        Outcome(d, outcome_words(d, names=names), current=d.current, code=codes.get(d.code_id))
        for d in decisions
    ]
    return {
        "coder_a": coder_a,
        "coder_b": coder_b,
        "name_a": names[coder_a.pk],
        "name_b": names[coder_b.pk],
        "rows": rows,
        "agreements": comparison.agreements,
        "resolved": sum(1 for row in rows if row.decision is not None),
        "history": history,
        "paragraphs": _paragraphs(paragraphs, codings[coder_a.pk], codings[coder_b.pk], rows, codes),
    }


def _excerpt(passage: str) -> str:
    return passage if len(passage) <= EXCERPT else passage[: EXCERPT - 1] + "…"


def _paragraphs(paragraphs, a: list[Coded], b: list[Coded], rows: list[Row], codes: dict) -> list[Paragraph]:
    """Each paragraph cut at every boundary of A's and B's codings: a run knows whose codings cover it
    (`by-a`, `by-b`), whether a difference's extent does (`differs`), and the codes, for its tooltip."""
    spans = [(c.start, c.end, "a", c.code_id) for c in a] + [(c.start, c.end, "b", c.code_id) for c in b]
    extents = [(row.difference.start, row.difference.end) for row in rows]
    markers: dict[int, list[tuple[int, str]]] = {}
    for row in rows:
        markers.setdefault(row.difference.start, []).append((row.number, row.anchor))
    result = []
    for number, (p_start, p_end, p_text) in enumerate(paragraphs, start=1):
        inside = [span for span in spans if span[0] < p_end and span[1] > p_start]
        cuts = {p_start, p_end} | {m for m in markers if p_start <= m < p_end}
        for start, end, _, _ in inside:
            cuts.update(x for x in (start, end) if p_start < x < p_end)
        points = sorted(cuts)
        runs = []
        for x, y in pairwise(points):
            covering = [span for span in inside if span[0] <= x and span[1] >= y]
            by_a = sorted({codes[c].name for s, e, who, c in covering if who == "a" and c in codes})
            by_b = sorted({codes[c].name for s, e, who, c in covering if who == "b" and c in codes})
            classes = ["run"]
            if by_a:
                classes.append("by-a")
            if by_b:
                classes.append("by-b")
            if any(s <= x and e >= y for s, e in extents):
                classes.append("differs")
            title = " · ".join(
                part
                for part in (f"A: {', '.join(by_a)}" if by_a else "", f"B: {', '.join(by_b)}" if by_b else "")
                if part
            )
            runs.append(
                Run(
                    text=p_text[x - p_start : y - p_start],
                    classes=" ".join(classes),
                    title=title,
                    markers=markers.get(x, []),
                )
            )
        result.append(Paragraph(number=number, runs=runs))
    return result
