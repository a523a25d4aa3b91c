"""What the coding workspace shows: the transcript cut into highlighted paragraphs, and the codebook panel."""

from dataclasses import dataclass
from html import escape  # the standard library's, as in `highlights`

from django.db.models import Count, Subquery
from django.utils.safestring import SafeString

from accounts.people import consensus_layer, name_of
from cases.models import Membership, Transcript
from cases.speakers import labels_of
from cases.turns import Label
from codebook.models import Code, Level
from coding.models import Coding, Segment
from coding.workspace.highlights import Layer, Mark, Paragraph, render

RECENT_CODES = 8
PANEL_FIELDS = ("parent", "name", "level", "colour", "is_codable")  # what the panel shows


@dataclass(frozen=True)
class Filters:
    """Which codings are drawn. Empty means every coder's (the consensus layer's only when it is the coder
    chosen); `mine` is the coder's own choice of `coder_id`, kept apart so that the panel shows "Only mine"
    ticked again after an action."""

    code_ids: frozenset[int] = frozenset()
    coder_id: int | None = None
    mine: bool = False

    def apply(self, codings):
        if self.code_ids:
            codings = codings.filter(code_id__in=self.code_ids)
        if self.coder_id:
            return codings.filter(coder_id=self.coder_id)
        return coders_only(codings)

    def as_query(self) -> str:
        """The filters as the workspace's query string, which the page sends back with every action."""
        parts = [f"code={code_id}" for code_id in sorted(self.code_ids)]
        if self.mine:
            parts.append("mine=on")
        elif self.coder_id:
            parts.append(f"coder={self.coder_id}")
        return "&".join(parts)


def coders_only(codings):
    """`codings` without the consensus layer's: the workspace shows and counts the coders' work."""
    return codings.exclude(coder_id__in=consensus_layer())


def paragraphs_with_marks(
    *,
    transcript: Transcript,
    filters: Filters,
    membership: Membership,
    span: tuple[int, int] | None = None,
    labels: list[Label] | None = None,
) -> list[Paragraph]:
    """The transcript's paragraphs with the highlights `membership` may see; with `span`, only the paragraphs
    it touches. `labels`, if given, holds the transcript's speaker labels (those drawn, at least)."""
    paragraphs = [(start, end, text) for start, end, text in transcript.paragraphs()]
    numbered = list(enumerate(paragraphs, start=1))
    segments = Segment.objects.filter(transcript=transcript)
    within = None
    if span is not None:
        numbered = [(n, p) for n, p in numbered if p[0] < span[1] and p[1] > span[0]]
        if not numbered:
            return []
        within = low, high = numbered[0][1][0], numbered[-1][1][1]
        segments = segments.filter(start__lt=high, end__gt=low)
    marks = _marks(segments, filters.apply(Coding.objects.visible_to(membership)))
    if labels is None:
        # Only the labels are drawn, not the turns they open: those of the paragraphs drawn are all it reads.
        labels = labels_of(transcript, within=within)
    return render(
        text=transcript.text,
        paragraphs=[p for _, p in numbered],
        numbers=[n for n, _ in numbered],  # their numbers in the whole transcript
        marks=marks.values(),
        labels=labels,
    )


def _marks(segments, codings) -> dict[int, Mark]:
    """The quotations of `segments` with their `codings`, each read down its own index: the quotations by
    transcript, their codings by the quotations' ids. One query joining the two lets PostgreSQL's planner
    read either table whole (by its estimates, with or without statistics), a cost that grew with the
    project; these two cost what the transcript holds. A quotation left with no coding is not drawn."""
    segments = segments.order_by()
    marks = {
        pk: Mark(segment_id=pk, start=start, end=end, memo=memo)
        for pk, start, end, memo in segments.values_list("pk", "start", "end", "memo")
    }
    rows = (
        codings.on_segments(segments)
        .order_by("code__position", "pk")
        .values_list("segment_id", "code_id", "code__name", "code__colour", "valence", name_of("coder"))
    )
    for segment_id, code_id, name, colour, valence, coder in rows:
        mark = marks.get(segment_id)
        if mark is not None:  # None: a quotation made after the first read, which the next request draws
            mark.layers.append(Layer(code_id=code_id, name=name, colour=colour, valence=valence, coder=coder))
    return marks


def counts_in_transcript(
    *, transcript: Transcript, membership: Membership, code_ids: set[int] | None = None
) -> dict[int, int]:
    """How many codings `membership` may see each code has in the transcript: each of `code_ids` (0
    included), or, without them, every code used there."""
    if code_ids is not None and not code_ids:
        return {}
    codings = coders_only(Coding.objects.visible_to(membership).in_transcript(transcript))
    if code_ids is not None:
        codings = codings.filter(code_id__in=code_ids)
    found = dict(codings.values_list("code_id").annotate(n=Count("pk")).values_list("code_id", "n"))
    return found if code_ids is None else {code_id: found.get(code_id, 0) for code_id in code_ids}


def count_here(code, *, transcript_id: int, membership: Membership) -> Subquery:
    """The number of codings of `code` (an expression, such as `OuterRef("code")`) in the transcript that
    `membership` may see."""
    return Subquery(
        coders_only(Coding.objects.visible_to(membership))
        .filter(segment__transcript_id=transcript_id, code=code)
        .order_by()
        .values("code")
        .annotate(n=Count("pk"))
        .values("n")
    )


def code_panel(*, transcript: Transcript, membership: Membership) -> dict:
    """The codebook tree with counts in this transcript (of the codings the member may see), and the coder's
    recently used codes."""
    here = counts_in_transcript(transcript=transcript, membership=membership)
    codes = Code.objects.filter(project_id=membership.project_id).only(*PANEL_FIELDS).in_tree_order()
    for code in codes:
        code.here = here.get(code.pk, 0)
    recent = []
    # By the codes' ids rather than a join to their project: the coder's newest codings come down the
    # (coder, created) index and stop at 50, where the join read every coding of the project (6 ms at 15k).
    for code_id in (
        Coding.objects.filter(coder_id=membership.user_id, code_id__in=[code.pk for code in codes])
        .order_by("-created_at")
        .values_list("code_id", flat=True)[:50]
    ):
        if code_id not in recent:
            recent.append(code_id)
        if len(recent) == RECENT_CODES:
            break
    by_id = {code.pk: code for code in codes}
    for code in codes:
        parent = by_id.get(code.parent_id)
        code.path = f"{parent.path} › {code.name}" if parent else code.name
    picker = [
        {
            "id": code.pk,
            "name": code.name,
            "path": code.path,
            "level": code.level,
            "colour": code.colour,
            "codable": code.is_codable,
            "count": code.here,
        }
        for code in codes
    ]
    return {"codes": codes, "picker_codes": picker, "recent_codes": recent}


def code_rows(codes: list[Code], *, selected: frozenset[int]) -> SafeString:
    """The code panel's tree rows, built here rather than in a template loop, and escaped with the standard
    library's `escape` rather than `format_html`: a codebook has hundreds of codes and the page has a time
    budget (the same reasons as `highlights.markup`)."""
    levels = dict(Level.choices)
    return SafeString(  # names and paths are escaped; ids, depths and counts are numbers; colours checked hex
        "\n".join(
            f'<li class="code-row depth-{code.depth}{"" if code.is_codable else " category"}" '
            f'data-code="{code.pk}" data-name="{escape(code.path.lower())}">'
            '<label title="Show only chosen codes in the text">'
            f'<input type="checkbox" name="code" value="{code.pk}"'
            f"{' checked' if code.pk in selected else ''}> "
            f'<span class="swatch colour-{code.colour[1:]}"></span>'  # a class that carries it (paint.js)
            f'<span class="code-name">{escape(code.name)}</span></label>'
            f'<span class="level level-{code.level}" title="{levels[code.level]} code">'
            f"{code.level[:1].upper()}</span>"
            f'<span class="count" title="Codings in this transcript">{code.here}</span>'
            f'<span class="jump"{"" if code.here else " hidden"}>'
            f'<button type="button" class="small prev" data-code="{code.pk}" '
            f'aria-label="Previous {escape(code.name)}">‹</button>'
            f'<button type="button" class="small next" data-code="{code.pk}" '
            f'aria-label="Next {escape(code.name)}">›</button>'
            "</span></li>"
            for code in codes
        )
    )
