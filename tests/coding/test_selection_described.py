"""One description of a retrieval's criteria, complete (codes with AND / OR / NOT and their paths, cases,
attributes, coder, valence, text, dates), on the retrieval page, the printable and Word reports and every row
of the excerpt export, so evidence pasted into a paper says how it was chosen."""

import csv
import io
from datetime import date

from django.urls import reverse
from docx import Document

from coding.analysis.retrieval import Condition, Criteria, describe_criteria, load_facets

DESCRIBED = (
    "all of these codes (AND): Determinants; any of these codes (OR): Determinants › Data ownership; "
    "none of these codes (NOT): Territory › Marking; each code with the codes beneath it; "
    "valence − pushes apart; not in cases City Y; City size (case) is large; coded by pi; "
    "coded from 2024-01-01 to 2024-12-31; text contains “the”"
)


def query(analysis) -> str:
    codes = analysis.codes
    return (
        f"?all_codes={codes.determinants.pk}&any_codes={codes.ownership.pk}&not_codes={codes.marking.pk}"
        f"&valence=negative&not_case={analysis.cases.y.pk}&where=attr-{analysis.attributes.size.pk}:large"
        f"&coder={analysis.owner.pk}&coded_from=2024-01-01&coded_to=2024-12-31&text=the"
    )


def test_every_criterion_is_described_in_words(analysis):
    facets = load_facets(project=analysis.project)
    codes = analysis.codes
    criteria = Criteria(
        all_codes=(codes.determinants.pk,),
        any_codes=(codes.ownership.pk,),
        not_codes=(codes.marking.pk,),
        valences=("negative",),
        not_cases=(analysis.cases.y.pk,),
        where=(Condition(facets.dimensions[f"attr-{analysis.attributes.size.pk}"], frozenset({"large"})),),
        coder_id=analysis.owner.pk,
        coded_from=date(2024, 1, 1),
        coded_to=date(2024, 12, 31),
        text="the",
    )
    assert describe_criteria(facets=facets, criteria=criteria) == DESCRIBED
    narrower = Criteria(
        any_codes=(codes.political.pk,),
        in_transcripts_with=(codes.political.pk, codes.marking.pk),
        subcodes=False,
        cases=(analysis.cases.x.pk,),
        valences=("positive", "none"),
        coded_to=date(2024, 2, 1),
    )
    assert describe_criteria(facets=facets, criteria=narrower) == (
        "any of these codes (OR): Determinants › Political determination; only the codes themselves; "
        "in interviews that carry each of: Determinants › Political determination, Territory › Marking; "
        "valence + pulls together or none; in cases City X; coded from the start to 2024-02-01"
    )
    assert describe_criteria(facets=facets, criteria=Criteria()) == "every coding of the project"


def test_retrieval_page_says_how_its_quotations_were_chosen(client_for, analysis, viewer):
    response = client_for(viewer).get(
        reverse("coding:retrieval", args=[analysis.project.pk]) + query(analysis)
    )
    assert response.context["page"].paginator.count == 2
    assert f"· {DESCRIBED}</p>" in response.text


def test_printable_and_word_reports_say_how_their_quotations_were_chosen(client_for, analysis, viewer):
    url = reverse("coding:report_export", args=[analysis.project.pk]) + query(analysis)
    client = client_for(viewer)
    assert f"Quotations selected by: {DESCRIBED}." in client.get(url).text
    document = Document(io.BytesIO(client.get(url + "&format=docx").content))
    assert any(
        p.text.startswith(f"Quotations selected by: {DESCRIBED}. Generated") for p in document.paragraphs
    )


def test_every_exported_excerpt_says_how_it_was_chosen(client_for, analysis, viewer):
    url = reverse("coding:excerpts_export", args=[analysis.project.pk]) + query(analysis)
    content = b"".join(client_for(viewer).get(url).streaming_content).decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 2
    assert {row["selected by"] for row in rows} == {DESCRIBED}
