"""The quotation report: per code, per case, the quotations a retrieval selects — the evidence table behind a
findings section — as a printable page or a Word document.

A report is for reading, so it holds at most REPORT_LIMIT quotations and says so when the selection has more
(the CSV export has them all). Speakers and paragraphs come from the transcripts' texts, read one at a time.
"""

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Case, IntegerField, Value, When
from django.urls import reverse
from django.utils import timezone

from accounts.people import name_of
from cases.models import Transcript
from cases.speakers import labels_around, labels_by_id
from cases.turns import Locator, speaker_at
from codebook.exchange.document import Note, xml_safe
from codebook.models import Framework
from coding.analysis.retrieval import Facets, Selection, citation, describe_criteria
from coding.memos.listing import report_memos
from coding.models import Valence, quotation_id

REPORT_LIMIT = 1000
SIGN = {Valence.POSITIVE: "+", Valence.NEGATIVE: "−"}


@dataclass
class Evidence:
    quote_id: str
    text: str
    citation: str
    speaker: str
    paragraph: int
    valence: str
    coder: str
    memo: str
    workspace_url: str
    notes: list[Note] = field(default_factory=list)  # memos about the quotation or linked to it

    @property
    def sign(self) -> str:
        return SIGN.get(self.valence, "")


@dataclass
class CaseEvidence:
    case: str
    items: list[Evidence] = field(default_factory=list)


@dataclass
class CodeEvidence:
    code: object  # codebook.models.Code with .path
    cases: list[CaseEvidence] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # memos about the code or linked to it

    @property
    def count(self) -> int:
        return sum(len(case.items) for case in self.cases)


@dataclass
class Report:
    project: object
    created: datetime
    scope: str
    codes: list[CodeEvidence]
    total: int
    shown: int

    @property
    def truncated(self) -> bool:
        return self.total > self.shown


def build_report(*, selection: Selection, facets: Facets, limit: int | None = None) -> Report:
    """Three queries: the codings (up to `limit`), their count if there are more, their transcripts' texts;
    and the memos about or linked to the reported codes and quotations (one query, three when there are)."""
    limit = REPORT_LIMIT if limit is None else limit
    tree = facets.tree
    in_tree_order = Case(
        *[
            When(code_id__in=[code.pk, *tree.aliased.get(code.pk, ())], then=Value(index))
            for index, code in enumerate(tree.codes)
        ],
        default=Value(len(tree.codes)),
        output_field=IntegerField(),
    )
    codings = list(
        selection.codings()
        .annotate(tree_order=in_tree_order)
        .order_by(
            "tree_order",
            "segment__transcript__case__name",
            "segment__transcript__title",
            "segment__start",
            "pk",
        )
        .values_list(
            "code_id",
            "segment_id",
            "segment__transcript_id",
            "segment__transcript__case__name",
            "segment__transcript__title",
            "segment__transcript__respondent",
            "segment__start",
            "segment__quote",
            "segment__memo",
            "valence",
            name_of("coder"),
            "segment__number",
            *labels_around(transcript="segment__transcript_id", offset="segment__start"),
        )[: limit + 1]
    )
    total = len(codings) if len(codings) <= limit else selection.codings().count()
    codings = codings[:limit]

    # Speaker and paragraph of each quotation: each needed text is read once and dropped after use.
    # Each offset comes with the ids of the speaker labels around it, which decide its speaker.
    offsets: dict[int, dict[int, tuple[int | None, int | None]]] = defaultdict(dict)
    for row in codings:
        offsets[row[2]][row[6]] = (row[12], row[13])
    located: dict[tuple[int, int], tuple[str, int]] = {}
    texts = Transcript.objects.filter(pk__in=offsets).order_by("pk").values_list("pk", "text")
    labels = labels_by_id({pk for row in codings for pk in row[12:14] if pk is not None})
    for pk, text in texts.iterator(chunk_size=4):
        locator = Locator(text)
        for offset, (before, after) in offsets[pk].items():
            speaker = speaker_at(text, offset, labels.get(before), labels.get(after))
            located[(pk, offset)] = (speaker, locator.paragraph(offset))

    memos = report_memos(
        project=facets.project, code_ids={row[0] for row in codings}, segment_ids={row[1] for row in codings}
    )
    by_code: dict[int, CodeEvidence] = {}
    for (
        code_id,
        segment_id,
        transcript_id,
        case,
        title,
        respondent,
        start,
        quote,
        memo,
        valence,
        coder,
        number,
        _before,
        _after,
    ) in codings:
        valence = tree.valence_of(code_id, valence)
        code_id = tree.counted_as(code_id)  # a study's code reports under the code it is mapped to
        if code_id not in by_code:
            by_code[code_id] = CodeEvidence(tree.by_id[code_id], notes=memos.by_code.get(code_id, []))
        evidence = by_code[code_id]
        if not evidence.cases or evidence.cases[-1].case != case:
            evidence.cases.append(CaseEvidence(case))
        speaker, paragraph = located[(transcript_id, start)]
        url = reverse("coding:workspace", args=[facets.project.pk, transcript_id])
        evidence.cases[-1].items.append(
            Evidence(
                quote_id=quotation_id(number),
                text=quote,
                citation=citation(case=case, respondent=respondent, title=title),
                speaker=speaker,
                paragraph=paragraph,
                valence=valence,
                coder=coder,
                memo=memo,
                workspace_url=f"{url}#s{segment_id}",
                notes=memos.by_segment.get(segment_id, []),
            )
        )
    return Report(
        project=facets.project,
        created=timezone.localtime(),
        scope=describe_criteria(facets=facets, criteria=selection.criteria),
        codes=list(by_code.values()),
        total=total,
        shown=len(codings),
    )


def report_docx(report: Report) -> bytes:
    from docx import Document  # a large library, loaded by the first report a worker writes as Word
    from docx.shared import Pt

    document = Document()
    document.styles["Normal"].font.size = Pt(10)
    document.add_heading(f"Evidence: {report.project.name}", 0)
    document.add_paragraph(
        f"Quotations selected by: {report.scope}. Generated {report.created:%Y-%m-%d %H:%M} by Crosscase."
    )
    if report.truncated:
        document.add_paragraph(
            f"Showing the first {report.shown} of {report.total} codings; narrow the selection or use the "
            "CSV export for all of them."
        )
    if not report.codes:
        document.add_paragraph("No quotations match the selection.")
    for code_evidence in report.codes:
        code = code_evidence.code
        document.add_heading(code.path, level=1)
        framework = Framework(code.framework).label if code.framework in Framework.values else code.framework
        meta = document.add_paragraph(f"{code.get_level_display()} code · {framework}")
        meta.runs[0].italic = True
        if code.definition:
            document.add_paragraph(code.definition)
        for note in code_evidence.notes:
            _add_note(document, note)
        for case in code_evidence.cases:
            count = len(case.items)
            document.add_heading(f"{case.case} ({count} quotation{'s' if count != 1 else ''})", level=2)
            table = document.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, title in zip(table.rows[0].cells, ("Quotation", "Source", "Effect"), strict=True):
                cell.text = title
                cell.paragraphs[0].runs[0].bold = True
            for item in case.items:
                quote, source, effect = table.add_row().cells
                quote.text = f"“{item.text}”"
                where = f"{item.citation}, ¶ {item.paragraph}"
                if item.speaker:
                    where += f", {item.speaker}"
                source.text = f"{where} · {item.quote_id}"
                if item.memo:
                    source.add_paragraph(f"Memo: {item.memo}").runs[0].italic = True
                for note in item.notes:
                    _add_note(source, note)
                effect.text = item.sign or "·"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _add_note(container, note: Note) -> None:
    """A memo under its code, or in its quotation's Source cell: title and byline, then its lines."""
    heading = container.add_paragraph()
    heading.add_run(xml_safe(f"Memo: {note.title}" if note.title else "Memo")).bold = True
    heading.add_run(xml_safe(f" ({note.byline})")).italic = True
    for line in xml_safe(note.text).split("\n"):
        container.add_paragraph(line)
