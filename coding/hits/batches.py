"""Code all hits: one code (with a valence) applied to every literal hit of a project search, or to the
ticked ones, optionally widened to the sentence or paragraph around each, as one write undone as one.

The write follows the workspace's quotation rules: a span becomes the coder's quotation on it, reused when the
coder already has one there (the code is added to it, or nothing happens if it carries the code already), and
two hits widened to the same sentence make one quotation. Hits are literal occurrences (case-insensitive, as
the search marks them) at code-point offsets; English word forms the PostgreSQL search also finds have no
offsets of their own and are not coded.

A batch is one `CodingBatch` row recording what it created, written in the transaction of the write: its undo
(`undo_batch`) removes exactly that, across every transcript it touched, from the search page's list of
batches. The workspace's per-transcript undo does not reach it.
"""

import hashlib
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from cases.models import Project, Transcript
from cases.refusals import Conflict, Refused
from cases.turns import paragraph_around, sentence_around
from codebook.changes import lock_codes
from codebook.models import Code
from coding.models import Coding, CodingBatch, Extent, Segment, Valence
from coding.workspace.actions import retry_once, trimmed_span

MAX_HITS = 2000  # one preview page and one transaction; a larger batch is a sign the search is too wide


@dataclass(frozen=True)
class Hit:
    transcript_id: int
    start: int
    end: int

    @property
    def key(self) -> str:
        """How a ticked hit travels in a form."""
        return f"{self.transcript_id}:{self.start}:{self.end}"


@dataclass
class Found:
    """Every literal hit of a search, per transcript in the search's order."""

    transcripts: list[Transcript]
    hits: list[Hit]

    @property
    def by_key(self) -> dict[str, Hit]:
        return {hit.key: hit for hit in self.hits}


def find_hits(*, project: Project, query: str) -> Found:
    """The literal occurrences of `query` in the project's transcripts (one query); `Refused` beyond
    `MAX_HITS`."""
    if not query.strip():
        raise Refused("Type what to search for: the search is empty.")
    transcripts = list(
        project.transcripts.select_related("case")
        .filter(text__icontains=query)
        .order_by("case__name", "title", "pk")
    )
    pattern = re.compile(re.escape(query), re.IGNORECASE)
    hits = [Hit(t.pk, m.start(), m.end()) for t in transcripts for m in pattern.finditer(t.text)]
    if len(hits) > MAX_HITS:
        raise Refused(
            f"“{query}” occurs {len(hits)} times; code at most {MAX_HITS} hits at once: search for something "
            "longer."
        )
    return Found([t for t in transcripts if any(h.transcript_id == t.pk for h in hits)], hits)


def extend(text: str, hit: Hit, extent: str) -> tuple[int, int]:
    """The span a hit is coded as: itself, its sentence or its paragraph, without surrounding white space."""
    start, end = hit.start, hit.end
    if extent == Extent.SENTENCE:
        start, end = sentence_around(text, start, end)
    elif extent == Extent.PARAGRAPH:
        start, end = paragraph_around(text, start, end)
    return trimmed_span(text, start, end)


NEW, ADD, HAVE = "new", "add", "have"


@dataclass
class Planned:
    """One quotation the batch creates or adds the code to (or finds already coded)."""

    transcript: Transcript
    start: int
    end: int
    hits: list[Hit] = field(default_factory=list)
    segment_id: int | None = None  # the coder's quotation on this span, if there is one
    number: int | None = None
    status: str = NEW

    @property
    def quote(self) -> str:
        return self.transcript.text[self.start : self.end]


@dataclass
class Plan:
    code: Code
    valence: str
    extent: str
    items: list[Planned]
    hits: int

    def count(self, status: str) -> int:
        return sum(1 for item in self.items if item.status == status)

    @property
    def new(self) -> int:
        return self.count(NEW)

    @property
    def added(self) -> int:
        return self.count(ADD)

    @property
    def have(self) -> int:
        return self.count(HAVE)

    @property
    def valence_label(self) -> str:
        return Valence(self.valence).label

    @property
    def extent_label(self) -> str:
        return Extent(self.extent).label

    @property
    def writes(self) -> int:
        return self.new + self.added

    @property
    def transcripts(self) -> int:
        return len({item.transcript.pk for item in self.items if item.status != HAVE})

    @property
    def digest(self) -> str:
        """What the preview showed, to check that the apply writes the same (a stale preview is refused)."""
        parts = [f"{self.code.pk}|{self.valence}|{self.extent}"]
        parts += [f"{i.transcript.pk}:{i.start}:{i.end}:{i.status}:{i.segment_id}" for i in self.items]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


def plan(
    *, found: Found, hits: list[Hit], code: Code, valence: str, extent: str, coder, lock: bool = False
) -> Plan:
    """What coding `hits` would do: two queries (the coder's quotations there, and which carry the code).
    With `lock`, those quotations are locked until the transaction ends."""
    texts = {t.pk: t for t in found.transcripts}
    items: dict[tuple[int, int, int], Planned] = {}
    for hit in hits:
        transcript = texts[hit.transcript_id]
        start, end = extend(transcript.text, hit, extent)
        item = items.setdefault((transcript.pk, start, end), Planned(transcript, start, end))
        item.hits.append(hit)
    segments = Segment.objects.filter(transcript_id__in={key[0] for key in items}, created_by=coder)
    if lock:
        segments = segments.select_for_update(no_key=True)
    existing = {
        (t, s, e): (pk, number)
        for pk, number, t, s, e in segments.values_list("pk", "number", "transcript_id", "start", "end")
        if (t, s, e) in items
    }
    coded = set(
        Coding.objects.filter(
            segment_id__in=[pk for pk, _ in existing.values()], code=code, coder=coder
        ).values_list("segment_id", flat=True)
    )
    for key, item in items.items():
        if key in existing:
            item.segment_id, item.number = existing[key]
            item.status = HAVE if item.segment_id in coded else ADD
    ordered = sorted(items.values(), key=lambda i: (found.transcripts.index(i.transcript), i.start, i.end))
    return Plan(code=code, valence=valence, extent=extent, items=ordered, hits=len(hits))


def apply_batch(
    *,
    project: Project,
    query: str,
    hits: list[Hit],
    code: Code,
    valence: str,
    extent: str,
    coder,
    digest: str,
) -> CodingBatch:
    """Writes the plan the preview showed, all or nothing, with its batch record; `Conflict` when the plan
    is no longer what the preview showed (`digest`), or when the code was deleted meanwhile."""
    if valence not in Valence.values:
        raise Refused("Choose the effect: + pulls together, − pushes apart, or none.")
    if not hits:
        raise Refused("Tick at least one hit to code.")

    def write() -> CodingBatch:
        if not lock_codes(project, [code.pk]):
            raise Conflict("That code was deleted a moment ago: choose another.")
        found = find_hits(project=project, query=query)
        known = found.by_key
        if any(hit.key not in known for hit in hits):
            raise Conflict("The transcripts changed since the preview: look at the preview again.")
        planned = plan(
            found=found, hits=hits, code=code, valence=valence, extent=extent, coder=coder, lock=True
        )
        if planned.digest != digest:
            raise Conflict("The quotations changed since the preview: look at the preview again.")
        new = [i for i in planned.items if i.status == NEW]
        segments = Segment.objects.bulk_create(
            [
                Segment(
                    project=project,
                    transcript=i.transcript,
                    start=i.start,
                    end=i.end,
                    quote=i.quote,
                    created_by=coder,
                )
                for i in new
            ]
        )
        targets = [s.pk for s in segments] + [i.segment_id for i in planned.items if i.status == ADD]
        codings = Coding.objects.bulk_create(
            [Coding(segment_id=pk, code=code, coder=coder, valence=valence) for pk in targets]
        )
        return CodingBatch.objects.create(
            project=project,
            user=coder,
            code=code,
            code_name=getattr(code, "path", code.name),
            valence=valence,
            search=query,
            extent=extent,
            hits=len(hits),
            quotations_created=len(segments),
            codings_created=len(codings),
            transcripts=planned.transcripts,
            record={"segments": [s.pk for s in segments], "codings": [c.pk for c in codings]},
        )

    return retry_once(write)


@dataclass(frozen=True)
class Undone:
    codings: int
    quotations: int


@transaction.atomic
def undo_batch(*, batch: CodingBatch, user) -> Undone:
    """Removes what the batch created: its codings, and its quotations unless coded or annotated since.
    Codings and quotations that were there before it stay. Once only; recorded on the batch."""
    batch = CodingBatch.objects.select_for_update().get(pk=batch.pk)
    if batch.undone_at is not None:
        raise Refused("This batch has been undone already.")
    record = batch.record
    segments = Segment.objects.filter(project=batch.project, pk__in=record.get("segments", []))
    list(segments.select_for_update(no_key=True).values_list("pk"))
    codings, _ = Coding.objects.filter(
        segment__project=batch.project, pk__in=record.get("codings", [])
    ).delete()
    _, deleted = segments.filter(codings__isnull=True, memos__isnull=True, memo="").delete()
    quotations = deleted.get(Segment._meta.label, 0)
    batch.undone_at, batch.undone_by = timezone.now(), user
    batch.save(update_fields=["undone_at", "undone_by"])
    return Undone(codings=codings, quotations=quotations)
