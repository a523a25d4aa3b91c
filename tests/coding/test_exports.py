"""Exports for papers: the coded-excerpts CSV (columns, BOM, Chinese, streaming, flat memory) and the
quotation report (printable page and DOCX). Data from the `analysis` fixture (tests/conftest.py)."""

import csv
import io
import tracemalloc
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from docx import Document

from codebook.exchange.spreadsheets import csv_stream
from coding.analysis import reports
from coding.analysis.exports import excerpt_header, excerpt_rows
from coding.analysis.retrieval import Criteria, load_facets, select
from coding.models import Coding, Segment
from coding.perf.corpus import make_corpus
from tests.factories import MembershipFactory, ProfileFactory, UserFactory

COLUMNS = [
    "quote id",
    "case",
    "case: City size",
    "transcript",
    "respondent",
    "respondent role",
    "interview: Recorded",
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
]


def export(client, project, query: str = "") -> tuple[bytes, object]:
    response = client.get(reverse("coding:excerpts_export", args=[project.pk]) + query)
    assert response.status_code == 200
    assert response.streaming
    return b"".join(response.streaming_content), response


def rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))


def test_one_row_per_coding_with_every_column(client_for, analysis, viewer):
    analysis.segments.s1.memo = "Ownership and politics in one breath."
    analysis.segments.s1.save()
    content, response = export(client_for(viewer), analysis.project)
    today = timezone.localdate().isoformat()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="interagency-data-sharing-excerpts-{today}.csv"'
    )
    assert not content.startswith(b"\xef\xbb\xbf")
    found = rows(content)
    assert list(found[0]) == COLUMNS
    assert len(found) == 10  # every coding, the two coders' codings of s2 each on their own row
    s1 = analysis.segments.s1
    first = found[0]
    assert first == {
        "quote id": s1.citable_id,
        "case": "City X",
        "case: City size": "large",
        "transcript": "X1",
        "respondent": "R01",
        "respondent role": "leader",
        "interview: Recorded": "yes",
        "speaker": "R01",
        "paragraph": "2",
        "start": str(s1.start),
        "end": str(s1.end),
        "code": first["code"],
        "code path": f"Determinants › {first['code']}",
        "level": "Open",
        "framework": "IOR",
        "valence": first["valence"],
        "excerpt": "The bureau says the records are ours alone.",
        "coder": "pi",
        "segment memo": "Ownership and politics in one breath.",
        "created": "2024-01-10T12:00:00+00:00",
        "citation": "(City X, respondent R01)",
        "selected by": "every coding of the project",
    }
    assert {(row["code"], row["valence"]) for row in found[:2]} == {
        ("Data ownership", "negative"),
        ("Political determination", "positive"),
    }
    # Reading order: case, interview, position.
    assert [row["transcript"] for row in found] == ["X1"] * 4 + ["X2", "Y1", "Y1", "Y2", "Y3", "Y3"]
    assert found[5]["case: City size"] == "small" and found[7]["interview: Recorded"] == ""


def test_excel_option_adds_a_byte_order_mark_and_chinese_round_trips(client_for, analysis, viewer):
    content, _ = export(client_for(viewer), analysis.project, "?excel=on")
    assert content.startswith(b"\xef\xbb\xbf")
    found = rows(content.removeprefix(b"\xef\xbb\xbf"))
    chinese = next(row for row in found if row["transcript"] == "Y2")
    assert chinese["excerpt"] == "這些數據是我們部門的𠮷"  # 𠮷 is outside the BMP: one code point
    assert int(chinese["end"]) - int(chinese["start"]) == len("這些數據是我們部門的𠮷")
    assert (chinese["speaker"], chinese["paragraph"]) == ("答", "2")
    assert chinese["citation"] == "(City Y, respondent R03)"


def test_formulas_are_defused_with_or_without_the_excel_option(client_for, analysis, viewer):
    segment = analysis.segments.s3
    segment.memo = '=HYPERLINK("http://example.org")'
    segment.save()
    for query in ("", "?excel=on"):
        content = export(client_for(viewer), analysis.project, query)[0].removeprefix(b"\xef\xbb\xbf")
        row = next(row for row in rows(content) if row["transcript"] == "X2")
        assert row["segment memo"] == "'" + segment.memo


def test_the_retrieval_filters_drive_the_export(client_for, analysis, viewer):
    codes = analysis.codes
    query = f"?all_codes={codes.ownership.pk}&valence=negative&not_case={analysis.cases.y.pk}"
    found = rows(export(client_for(viewer), analysis.project, query)[0])
    assert [(row["transcript"], row["code"], row["coder"]) for row in found] == [
        ("X1", "Data ownership", "pi"),
        ("X1", "Data ownership", "pi"),
        ("X1", "Data ownership", "ra"),
    ]


def test_bad_filters_show_the_form_instead_of_a_file(client_for, analysis, viewer):
    response = client_for(viewer).get(
        reverse("coding:excerpts_export", args=[analysis.project.pk]) + "?coded_from=yesterday"
    )
    assert response.status_code == 200
    assert not response.streaming
    assert "Nothing was searched" in response.text and "Enter a valid date." in response.text


def test_excerpt_export_query_count_is_fixed(client_for, analysis, viewer, django_assert_num_queries):
    client = client_for(viewer)
    # session, user, membership; the facets it reads (codes, attributes, saved queries, members); the access
    # log's row; case and interview attribute values; codings; the speaker labels around them (their ids,
    # then the labels); texts
    with django_assert_num_queries(14):
        export(client, analysis.project)


def test_csv_is_written_in_batches():
    chunks = list(csv_stream(([n, "x"] for n in range(5)), batch=2))
    assert [chunk.count(b"\n") for chunk in chunks] == [2, 2, 1]
    assert list(csv.reader(io.StringIO(b"".join(chunks).decode()))) == [[str(n), "x"] for n in range(5)]


def test_rows_are_the_same_however_the_codings_are_batched(db):
    """Each batch of codings reads its own labels and texts: all of an interview's labels when the batch holds
    many of its codings, the two around each coding when it holds a few (7 rows a batch here, and batches
    that end inside an interview). Both give the rows of one batch."""
    corpus = make_corpus(name="Batches", transcripts_per_scale=3, words=400, segments_per_transcript=40)
    facets = load_facets(project=corpus.project)
    selection = select(project=corpus.project, criteria=Criteria(), tree=facets.tree)
    whole = list(excerpt_rows(selection=selection, facets=facets))
    speakers = {row[whole[0].index("speaker")] for row in whole[1:]}
    assert len(whole) == corpus.codings + 1 and len(speakers) > 2  # the interviewer and the respondents
    assert list(excerpt_rows(selection=selection, facets=facets, chunk_size=7)) == whole


def test_header_lists_attributes_of_cases_then_interviews(analysis):
    header = excerpt_header(load_facets(project=analysis.project))
    assert header == COLUMNS


def _peak_while_exporting(client, project) -> tuple[int, int]:
    tracemalloc.start()
    content_rows = 0
    response = client.get(reverse("coding:excerpts_export", args=[project.pk]))
    for chunk in response.streaming_content:
        content_rows += chunk.count(b"\n")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return content_rows, peak


def test_memory_stays_flat_as_the_export_grows(client_for, db):
    sizes = {"words": 300, "segments_per_transcript": 100}
    small = make_corpus(scale=1, transcripts_per_scale=10, name="Small export", **sizes)
    large = make_corpus(scale=1, transcripts_per_scale=60, name="Large export", **sizes)
    reader = UserFactory(username="exporter")
    for summary in (small, large):
        MembershipFactory(project=summary.project, user=reader)
    client = client_for(reader)
    _peak_while_exporting(client, small.project)  # warm up: imports, compiled queries, caches
    small_rows, small_peak = _peak_while_exporting(client, small.project)
    large_rows, large_peak = _peak_while_exporting(client, large.project)
    assert large_rows > 5 * small_rows > 5 * 1500
    # Six times the rows, about the same memory: chunks of rows and one transcript's text at a time.
    assert large_peak < 1.5 * small_peak, (small_peak, large_peak)


# The quotation report ---------------------------------------------------------------------------------------


def report_url(project, query=""):
    return reverse("coding:report_export", args=[project.pk]) + query


def test_printable_report_groups_quotations_by_code_then_case(client_for, analysis, viewer):
    query = f"?any_codes={analysis.codes.determinants.pk}"
    response = client_for(viewer).get(report_url(analysis.project, query))
    assert response.status_code == 200
    html = response.text
    assert "Evidence: Interagency data sharing" in html
    ownership = html.index("<h2>Determinants › Data ownership</h2>")
    political = html.index("<h2>Determinants › Political determination</h2>")
    assert ownership < political
    section = html[ownership:political]
    assert section.index("<h3>City X") < section.index("<h3>City Y")
    assert "“The bureau says the records are ours alone.”" in section
    assert "(City X, respondent R01), ¶ 2, R01" in section
    assert "“這些數據是我們部門的𠮷”" in section
    assert "Showing the first" not in html


def test_report_says_when_it_shows_only_the_first_quotations(client_for, analysis, viewer, monkeypatch):
    monkeypatch.setattr(reports, "REPORT_LIMIT", 3)
    response = client_for(viewer).get(report_url(analysis.project))
    assert "Showing the first 3 of 10 codings" in response.text
    assert response.text.count("<blockquote>") == 3


def test_word_report_holds_the_same_evidence_tables(client_for, analysis, viewer):
    query = f"?any_codes={analysis.codes.ownership.pk}&format=docx"
    response = client_for(viewer).get(report_url(analysis.project, query))
    assert response.status_code == 200
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (
        f'attachment; filename="interagency-data-sharing-quotations-{today}.docx"'
    )
    document = Document(io.BytesIO(response.content))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings == ["Determinants › Data ownership", "City X (3 quotations)", "City Y (2 quotations)"]
    first, second = document.tables
    assert [cell.text for cell in first.rows[0].cells] == ["Quotation", "Source", "Effect"]
    assert first.rows[1].cells[0].text == "“The bureau says the records are ours alone.”"
    assert first.rows[1].cells[1].text.startswith("(City X, respondent R01), ¶ 2, R01 · Q")
    assert first.rows[1].cells[2].text == "−"
    assert [row.cells[2].text for row in second.rows[1:]] == ["−", "+"]
    assert "這些數據是我們部門的𠮷" in second.rows[2].cells[0].text


def test_report_of_nothing_says_so(client_for, analysis, viewer):
    response = client_for(viewer).get(report_url(analysis.project, "?text=nowhere+to+be+found"))
    assert "No quotations match the selection." in response.text
    docx = client_for(viewer).get(report_url(analysis.project, "?text=nowhere+to+be+found&format=docx"))
    assert "No quotations match the selection." in [
        p.text for p in Document(io.BytesIO(docx.content)).paragraphs
    ]


def test_report_with_a_bad_format_shows_the_form(client_for, analysis, viewer):
    response = client_for(viewer).get(report_url(analysis.project, "?format=pdf"))
    assert response.status_code == 200 and "Select a valid choice" in response.text


def test_report_query_count_is_fixed(client_for, analysis, viewer, django_assert_num_queries):
    client = client_for(viewer)
    # session, user, membership; the facets it reads (codes, members); codings; the speaker labels around
    # them; texts; memos (none here: their links are not asked for); the access log's row
    with django_assert_num_queries(10):
        client.get(report_url(analysis.project, "?format=docx"))


@pytest.mark.parametrize("path", ["excerpts_export", "report_export"])
def test_quotes_come_from_the_segment_snapshot(client_for, analysis, viewer, path):
    # Segment.quote is the excerpt; offsets are code points into the transcript's text.
    segment = Segment.objects.get(pk=analysis.segments.s6.pk)
    assert segment.transcript.text[segment.start : segment.end] == segment.quote
    response = client_for(viewer).get(reverse(f"coding:{path}", args=[analysis.project.pk]))
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert segment.quote.encode() in body


def test_creation_times_are_in_the_projects_time_zone_to_the_second(client_for, analysis, viewer, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    moment = datetime(2024, 7, 1, 23, 59, 59, 900_000, tzinfo=UTC)
    Coding.objects.filter(segment__transcript__case__project=analysis.project).update(created_at=moment)
    found = rows(export(client_for(viewer), analysis.project)[0])
    assert {row["created"] for row in found} == {"2024-07-02T07:59:59+08:00"}


def test_exports_name_coders_by_their_display_name(client_for, analysis, viewer):
    ProfileFactory(user=analysis.owner, display_name="Dr. Ana Ruiz")  # ra has none: named by username
    content, _ = export(client_for(viewer), analysis.project)
    shared = [row["coder"] for row in rows(content) if row["excerpt"] == "Nobody else may copy them."]
    assert sorted(shared) == ["Dr. Ana Ruiz", "ra"]
    facets = load_facets(project=analysis.project)
    selection = select(project=analysis.project, criteria=Criteria(), tree=facets.tree)
    report = reports.build_report(selection=selection, facets=facets)
    named = {item.coder for code in report.codes for case in code.cases for item in case.items}
    assert named == {"Dr. Ana Ruiz", "ra"}
