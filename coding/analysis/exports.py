"""Exports for papers: coded excerpts as CSV (streamed), and the matrix as CSV or XLSX.

Every file name names the project and the date. The excerpt export streams: codings are read through a
server-side cursor in batches and written out as they come. Per batch, one or two queries read the speaker
labels that name their speakers (the two around each quotation, or all of a transcript's where it has many
quotations) and a second cursor, in the codings' order, the batch's transcripts' texts and details (for the
paragraph and source of their excerpts) one transcript at a time, so memory stays flat however many codings
are exported. CSV is UTF-8; the Excel option adds a byte-order mark (without it Excel reads UTF-8 as the local
code page and garbles Chinese). Every CSV and XLSX cell a spreadsheet would run as a formula is guarded as
`codebook.exchange.spreadsheets` describes.
"""

import io
import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime

from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, Func, Q, Value
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.text import slugify

from accounts.people import name_of
from cases.models import (
    AttributeTarget,
    CaseAttributeValue,
    Project,
    SpeakerLabel,
    Transcript,
    TranscriptAttributeValue,
)
from cases.speakers import labels_around, labels_by_transcript
from cases.turns import Label, Locator
from codebook.exchange.spreadsheets import csv_stream, xlsx_cell
from codebook.models import Framework
from coding.analysis.matrix import Cell, Matrix, describe
from coding.analysis.retrieval import Facets, Selection, citation, describe_criteria
from coding.models import Segment, quotation_id


def export_filename(*, project: Project, what: str, extension: str) -> str:
    """e.g. "interagency-data-sharing-excerpts-2026-11-23.csv"."""
    name = slugify(project.name, allow_unicode=True) or "project"
    return f"{name}-{what}-{timezone.localdate().isoformat()}.{extension}"


# Coded excerpts -------------------------------------------------------------------------------------------


def _attribute_columns(facets: Facets) -> tuple[list, list]:
    attributes = [d.attribute for d in facets.dimensions.values() if d.attribute is not None]
    on_cases = [a for a in attributes if a.applies_to == AttributeTarget.CASE]
    on_interviews = [a for a in attributes if a.applies_to == AttributeTarget.TRANSCRIPT]
    return on_cases, on_interviews


def excerpt_header(facets: Facets) -> list[str]:
    """The columns; a meta-analysis adds each quotation's study and the study's own code at the end."""
    on_cases, on_interviews = _attribute_columns(facets)
    studies = ["study", "original code"] if facets.tree.study_codes else []
    return [
        "quote id",
        "case",
        *[f"case: {a.name}" for a in on_cases],
        "transcript",
        "respondent",
        "respondent role",
        *[f"interview: {a.name}" for a in on_interviews],
        "speaker",
        "paragraph",
        "start",
        "end",
        "code",
        "code path",
        "level",
        "framework",
        "valence",
        "excerpt",
        "coder",
        "segment memo",
        "created",
        "citation",
        "selected by",
        *studies,
    ]


def _attribute_values(model, owner: str, facets: Facets) -> dict[tuple[int, int], str]:
    """(owner id, attribute id) → value as the matrix and filters spell it."""
    fields = ("value_text", "value_number", "value_date", "value_boolean")
    found = {}
    rows = model.objects.filter(attribute__project=facets.project).values_list(owner, "attribute_id", *fields)
    for owner_id, attribute_id, *raw in rows:
        dimension = facets.dimensions[f"attr-{attribute_id}"]
        found[(owner_id, attribute_id)] = dimension.key_of(next((v for v in raw if v is not None), None))
    return found


class EpochSeconds(Func):
    """A timestamp as whole seconds since 1970 (UTC). Read as a number it costs a fraction of a parsed date,
    which an export of hundreds of thousands of rows feels."""

    output_field = BigIntegerField()
    template = "CAST(FLOOR(EXTRACT(EPOCH FROM %(expressions)s)) AS bigint)"

    def as_sqlite(self, compiler, connection, **extra):
        # The format travels as a parameter: written into the SQL, "%s" would be taken for one.
        text = Func(
            Value("%s"), *self.get_source_expressions(), function="strftime", output_field=CharField()
        )
        return compiler.compile(Cast(text, BigIntegerField()))


@contextmanager
def _one_snapshot():
    """Both cursors of an export read the same state of the database.

    On PostgreSQL that is a REPEATABLE READ transaction (which also keeps the server-side cursors streaming
    rather than materialised at commit). SQLite's write lock would be taken by a transaction here (the
    settings open them IMMEDIATE), blocking coders for the length of a download, so it reads without one.
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                # Compiling the plan (JIT) costs more than the export saves by it. A cursor's default plan
                # for its first rows suits an export too: it walks the transcripts in order and sorts each
                # one's codings apart, where a plan for all rows sorts them all at once, on disk, first.
                cursor.execute("SET LOCAL jit = off")
            yield
    else:
        yield


def excerpt_rows(*, selection: Selection, facets: Facets, chunk_size: int = 2000) -> Iterator[list]:
    """The header, then one row per coding the selection finds, in reading order. Each row ends with how the
    selection was made, so a row copied into a paper or another sheet keeps it."""
    yield excerpt_header(facets)
    selected_by = describe_criteria(facets=facets, criteria=selection.criteria)
    tree = facets.tree
    on_cases, on_interviews = _attribute_columns(facets)
    with _one_snapshot():
        case_values = _attribute_values(CaseAttributeValue, "case_id", facets) if on_cases else {}
        interview_values = (
            _attribute_values(TranscriptAttributeValue, "transcript_id", facets) if on_interviews else {}
        )
        order = ("segment__transcript__case__name", "segment__transcript__title", "segment__transcript_id")
        codings = (
            selection.codings()
            .order_by(*order, "segment__start", "segment__end", "segment_id", "pk")
            .values_list(
                "segment__number",
                "segment__transcript_id",
                "segment__start",
                "segment__end",
                "code_id",
                "valence",
                "segment__quote",
                name_of("coder"),
                "segment__memo",
                EpochSeconds("created_at"),
                "segment_id",
            )
        )
        provenance: dict[int, list[str]] = {}
        codes = {
            code.pk: (code.name, code.path, code.get_level_display(), _framework(code.framework))
            for code in tree.codes
        }
        # A study's code is exported as the code it is mapped to, followed by the study and its own code.
        for alias, target in tree.aliases.items():
            original = tree.study_codes[alias]
            codes[alias] = codes[target]
            provenance[alias] = [original.study.name, original.path]
        blank = ["", ""] if tree.study_codes else []
        current, text = None, ""
        zone = timezone.get_current_timezone()  # once: looking it up per row costs a fifth of the export
        rows = codings.iterator(chunk_size=chunk_size)
        while batch := list(itertools.islice(rows, chunk_size)):
            labels = _speaker_labels((row[-1], row[1]) for row in batch)
            if current is not None:  # the last batch's transcript goes on: its labels for this batch's rows
                locator = Locator(text, labels.get(current, ()))
            # A transcript whose codings the last batch began is not read again.
            transcripts = (
                Transcript.objects.filter(pk__in={row[1] for row in batch} - {current})
                .order_by("case__name", "title", "pk")
                .values_list("pk", *TRANSCRIPT_FIELDS)
                .iterator(chunk_size=4)
            )
            for (
                number,
                transcript_id,
                start,
                end,
                code_id,
                valence,
                quote,
                coder,
                memo,
                created,
                _segment_id,
            ) in batch:
                if transcript_id != current:
                    current = transcript_id
                    text, case_id, case, title, respondent, role = _transcript(transcripts, transcript_id)
                    locator = Locator(text, labels.get(transcript_id, ()))
                    head = [
                        case,
                        *[case_values.get((case_id, a.pk), "") for a in on_cases],
                        title,
                        respondent,
                        role,
                        *[interview_values.get((transcript_id, a.pk), "") for a in on_interviews],
                    ]
                    cited = citation(case=case, respondent=respondent, title=title)
                yield [
                    quotation_id(number),
                    *head,
                    locator.speaker(start),
                    locator.paragraph(start),
                    start,
                    end,
                    *codes[code_id],
                    tree.valence_of(code_id, valence),
                    quote,
                    coder,
                    memo,
                    datetime.fromtimestamp(created, zone).isoformat(),
                    cited,
                    selected_by,
                    *provenance.get(code_id, blank),
                ]


# Past this many quotations of one transcript in a batch, reading all its labels (a few hundred) costs less
# than finding the two around each quotation.
MANY_QUOTATIONS = 30


def _speaker_labels(quotations: Iterable[tuple[int, int]]) -> dict[int, list[Label]]:
    """For (segment id, transcript id) pairs, each transcript's labels that name the speakers of its
    quotations (`Locator` takes them): all of them where it has many quotations here, else the two around
    each (`labels_around`). Two queries at most, for any number of quotations."""
    segments: dict[int, list[int]] = defaultdict(list)
    for segment_id, transcript_id in quotations:
        segments[transcript_id].append(segment_id)
    whole = [pk for pk, found in segments.items() if len(found) >= MANY_QUOTATIONS]
    few = [pk for found in segments.values() if len(found) < MANY_QUOTATIONS for pk in found]
    before, after = labels_around(transcript="transcript_id", offset="start")
    around = Segment.objects.filter(pk__in=few).values_list(before, after) if few else []
    ids = {pk for pair in around for pk in pair if pk is not None}
    if not ids and not whole:
        return {}
    return labels_by_transcript(SpeakerLabel.objects.filter(Q(pk__in=ids) | Q(transcript_id__in=whole)))


def _framework(key: str) -> str:
    return Framework(key).label if key in Framework.values else key


TRANSCRIPT_FIELDS = ("text", "case_id", "case__name", "title", "respondent", "respondent_role")


def _transcript(transcripts: Iterator[tuple], transcript_id: int) -> tuple:
    """The next transcript's fields from the batch's transcripts' cursor, which runs in the codings' order."""
    for pk, *fields in transcripts:
        if pk == transcript_id:
            return tuple(fields)
    # Only if the two reads saw different data (SQLite reads without a shared snapshot): ask directly.
    found = Transcript.objects.filter(pk=transcript_id).values_list(*TRANSCRIPT_FIELDS).first()
    return found or ("", None, "", "", "", "")


# The matrix ------------------------------------------------------------------------------------------------


def matrix_lines(*, matrix: Matrix, facets: Facets, exported: datetime | None = None) -> list[list]:
    """The matrix as rows of cells, exactly as the page shows it, under a header saying how it was computed.

    Shares are written as fractions (the CSV writer turns them into per cent, XLSX formats them).
    """
    exported = timezone.localtime(exported or timezone.now())
    lines: list[list] = [
        ["Crosscase cross-case matrix"],
        ["Project", facets.project.name],
        ["Exported", exported.strftime("%Y-%m-%d %H:%M %Z")],
        *[[label, text] for label, text in describe(facets=facets, spec=matrix.spec)],
        [],
    ]
    valence = matrix.spec.valence
    parts = ("positive", "negative", "net") if valence else ("value",)
    suffix = {"positive": " +", "negative": " −", "net": " net", "value": ""}
    heading = ["Code", "Code path", "Level", "Framework"]
    for label in [*[f"{c.label} (n = {c.interviews})" for c in matrix.columns], "Total"]:
        heading += [f"{label}{suffix[part]}" for part in parts]
    lines.append(heading)

    def values(cells: list[Cell]) -> list:
        return [
            getattr(cell, f"{part}_value" if part != "value" else "value") for cell in cells for part in parts
        ]

    for row in matrix.rows:
        code = row.code
        lines.append(
            [
                code.name,
                code.path,
                code.get_level_display(),
                _framework(code.framework),
                *values([*row.cells, row.total]),
            ]
        )
    lines.append(["Any code", "", "", "", *values([*matrix.column_totals, matrix.grand_total])])
    return lines


def matrix_csv(*, matrix: Matrix, facets: Facets, excel: bool = False) -> bytes:
    lines = matrix_lines(matrix=matrix, facets=facets)
    if matrix.share:
        table_start = lines.index([]) + 2
        lines = lines[:table_start] + [
            [round(v * 100, 1) if isinstance(v, float) else v for v in line] for line in lines[table_start:]
        ]
        lines[table_start - 1] = [f"{h} (%)" if i >= 4 else h for i, h in enumerate(lines[table_start - 1])]
    return b"".join(csv_stream(lines, excel=excel))


def matrix_xlsx(*, matrix: Matrix, facets: Facets) -> bytes:
    from openpyxl import Workbook  # a large library, loaded by the first XLSX a worker writes
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Matrix")
    lines = matrix_lines(matrix=matrix, facets=facets)
    table_start = lines.index([]) + 1
    bold = Font(bold=True)
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 60
    # A write-only sheet writes its views first, so the frozen header is set before any row.
    sheet.freeze_panes = f"B{table_start + 2}"
    for number, line in enumerate(lines):
        cells = []
        for index, value in enumerate(line):
            cell = xlsx_cell(sheet, value)
            if (number < table_start and index == 0) or number == table_start:
                cell.font = bold
            if matrix.share and isinstance(value, float):
                cell.number_format = "0.0%"
            cells.append(cell)
        sheet.append(cells)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
