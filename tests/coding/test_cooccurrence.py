"""Code co-occurrence: passages or interviews carrying both codes (with sub-codes), its page and drill-down.
Data from the `analysis` fixture (tests/conftest.py)."""

import pytest
from django.db import connection
from django.urls import reverse

from coding.analysis import forms as analysis_forms
from coding.analysis.cooccurrence import build_cooccurrence
from coding.analysis.retrieval import Criteria, load_facets

HX = {"HX-Request": "true"}


def table(analysis, unit: str, criteria: Criteria | None = None) -> dict[tuple[str, str], int]:
    facets = load_facets(project=analysis.project)
    nodes = [code.pk for code in facets.tree.codes]
    result = build_cooccurrence(facets=facets, nodes=nodes, unit=unit, criteria=criteria or Criteria())
    names = {code.pk: code.name for code in facets.tree.codes}
    return {(names[a], names[b]): n for (a, b), n in result.counts.items() if n}


def test_passages_carrying_both_codes(analysis):
    counts = table(analysis, "segments")
    # The diagonal: passages with the code (or one beneath it).
    assert counts[("Data ownership", "Data ownership")] == 4
    assert counts[("Determinants", "Determinants")] == 6
    assert counts[("Marking data", "Marking data")] == 1
    # Pairs, both ways round.
    assert counts[("Data ownership", "Political determination")] == 1  # s1
    assert counts[("Political determination", "Data ownership")] == 1
    assert counts[("Determinants", "Data ownership")] == 4  # every ownership passage is a determinant's
    assert counts[("Determinants", "Territory")] == 1  # s7: political and marking
    assert counts[("Political determination", "Marking")] == 1
    assert counts[("Marking", "Marking data")] == 1
    assert ("Data ownership", "Territory") not in counts


def test_interviews_mentioning_both_codes(analysis):
    counts = table(analysis, "transcripts")
    assert counts[("Data ownership", "Data ownership")] == 3
    assert counts[("Determinants", "Determinants")] == 5
    # Y1 has ownership and marking data in different passages: no passage has both, one interview does.
    assert counts[("Data ownership", "Marking")] == 1
    assert counts[("Data ownership", "Political determination")] == 1


def test_scope_filters_apply(analysis):
    counts = table(analysis, "segments", Criteria(coder_id=analysis.coder.pk))
    assert counts[("Data ownership", "Data ownership")] == 2  # s2 (ra's coding), s6
    assert ("Data ownership", "Political determination") not in counts


def url(project, name="coding:cooccurrence"):
    return reverse(name, args=[project.pk])


def test_page_shows_the_top_two_levels_by_default(client_for, analysis, viewer):
    response = client_for(viewer).get(url(analysis.project))
    assert response.status_code == 200
    codes = [code.name for code in response.context["table"].codes]
    assert codes == ["Determinants", "Data ownership", "Political determination", "Territory", "Marking"]
    a, b = analysis.codes.ownership.pk, analysis.codes.political.pk
    assert f"a={a}&amp;b={b}" in response.text


def test_chosen_codes_and_htmx_table(client_for, analysis, viewer):
    codes = analysis.codes
    query = f"?codes={codes.marking_data.pk}&codes={codes.ownership.pk}&unit=transcripts"
    response = client_for(viewer).get(url(analysis.project) + query, headers=HX)
    assert response.text.lstrip().startswith('<div id="table-area"')
    rows = response.text.split('<th scope="row"')[1:]
    assert [row.split('class="code-name"')[1].split(">")[1].split("<")[0] for row in rows] == [
        "Data ownership",
        "Marking data",
    ]
    assert "Interviews mentioning both codes" in response.text


def test_too_many_codes_is_refused_with_a_reason(client_for, analysis, viewer, monkeypatch):
    monkeypatch.setattr(analysis_forms, "MAX_COOCCURRENCE_CODES", 3)
    response = client_for(viewer).get(url(analysis.project))
    assert "That is 5 codes; choose at most 3" in response.text
    assert "table" not in response.context


def test_drill_down_into_passages_with_both_codes(client_for, analysis, viewer):
    codes = analysis.codes
    query = f"?a={codes.political.pk}&b={codes.territory.pk}"
    response = client_for(viewer).get(
        url(analysis.project, "coding:cooccurrence_cell_hx") + query, headers=HX
    )
    assert response.status_code == 200
    assert "Political determination × Territory" in response.text
    assert response.context["page"].paginator.count == 1
    assert "The province slowed everything down." in response.text


def test_drill_down_for_interviews_lists_passages_with_either_code(client_for, analysis, viewer):
    codes = analysis.codes
    query = f"?a={codes.ownership.pk}&b={codes.marking.pk}&unit=transcripts"
    response = client_for(viewer).get(
        url(analysis.project, "coding:cooccurrence_cell_hx") + query, headers=HX
    )
    quotes = {q.segment.quote for q in response.context["quotations"]}
    assert quotes == {"Each department guards its tables.", "We stamp every table with our name."}


def test_drill_down_without_javascript_and_with_bad_input(client_for, analysis, viewer):
    client = client_for(viewer)
    cell = url(analysis.project, "coding:cooccurrence_cell_hx")
    response = client.get(cell + f"?a={analysis.codes.ownership.pk}&b={analysis.codes.ownership.pk}")
    assert response.status_code == 302 and response["Location"].endswith("#drilldown")
    page = client.get(response["Location"])
    assert "Data ownership × Data ownership" in page.text and 'class="quotation"' in page.text
    bad = client.get(cell + "?a=0", headers=HX)
    assert bad.status_code == 200 and "This cell cannot be opened" in bad.text
    assert "two codes are needed" in bad.text


@pytest.mark.parametrize(
    ("name", "query", "queries"),
    [
        # session, user, membership; 8 facets; the project's interviews, the grouped query
        ("coding:cooccurrence", "?unit=transcripts", 13),
        # session, user, membership; the facets it reads (codes, members); count, page of passages, their
        # codings, texts, the speaker labels around the passages
        ("coding:cooccurrence_cell_hx", "?a={a}&b={b}", 9),
    ],
)
def test_query_counts_are_fixed(
    client_for, analysis, viewer, django_assert_num_queries, name, query, queries
):
    client = client_for(viewer)
    query = query.format(a=analysis.codes.ownership.pk, b=analysis.codes.political.pk)
    if name == "coding:cooccurrence" and connection.vendor == "postgresql":
        queries += 4  # the grouped query's transaction: begin, two SET LOCAL, commit
    with django_assert_num_queries(queries):
        client.get(url(analysis.project, name) + query, headers=HX)


@pytest.mark.parametrize(
    ("page", "cell", "query"),
    [
        ("coding:matrix", "coding:matrix_cell_hx", "node={ownership}&col=*"),
        ("coding:cooccurrence", "coding:cooccurrence_cell_hx", "a={ownership}&b={political}"),
    ],
)
def test_matrix_and_cooccurrence_share_one_drill_down(client_for, analysis, viewer, page, cell, query):
    codes = analysis.codes
    query = "?" + query.format(ownership=codes.ownership.pk, political=codes.political.pk)
    client = client_for(viewer)
    for response in (
        client.get(url(analysis.project, cell) + query, headers=HX),  # the panel alone
        client.get(url(analysis.project, page) + query),  # the page with the cell open, without JavaScript
    ):
        assert "coding/_drilldown.html" in [template.name for template in response.templates]
        assert 'id="drilldown"' in response.text and "open in Retrieval" in response.text
        retrieval = response.context["retrieval_query"]
        found = client.get(reverse("coding:retrieval", args=[analysis.project.pk]) + "?" + retrieval)
        assert found.context["page"].paginator.count == response.context["page"].paginator.count
