"""Finding memos and naming what they are about: the memo list's filters and search, each memo's target in
words and as a link, and the memos the codebook document and the quotation report print.

Search matches the title or the text as literal characters on both databases (Chinese has no spaces to split
words at), and on PostgreSQL English word forms too, as the transcript search does (`cases.search`).
"""

from collections import defaultdict
from dataclasses import dataclass

from django.contrib.postgres.search import SearchQuery, SearchVector
from django.db.models import Q, QuerySet
from django.urls import reverse

from accounts.people import display_name
from cases.models import Case, Project
from cases.search import FTS_CONFIG, uses_full_text
from codebook.exchange.document import Note
from codebook.models import Code
from coding.memos.writing import may_change
from coding.models import Memo, MemoTarget

PER_PAGE = 25


@dataclass(frozen=True)
class MemoFilters:
    kind: str = ""  # a MemoTarget value, or any
    author_id: int | None = None
    code: Code | None = None
    case: Case | None = None
    query: str = ""


def memos_of(*, project: Project, filters: MemoFilters) -> QuerySet[Memo]:
    """The project's memos that pass `filters`, newest first.

    A code filter keeps memos about the code, linked to it or about one of its relations; a case filter keeps
    memos about the case, one of its transcripts or a quotation in it, or linked to such a quotation.
    """
    memos = Memo.objects.filter(project=project)
    if filters.kind:
        memos = memos.about(filters.kind)
    if filters.author_id:
        memos = memos.filter(author_id=filters.author_id)
    if filters.code is not None:
        code = filters.code
        links = Memo.codes.through.objects.filter(code=code).values("memo_id")
        memos = memos.filter(
            Q(code=code) | Q(relation__source=code) | Q(relation__target=code) | Q(pk__in=links)
        )
    if filters.case is not None:
        case = filters.case
        links = Memo.quotations.through.objects.filter(segment__transcript__case=case).values("memo_id")
        memos = memos.filter(
            Q(case=case) | Q(transcript__case=case) | Q(segment__transcript__case=case) | Q(pk__in=links)
        )
    if filters.query:
        memos = _matching(memos, filters.query)
    return memos


def _matching(memos: QuerySet[Memo], query: str) -> QuerySet[Memo]:
    literal = Q(title__icontains=query) | Q(text__icontains=query)
    if not uses_full_text():
        return memos.filter(literal)
    words = SearchQuery(query, config=FTS_CONFIG, search_type="websearch")
    return memos.annotate(document=SearchVector("title", "text", config=FTS_CONFIG)).filter(
        literal | Q(document=words)
    )


def listed(memos: QuerySet[Memo], *, links: bool = True) -> QuerySet[Memo]:
    """`memos` with what a list shows of each: author, target and (with `links`) the linked quotations and
    codes, in one query plus one per kind of link."""
    memos = memos.with_targets()
    return memos.prefetch_related("quotations", "codes") if links else memos


def shown(memos, *, membership) -> list[Memo]:
    """The memos as pages show them: each with `about_label`, `about_url` and `changeable` (whether the
    member may edit or delete it)."""
    result = list(memos)
    for memo in result:
        memo.about_label, memo.about_url = target_label(memo), target_url(memo)
        memo.changeable = may_change(memo=memo, membership=membership)
    return result


def target_label(memo: Memo) -> str:
    """What the memo is about, in words: "Case City X", "Code Data ownership", "Quotation Q12 in R07"."""
    kind = memo.target_kind
    if kind == MemoTarget.PROJECT:
        return "The project"
    target = memo.target
    match kind:
        case MemoTarget.TRANSCRIPT:
            return f"Transcript {target.title} ({target.case.name})"
        case MemoTarget.RELATION:
            return f"Relation {target.source.name} {target.kind_label} {target.target.name}"
        case MemoTarget.SEGMENT:
            return f"Quotation {target.citable_id} in {target.transcript.title}"
        case _:
            return f"{MemoTarget.LABELS[kind]} {target.name}"


def target_url(memo: Memo) -> str:
    """Where the memo's target is shown, the memo with it."""
    project_id, kind = memo.project_id, memo.target_kind
    if kind == MemoTarget.PROJECT:
        return reverse("coding:memo_list", args=[project_id])
    target = memo.target
    match kind:
        case MemoTarget.CASE:
            return reverse("cases:case_detail", args=[project_id, target.pk])
        case MemoTarget.TRANSCRIPT:
            return reverse("coding:workspace", args=[project_id, target.pk]) + "?memos=open#memos"
        case MemoTarget.CODE:
            return reverse("codebook:code_detail", args=[project_id, target.pk]) + "#memos"
        case MemoTarget.RELATION:
            return reverse("codebook:code_detail", args=[project_id, target.source_id]) + "#relations"
        case _:
            return reverse("coding:workspace", args=[project_id, target.transcript_id]) + f"#s{target.pk}"


def about_code(*, code: Code, membership) -> list[Memo]:
    """Memos about `code` or linked to it, as its page shows them; three queries."""
    links = Memo.codes.through.objects.filter(code=code).values("memo_id")
    memos = Memo.objects.filter(project_id=code.project_id).filter(Q(code=code) | Q(pk__in=links))
    return shown(listed(memos), membership=membership)


def about_case(*, case: Case, membership) -> list[Memo]:
    """Memos about `case`, as its page shows them; three queries."""
    return shown(listed(Memo.objects.filter(case=case)), membership=membership)


def about_transcript(*, transcript, membership) -> list[Memo]:
    """Memos about `transcript`, for the workspace's panel: one query, without their links, and joined
    with their authors only: their target is `transcript` itself (with its case, as the workspace has it)."""
    memos = list(Memo.objects.filter(transcript=transcript).select_related("author__profile"))
    for memo in memos:
        memo.transcript = transcript
    return shown(memos, membership=membership)


def by_relation(*, project: Project, relations, membership) -> dict[int, list[Memo]]:
    """relation id → the memos about it, oldest first; one query, none without relations."""
    if not relations:
        return {}
    memos = (
        Memo.objects.filter(project=project, relation__in=[relation.pk for relation in relations])
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )
    result: dict[int, list[Memo]] = defaultdict(list)
    for memo in memos:
        memo.changeable = may_change(memo=memo, membership=membership)
        result[memo.relation_id].append(memo)
    return dict(result)


def _note(memo: Memo) -> Note:
    return Note(title=memo.title, text=memo.text, author=display_name(memo.author), created=memo.created_at)


def codebook_notes(*, project: Project) -> dict[int, list[Note]]:
    """code id → the notes the codebook document prints under the code: memos about the code, then memos
    about a relation it starts, oldest first; one query."""
    memos = (
        Memo.objects.filter(project=project)
        .filter(Q(code__isnull=False) | Q(relation__isnull=False))
        .select_related("author__profile", "relation__target")
        .order_by("created_at", "pk")
    )
    notes: dict[int, list[Note]] = defaultdict(list)
    about_relations: dict[int, list[Note]] = defaultdict(list)
    for memo in memos:
        if memo.code_id is not None:
            notes[memo.code_id].append(_note(memo))
        else:
            relation = memo.relation
            note = _note(memo)
            heading = f"{relation.kind_label} “{relation.target.name}”"
            title = f"{heading}: {note.title}" if note.title else heading
            about_relations[relation.source_id].append(
                Note(title=title, text=note.text, author=note.author, created=note.created)
            )
    for code_id, extra in about_relations.items():
        notes[code_id].extend(extra)
    return dict(notes)


@dataclass(frozen=True)
class ReportMemos:
    """The memos a quotation report prints: per code (about it or linked to it) and per quotation."""

    by_code: dict[int, list[Note]]
    by_segment: dict[int, list[Note]]


def report_memos(*, project: Project, code_ids, segment_ids) -> ReportMemos:
    """Memos about or linked to the reported codes and quotations, oldest first; three queries (the memos,
    their links to those codes, their links to those quotations), one when there are none."""
    code_ids, segment_ids = set(code_ids), set(segment_ids)
    memos = (
        Memo.objects.filter(project=project)
        .filter(
            Q(code_id__in=code_ids)
            | Q(segment_id__in=segment_ids)
            | Q(codes__in=code_ids)
            | Q(quotations__in=segment_ids)
        )
        .select_related("author__profile")
        .distinct()
        .order_by("created_at", "pk")
    )
    by_code: dict[int, list[Note]] = defaultdict(list)
    by_segment: dict[int, list[Note]] = defaultdict(list)
    rows = list(memos)
    if not rows:
        return ReportMemos({}, {})
    links = Memo.codes.through.objects.filter(memo__in=rows, code_id__in=code_ids).values_list(
        "memo_id", "code_id"
    )
    quoted = Memo.quotations.through.objects.filter(memo__in=rows, segment_id__in=segment_ids).values_list(
        "memo_id", "segment_id"
    )
    linked_codes: dict[int, set[int]] = defaultdict(set)
    linked_segments: dict[int, set[int]] = defaultdict(set)
    for memo_id, code_id in links:
        linked_codes[memo_id].add(code_id)
    for memo_id, segment_id in quoted:
        linked_segments[memo_id].add(segment_id)
    for memo in rows:
        note = _note(memo)
        for code_id in sorted(({memo.code_id} | linked_codes[memo.pk]) & code_ids):
            by_code[code_id].append(note)
        for segment_id in sorted(({memo.segment_id} | linked_segments[memo.pk]) & segment_ids):
            by_segment[segment_id].append(note)
    return ReportMemos(dict(by_code), dict(by_segment))
